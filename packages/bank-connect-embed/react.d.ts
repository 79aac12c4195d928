/**
 * bank-connect-embed/react — `useBankConnect`, a React hook around `window.BankConnect`
 * (load `WIDGET_ORIGIN/embed.js` on the page first).
 */
import type { RefObject } from "react";
import type {
  BankConnectHandle,
  EventPayload,
  ExitPayload,
  OpenOptions,
  SuccessPayload,
} from "./index";

/** What the hook takes: `BankConnect.open`'s options; `container` may also be a React ref. */
export interface UseBankConnectOptions extends Omit<OpenOptions, "container"> {
  /** Element, CSS selector or ref of the element that holds the inline frame. */
  container?: OpenOptions["container"] | RefObject<Element | null>;
}

/** Where the widget is: not opened yet, loading, ready (talking to the page), or closed. */
export type BankConnectStatus = "idle" | "loading" | "ready" | "closed";

/** What the hook returns (re-rendered on every message). */
export interface UseBankConnect {
  /**
   * Opens the widget with the hook's options, overridden by `overrides` (typically the link
   * token, fetched just before). Throws when `embed.js` is not on the page.
   */
  open(overrides?: UseBankConnectOptions): BankConnectHandle;
  /** Closes the open widget (its `onExit` hears `user_closed`); does nothing when closed. */
  close(): void;
  /** Where the widget is. */
  status: BankConnectStatus;
  /** True from `open` until the widget closes. */
  isOpen: boolean;
  /** The `event` payloads since the last `open`, oldest first. */
  events: EventPayload[];
  /** The `success` payload, once a bank was connected (kept after the widget closes). */
  success: SuccessPayload | null;
  /** The `exit` payload, once the widget closed. */
  exit: ExitPayload | null;
}

/** A React hook that opens the bank-connect widget and keeps its messages in state. */
export declare function useBankConnect(options?: UseBankConnectOptions): UseBankConnect;
