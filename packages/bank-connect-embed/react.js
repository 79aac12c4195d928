// bank-connect-embed/react — `useBankConnect` (types in react.d.ts). Uses `window.BankConnect`
// from `WIDGET_ORIGIN/embed.js`; the widget is destroyed when the component unmounts.
import { useCallback, useEffect, useRef, useState } from "react";

const INITIAL = { status: "idle", events: [], success: null, exit: null };

function element(container) {
  if (container && typeof container === "object" && "current" in container) return container.current;
  return container;
}

/** A React hook that opens the bank-connect widget and keeps its messages in state. */
export function useBankConnect(options) {
  const latest = useRef(options || {});
  latest.current = options || {};
  const handle = useRef(null);
  const [state, setState] = useState(INITIAL);

  const open = useCallback((overrides) => {
    if (handle.current) return handle.current;
    const api = typeof window === "undefined" ? undefined : window.BankConnect;
    if (!api || typeof api.open !== "function") {
      throw new Error("bank-connect: embed.js is not loaded (add <script src=\"WIDGET_ORIGIN/embed.js\"> to the page)");
    }
    const o = Object.assign({}, latest.current, overrides || {});
    // Callbacks are looked up when each message arrives, so the newest render's run.
    const own = (name) => (payload) => {
      const fn = Object.assign({}, latest.current, overrides || {})[name];
      if (typeof fn === "function") fn(payload);
    };
    setState(Object.assign({}, INITIAL, { status: "loading" }));
    const h = api.open({
      url: o.url,
      linkToken: o.linkToken,
      mode: o.mode,
      container: element(o.container),
      theme: o.theme,
      title: o.title,
      onReady: (p) => {
        setState((s) => Object.assign({}, s, { status: "ready" }));
        own("onReady")(p);
      },
      onEvent: (p) => {
        setState((s) => Object.assign({}, s, { events: s.events.concat([p]) }));
        own("onEvent")(p);
      },
      onSuccess: (p) => {
        setState((s) => Object.assign({}, s, { success: p }));
        own("onSuccess")(p);
      },
      onExit: (p) => {
        handle.current = null;
        setState((s) => Object.assign({}, s, { status: "closed", exit: p }));
        own("onExit")(p);
      },
    });
    handle.current = h;
    return h;
  }, []);

  const close = useCallback(() => {
    if (handle.current) handle.current.close();
  }, []);

  useEffect(
    () => () => {
      if (handle.current) {
        handle.current.destroy();
        handle.current = null;
      }
    },
    [],
  );

  return {
    open,
    close,
    status: state.status,
    isOpen: state.status === "loading" || state.status === "ready",
    events: state.events,
    success: state.success,
    exit: state.exit,
  };
}
