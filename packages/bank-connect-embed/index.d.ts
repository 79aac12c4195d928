/**
 * bank-connect-embed — types for `embed.js` (`window.BankConnect`) and for every message of the
 * postMessage protocol between a host page and the bank-connect widget.
 *
 * The protocol is defined in Rust (`crates/core/src/embed.rs`); a test writes every message the
 * Rust side can send or accept as a typed literal and type-checks it against this file with
 * `tsc --strict`, and compares each union of names below with the Rust lists, so the two cannot
 * drift apart silently.
 */

/** The `source` of every message. */
export type Source = "bank-connect";

/** The protocol version `embed.js` and the widget speak. */
export type ProtocolVersion = 1;

/** A payload that must be exactly `{}`. */
export type EmptyPayload = { [key: string]: never };

/** Every message: `{ source, version, type, payload }`, posted only to the exact other origin. */
export interface Envelope<Type extends string, Payload> {
  /** Always `"bank-connect"`. */
  source: Source;
  /** Always `1`. */
  version: ProtocolVersion;
  /** The message type. */
  type: Type;
  /** The type's payload. */
  payload: Payload;
}

// ---------------------------------------------------------------------------------------------
// Theme
// ---------------------------------------------------------------------------------------------

/** Light, dark, or follow the person's system setting (`prefers-color-scheme`). */
export type ThemeMode = "light" | "dark" | "auto";

/** Font families a host may pick (Rust: `SAFE_FONTS`); any other value is ignored. */
export type SafeFont =
  | "system-ui"
  | "sans-serif"
  | "serif"
  | "monospace"
  | "Inter"
  | "Roboto"
  | "Helvetica"
  | "Arial"
  | "Georgia";

/** The host's theme. Invalid values are ignored by the widget, never fatal. */
export interface Theme {
  /** Colour scheme (default `"auto"`). */
  mode?: ThemeMode;
  /** Accent colour, `#rgb` or `#rrggbb`. */
  accent?: string;
  /** Corner radius in CSS pixels, 0–24. */
  radius?: number;
  /** One of the safe fonts. */
  font?: SafeFont;
}

// ---------------------------------------------------------------------------------------------
// Host → widget
// ---------------------------------------------------------------------------------------------

/** `init` payload: the single-use link token (never in a URL) and the theme. */
export interface InitPayload {
  /**
   * Link token minted by the host's backend (1–512 characters). Single-use: `embed.js` sends it
   * in the first `init` only; after the frame reloads, `init` comes without it and the widget
   * carries on with the session the token started.
   */
  link_token?: string;
  /** The host's theme. */
  theme?: Theme;
}

/** Host → widget: start. `embed.js` sends it each time the widget says `ready` (again after a reload). */
export type InitMessage = Envelope<"init", InitPayload>;
/** Host → widget: close. */
export type CloseMessage = Envelope<"close", EmptyPayload>;
/** Every message a host page posts to the widget. */
export type HostMessage = InitMessage | CloseMessage;
/** The `type` of a host message. */
export type HostMessageType = HostMessage["type"];

// ---------------------------------------------------------------------------------------------
// Widget → host
// ---------------------------------------------------------------------------------------------

/** Names of `event` messages (Rust: `EVENT_NAMES`). */
export type EventName =
  | "OPEN"
  | "SEARCH"
  | "SELECT_INSTITUTION"
  | "SUBMIT_CREDENTIALS"
  | "MFA_REQUIRED"
  | "SUBMIT_MFA"
  | "STEP"
  | "ERROR"
  | "TRANSITION_VIEW"
  | "CONNECTED"
  | "CLOSE"
  | "HANDOFF"
  | "HANDOFF_RETURNED";

/** The widget's screens, as `TRANSITION_VIEW` names them. */
export type ViewName =
  | "start"
  | "picker"
  | "credentials"
  | "connecting"
  | "mfa"
  | "success"
  | "error"
  | "handoff"
  | "handoff_waiting";

/** Stable names of what went wrong, in `ERROR` events and `exit` payloads. */
export type ErrorKindName =
  | "invalid_credentials"
  | "account_locked"
  | "mfa_not_supported"
  | "mfa_rejected"
  | "mfa_expired"
  | "user_action_required"
  | "service_unavailable"
  | "institution_unavailable"
  | "maintenance"
  | "institution_not_supported"
  | "authorization_failed"
  | "job_timed_out"
  | "session_expired"
  | "access_denied"
  | "already_connected"
  | "not_found"
  | "invalid_request"
  | "rate_limited"
  | "server_error"
  | "network"
  | "bad_response"
  | "link_expired"
  | "session_ended"
  | "unknown";

/** Basiq 3.0: how a visit to Basiq's Consent UI ended without a bank connected (besides
 * `authorization_failed` and `institution_unavailable`, which are error kinds). */
export type HandoffEndingName =
  | "handoff_cancelled"
  | "handoff_expired"
  | "consent_site_unreachable"
  | "handoff_window_closed"
  | "handoff_refused"
  | "consent_managed";

/** The chosen institution, in events about it (empty when none was chosen). */
export interface InstitutionMeta {
  /** Basiq institution id, e.g. `AU00000`. */
  institution_id: string;
  /** Its name. */
  institution_name: string;
}

