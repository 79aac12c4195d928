// A plain TypeScript host page (no framework): the example host's host.js with types. Every
// option and callback of `BankConnect.open` is checked against bank-connect-embed's types.
import type {
  BankConnectGlobal,
  BankConnectHandle,
  EventPayload,
  ExitPayload,
  Mode,
  SuccessPayload,
  WidgetMessage,
} from "bank-connect-embed";

/** `window.BankConnect`, or a clear error when embed.js did not load. */
function bankConnect(): BankConnectGlobal {
  const api = window.BankConnect;
  if (!api) throw new Error("embed.js did not load");
  return api;
}

/** One line of the page's log, named by the message type it shows. */
function record(log: HTMLElement, type: WidgetMessage["type"] | "error", payload: unknown): void {
  const item = document.createElement("li");
  item.dataset["type"] = type;
  item.textContent = `${type} ${JSON.stringify(payload)}`;
  log.appendChild(item);
}

/** What the host keeps of the connections: the masked numbers only (every bank of the visit). */
export function summary(s: SuccessPayload): string {
  return s.connections
    .map((c) => `${c.institution.name}: ${c.accounts.map((a) => `${a.name} ${a.masked_number} ${a.balance}`).join(", ")}`)
    .join("; ");
}

/** Follows the flow through its events (an exhaustive switch over every event name). */
export function describe(e: EventPayload): string {
  switch (e.name) {
    case "OPEN":
    case "CLOSE":
      return e.name;
    case "SEARCH":
      return `searching ${e.meta.query}`;
    case "SELECT_INSTITUTION":
      return `chose ${e.meta.institution_name}`;
    case "SUBMIT_CREDENTIALS":
    case "SUBMIT_MFA":
      return "institution_name" in e.meta ? `${e.name} at ${e.meta.institution_name}` : e.name;
    case "MFA_REQUIRED":
      return `security check (${e.meta.method})`;
    case "STEP":
      return e.meta.step;
    case "ERROR":
      return `error: ${e.meta.kind}`;
    case "TRANSITION_VIEW":
      return `now on ${e.meta.view}`;
    case "CONNECTED":
      return `connected ${e.meta.institution_id}`;
    case "HANDOFF":
      return "institution_name" in e.meta ? `at Basiq for ${e.meta.institution_name}` : "at Basiq";
    case "HANDOFF_RETURNED":
      return `back from Basiq with ${e.meta.job_count} job(s)`;
  }
}

/** Why the widget closed, in words. */
export function why(e: ExitPayload): string {
  return e.reason === "error" && e.error ? `${e.error.kind}: ${e.error.message}` : e.reason;
}

/** Wires the page's button: mint a link token through our backend, then open the widget. */
export function start(button: HTMLButtonElement, log: HTMLElement, widgetUrl: string, mode: Mode): void {
  let open: BankConnectHandle | null = null;
  button.addEventListener("click", async () => {
    if (open) return;
    const res = await fetch("/mint", { method: "POST" });
    if (!res.ok) {
      record(log, "error", { status: res.status });
      return;
    }
    const body: { link_token: string } = await res.json();
    open = bankConnect().open({
      url: widgetUrl,
      linkToken: body.link_token,
      mode,
      container: "#inline-slot",
      theme: { mode: "auto", accent: "#0f766e", radius: 10, font: "system-ui" },
      onReady: (p) => record(log, "ready", p),
      onEvent: (p) => record(log, "event", describe(p)),
      onSuccess: (p) => record(log, "success", summary(p)),
      onExit: (p) => {
        record(log, "exit", why(p));
        open = null;
      },
    });
  });
}
