/*! bank-connect embed.js — open the bank-connect widget from any page.
 *
 *   <script src="https://WIDGET_ORIGIN/embed.js"></script>
 *   const handle = BankConnect.open({ linkToken, onSuccess, onExit });
 *
 * Messages are { source: "bank-connect", version: 1, type, payload }. This script only accepts
 * them from the widget's own origin and frame, and only posts to that origin (no wildcard). The
 * link token travels in a message, never in a URL. No dependencies, no build step.
 */
(function () {
  "use strict";
  if (window.BankConnect && window.BankConnect.__bankConnect) return; // loaded twice: keep the first

  var SOURCE = "bank-connect";
  var VERSION = 1;
  var WIDGET_TYPES = { ready: 1, event: 1, success: 1, exit: 1, resize: 1 };
  var script = document.currentScript;
  var defaultUrl = script && script.src ? new URL("/", script.src).href : null;
  var current = null;

  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  function valid(data) {
    if (!isObject(data) || data.source !== SOURCE || data.version !== VERSION) return false;
    if (!WIDGET_TYPES.hasOwnProperty(data.type) || !isObject(data.payload)) return false;
    var keys = Object.keys(data);
    if (keys.length !== 4) return false;
    var p = data.payload;
    switch (data.type) {
      case "event":
        return typeof p.name === "string" && isObject(p.meta);
      case "success":
        return typeof p.connection_id === "string" && isObject(p.institution) && Array.isArray(p.accounts);
      case "exit":
        return typeof p.reason === "string";
      case "resize":
        return typeof p.height === "number" && p.height >= 0 && p.height < 100000;
      default:
        return true;
    }
  }

  function call(fn, arg) {
    if (typeof fn === "function") {
      try {
        fn(arg);
      } catch (e) {
        setTimeout(function () { throw e; });
      }
    }
  }

  function open(options) {
    options = options || {};
    if (current) return current.handle; // one widget at a time
    var widgetUrl = new URL(options.url || defaultUrl, window.location.href);
    var widgetOrigin = widgetUrl.origin;
    widgetUrl.searchParams.set("embed", options.mode === "inline" ? "inline" : "modal");
    var mode = options.mode === "inline" ? "inline" : "modal";

    var iframe = document.createElement("iframe");
    iframe.src = widgetUrl.href;
    iframe.title = "Connect your bank";
    iframe.setAttribute("referrerpolicy", "origin");
    iframe.style.border = "0";
    iframe.style.width = "100%";
    iframe.style.display = "block";
    iframe.style.colorScheme = "normal";

    var overlay = null;
    var returnFocus = document.activeElement;
    var savedScroll = { x: window.scrollX, y: window.scrollY };
    var savedOverflow = document.documentElement.style.overflow;
    var closed = false;
    var linkTokenSent = false;

    function focusIframe() {
      try {
        iframe.focus();
      } catch (e) {}
    }

    function onKey(e) {
      if (e.key === "Escape" && mode === "modal") {
        e.preventDefault();
        finish({ reason: "user_closed" });
      }
    }

    if (mode === "modal") {
      overlay = document.createElement("div");
      overlay.setAttribute("data-bank-connect", "overlay");
      var s = overlay.style;
      s.position = "fixed";
      s.inset = "0";
      s.zIndex = "2147483000";
      s.background = "rgba(15, 23, 42, 0.55)";
      s.display = "flex";
      s.alignItems = "center";
      s.justifyContent = "center";
      s.padding = "16px";
      var dialog = document.createElement("div");
      dialog.setAttribute("role", "dialog");
      dialog.setAttribute("aria-modal", "true");
      dialog.setAttribute("aria-label", options.title || "Connect your bank");
      dialog.style.width = "min(480px, 100%)";
      dialog.style.height = "min(720px, 100%)";
      dialog.style.borderRadius = "12px";
      dialog.style.overflow = "hidden";
      dialog.style.background = "transparent";
      iframe.style.height = "100%";
      // Focus trap: sentinels on both sides send focus back into the widget.
      var before = document.createElement("span");
      var after = document.createElement("span");
      before.tabIndex = 0;
      after.tabIndex = 0;
      before.addEventListener("focus", focusIframe);
      after.addEventListener("focus", focusIframe);
      dialog.appendChild(iframe);
      overlay.appendChild(before);
      overlay.appendChild(dialog);
      overlay.appendChild(after);
      document.documentElement.style.overflow = "hidden";
      document.body.appendChild(overlay);
      document.addEventListener("keydown", onKey, true);
      focusIframe();
    } else {
      var container = typeof options.container === "string" ? document.querySelector(options.container) : options.container;
      if (!container) throw new Error("BankConnect.open: inline mode needs a container element");
      iframe.style.height = "480px";
      container.appendChild(iframe);
    }

    function post(type, payload) {
      if (iframe.contentWindow) {
        iframe.contentWindow.postMessage({ source: SOURCE, version: VERSION, type: type, payload: payload }, widgetOrigin);
      }
    }

    function onMessage(e) {
      if (e.origin !== widgetOrigin || e.source !== iframe.contentWindow || !valid(e.data)) return;
      var msg = e.data;
      switch (msg.type) {
        case "ready": {
          // The link token is single-use: only the first `init` carries it. A frame that
          // reloads says `ready` again and carries on with the session the token started.
          var init = {};
          if (options.linkToken && !linkTokenSent) {
            init.link_token = String(options.linkToken);
            linkTokenSent = true;
          }
          if (isObject(options.theme)) init.theme = options.theme;
          post("init", init);
          call(options.onReady, msg.payload);
          break;
        }
        case "event":
          call(options.onEvent, msg.payload);
          break;
        case "success":
          call(options.onSuccess, msg.payload);
          break;
        case "exit":
          finish(msg.payload);
          break;
        case "resize":
          if (mode === "inline") iframe.style.height = Math.ceil(msg.payload.height) + "px";
          break;
      }
    }

    function teardown() {
      if (closed) return;
      closed = true;
      window.removeEventListener("message", onMessage);
      document.removeEventListener("keydown", onKey, true);
      if (overlay) {
        overlay.remove();
        document.documentElement.style.overflow = savedOverflow;
        window.scrollTo(savedScroll.x, savedScroll.y);
      } else {
        iframe.remove();
      }
      current = null;
    }

    function restoreFocus() {
      if (returnFocus && typeof returnFocus.focus === "function") {
        try {
          returnFocus.focus({ preventScroll: true });
        } catch (e) {}
      }
    }

    function finish(payload) {
      if (closed) return;
      teardown();
      call(options.onExit, payload); // the host may re-enable the element that had focus
      restoreFocus();
    }

    function destroy() {
      if (closed) return;
      teardown();
      restoreFocus();
    }

    window.addEventListener("message", onMessage);
    var handle = {
      close: function () {
        finish({ reason: "user_closed" });
      },
      destroy: destroy,
      frame: iframe,
    };
    current = { handle: handle };
    return handle;
  }

  window.BankConnect = Object.freeze({ __bankConnect: true, version: VERSION, open: open });
})();