/** The `meta` of each event. */
export interface EventMetaByName {
  /** The widget opened. */
  OPEN: EmptyPayload;
  /** The search text changed. */
  SEARCH: { query: string };
  /** An institution was chosen. */
  SELECT_INSTITUTION: InstitutionMeta;
  /** The login form was submitted (never the details themselves). */
  SUBMIT_CREDENTIALS: InstitutionMeta | EmptyPayload;
  /** The bank asked for a security check; `method` is Basiq's (`token`, `security-questions`…). */
  MFA_REQUIRED: { method: string };
  /** The security-check answer was submitted (never the answer itself). */
  SUBMIT_MFA: InstitutionMeta | EmptyPayload;
  /** The running step changed; `step` is its label as shown. */
  STEP: { step: string };
  /** A failure screen is showing. */
  ERROR: { kind: ErrorKindName | HandoffEndingName };
  /** Another screen is showing. */
  TRANSITION_VIEW: { view: ViewName };
  /** The bank is connected (a `success` message follows). */
  CONNECTED: { institution_id: string };
  /** Reserved: listed in the protocol's names, not sent by this widget version. */
  CLOSE: EmptyPayload;
  /** Basiq 3.0: the person went to Basiq's Consent UI (in a popup window). */
  HANDOFF: InstitutionMeta | EmptyPayload;
  /** Basiq 3.0: the person is back from Basiq; `job_count` jobs are followed (0: cancelled). */
  HANDOFF_RETURNED: { job_count: number };
}

/** `event` payload: a named step and its small details (never a secret). */
export type EventPayload = { [N in EventName]: { name: N; meta: EventMetaByName[N] } }[EventName];

/** An account in a `success` payload (masked number only). */
export interface SuccessAccount {
  /** Account id. */
  id: string;
  /** Account name. */
  name: string;
  /** Masked account number, e.g. `•••• 6789`. */
  masked_number: string;
  /** Account type, in words. */
  kind: string;
  /** Balance as shown, with its currency, e.g. `$1,234.56`. */
  balance: string;
}

/** A bank connected. */
export interface SuccessConnection {
  /** The new connection's id. */
  connection_id: string;
  /** The institution. */
  institution: { id: string; name: string };
  /** The accounts found. */
  accounts: SuccessAccount[];
  /** The Basiq job that made the connection. */
  job_id: string;
}

/** `success` payload: banks were connected. The top-level fields are the first bank's;
 * `connections` lists every one (several after one Basiq 3.0 Consent UI visit). */
export interface SuccessPayload extends SuccessConnection {
  /** Every bank connected, in order. */
  connections: SuccessConnection[];
}

/** Why the widget closed. */
export type ExitReason = "user_closed" | "institution_not_found" | "institution_down" | "error";

/** `exit` payload; `error` comes with reason `"error"`. */
export interface ExitPayload {
  /** Why. */
  reason: ExitReason;
  /** The last error: its kind and the message the person saw. */
  error?: { kind: ErrorKindName | HandoffEndingName; message: string };
}

/** `resize` payload (inline mode): the content's height in CSS pixels. */
export interface ResizePayload {
  /** Height in CSS pixels. */
  height: number;
}

/** Widget → host: loaded and listening. */
export type ReadyMessage = Envelope<"ready", EmptyPayload>;
/** Widget → host: a named step. */
export type EventMessage = Envelope<"event", EventPayload>;
/** Widget → host: a bank was connected. */
export type SuccessMessage = Envelope<"success", SuccessPayload>;
/** Widget → host: the widget closed. */
export type ExitMessage = Envelope<"exit", ExitPayload>;
/** Widget → host: the content's height changed. */
export type ResizeMessage = Envelope<"resize", ResizePayload>;
/** Every message the widget posts to its host. */
export type WidgetMessage = ReadyMessage | EventMessage | SuccessMessage | ExitMessage | ResizeMessage;
/** The `type` of a widget message. */
export type WidgetMessageType = WidgetMessage["type"];

// ---------------------------------------------------------------------------------------------
// embed.js
// ---------------------------------------------------------------------------------------------

/** How the widget is shown. */
export type Mode = "modal" | "inline";

/** What `BankConnect.open` takes. */
export interface OpenOptions {
  /** The widget's URL (default: where `embed.js` was loaded from). */
  url?: string;
  /**
   * Single-use link token from the host's backend; sent in a message, never in a URL, and only
   * once (a frame that reloads keeps the session it started).
   */
  linkToken?: string;
  /** `"modal"` (default): a dialog over the page; `"inline"`: a frame in `container`. */
  mode?: Mode;
  /** Element or CSS selector for inline mode. */
  container?: Element | string;
  /** The host's theme. */
  theme?: Theme;
  /** Accessible name of the modal dialog (default "Connect your bank"). */
  title?: string;
  /** The widget loaded (`ready`; again if the frame reloads). */
  onReady?: (payload: EmptyPayload) => void;
  /** Each `event`. */
  onEvent?: (payload: EventPayload) => void;
  /** A bank was connected. */
  onSuccess?: (payload: SuccessPayload) => void;
  /** The widget closed (the person closed it, or a failure ended the flow). */
  onExit?: (payload: ExitPayload) => void;
}

/** The open widget. */
export interface BankConnectHandle {
  /** Closes the widget; `onExit` hears `{ reason: "user_closed" }`. */
  close(): void;
  /** Removes the widget without calling `onExit`. */
  destroy(): void;
  /** The widget's iframe. */
  readonly frame: HTMLIFrameElement;
}

/** `window.BankConnect`, defined by `embed.js`. */
export interface BankConnectGlobal {
  /** Opens the widget; one at a time (a second call returns the open widget's handle). */
  open(options?: OpenOptions): BankConnectHandle;
  /** The protocol version. */
  readonly version: ProtocolVersion;
}

declare global {
  interface Window {
    /** Defined once `embed.js` has loaded. */
    BankConnect?: BankConnectGlobal;
  }
}
