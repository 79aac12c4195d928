// The host page: mint a link token through our own backend, open the widget, log every message.
(function () {
  "use strict";
  var log = document.getElementById("log");
  var button = document.getElementById("connect");
  var widgetUrl = new URL(document.querySelector('script[src$="/embed.js"]').src).origin + "/";

  function record(type, payload) {
    var item = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = type;
    var body = document.createElement("code");
    body.textContent = JSON.stringify(payload);
    item.appendChild(name);
    item.appendChild(document.createTextNode(" "));
    item.appendChild(body);
    item.setAttribute("data-type", type);
    log.appendChild(item);
  }

  // The button stays enabled (and focused) while the widget is open, so focus can return to it.
  var busy = false;
  button.addEventListener("click", function () {
    if (busy) return;
    busy = true;
    button.setAttribute("aria-busy", "true");
    fetch("/mint", { method: "POST" })
      .then(function (r) {
        if (!r.ok) throw new Error("could not start: " + r.status);
        return r.json();
      })
      .then(function (body) {
        var mode = document.querySelector('input[name="mode"]:checked').value;
        BankConnect.open({
          url: widgetUrl,
          linkToken: body.link_token,
          mode: mode,
          container: "#inline-slot",
          theme: { mode: "auto", accent: "#0f766e", radius: 10, font: "system-ui" },
          onReady: function (p) { record("ready", p); },
          onEvent: function (p) { record("event", p); },
          onSuccess: function (p) { record("success", p); },
          onExit: function (p) {
            record("exit", p);
            busy = false;
            button.removeAttribute("aria-busy");
          },
        });
      })
      .catch(function (e) {
        record("error", { message: String(e.message || e) });
        busy = false;
        button.removeAttribute("aria-busy");
      });
  });
})();
