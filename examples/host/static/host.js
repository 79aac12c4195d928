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

  button.addEventListener("click", function () {
    button.disabled = true;
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
            button.disabled = false;
          },
        });
      })
      .catch(function (e) {
        record("error", { message: String(e.message || e) });
        button.disabled = false;
      });
  });
})();
