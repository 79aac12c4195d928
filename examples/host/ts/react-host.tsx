// The React example host: a page on its own origin that opens the widget with
// bank-connect-embed's `useBankConnect` hook and shows the connected accounts. Compiled by tsc
// (no bundler); React comes from its UMD builds, served by the example host.
import * as React from "react";
import { createRoot } from "react-dom/client";
import type { SuccessAccount } from "bank-connect-embed";
import { useBankConnect } from "bank-connect-embed/react";

/** The connected accounts, as the host shows them (masked numbers only). */
function Accounts({ institution, accounts }: { institution: string; accounts: SuccessAccount[] }) {
  return (
    <section aria-labelledby="accounts-heading">
      <h2 id="accounts-heading">Connected to {institution}</h2>
      <ul aria-label="Connected accounts" className="accounts">
        {accounts.map((a) => (
          <li key={a.id}>
            <span className="name">{a.name}</span> <span className="number">{a.masked_number}</span>{" "}
            <span className="balance">{a.balance}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The page: one button, the widget's state, then the accounts. */
function App({ widgetUrl }: { widgetUrl: string }) {
  const [minting, setMinting] = React.useState(false);
  const [problem, setProblem] = React.useState<string | null>(null);
  const bank = useBankConnect({
    url: widgetUrl,
    theme: { mode: "auto", accent: "#0f766e", radius: 10, font: "system-ui" },
  });

  // The button stays enabled (and focusable) while the widget is open, so focus can return to it.
  async function connect(): Promise<void> {
    if (minting || bank.isOpen) return;
    setMinting(true);
    setProblem(null);
    try {
      const res = await fetch("/react/mint", { method: "POST" });
      if (!res.ok) throw new Error(`could not start (${res.status})`);
      const body: { link_token: string } = await res.json();
      bank.open({ linkToken: body.link_token });
    } catch (e) {
      setProblem(e instanceof Error ? e.message : String(e));
    } finally {
      setMinting(false);
    }
  }

  const last = bank.events[bank.events.length - 1];
  const status =
    bank.status === "idle"
      ? "Not connected yet."
      : bank.status === "closed"
        ? bank.success
          ? "Done."
          : `Closed (${bank.exit?.reason ?? "unknown"}).`
        : last?.name === "STEP"
          ? last.meta.step
          : "The bank-connect window is open.";

  return (
    <>
      <header>
        <h1>Example shop (React)</h1>
        <p>
          This page runs on its own origin and embeds bank-connect with the <code>useBankConnect</code> hook.
        </p>
      </header>
      <main>
        <section aria-labelledby="connect-heading">
          <h2 id="connect-heading">Verify your income</h2>
          <button type="button" id="connect" aria-busy={minting || bank.isOpen} onClick={() => void connect()}>
            Connect a bank
          </button>
          <p role="status" id="status">
            {status}
          </p>
          {problem && (
            <p role="alert" id="problem">
              {problem}
            </p>
          )}
        </section>
        {bank.success && <Accounts institution={bank.success.institution.name} accounts={bank.success.accounts} />}
      </main>
    </>
  );
}

const root = document.getElementById("root");
if (root) {
  const widgetUrl = root.dataset["widget"] ?? "";
  createRoot(root).render(
    <React.StrictMode>
      <App widgetUrl={widgetUrl} />
    </React.StrictMode>,
  );
}
