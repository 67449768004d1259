// Admin entry form: "Also editing now: …", kept current while the form is open (a small
// POST every 30 s while the page is shown; a goodbye when it is left). Without
// JavaScript the line is as it was when the page was made.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var line = document.querySelector("[data-presence-url]");
    if (!line || !line.closest("form")) return;
    var url = line.getAttribute("data-presence-url");
    var every = 1000 * (parseInt(line.getAttribute("data-presence-seconds"), 10) || 30);
    var names = line.querySelector(".editors-now__names");
    var tokenInput = line.closest("form").querySelector("input[name=csrfmiddlewaretoken]");
    var token = tokenInput ? tokenInput.value : "";

    function data(leaving) {
      var form = new FormData();
      form.append("csrfmiddlewaretoken", token);
      form.append("page", line.getAttribute("data-presence-page"));
      if (leaving) form.append("leave", "1");
      return form;
    }
    function show(editors) {
      if (names.textContent !== editors) names.textContent = editors;
      line.hidden = !editors;
    }
    function beat() {
      if (document.visibilityState === "hidden") return;
      fetch(url, { method: "POST", body: data(false), credentials: "same-origin",
                   headers: { "X-CSRFToken": token } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
        .then(function (result) { show(result.editors || ""); })
        .catch(function () { /* shown as it was; the next beat tries again */ });
    }
    setInterval(beat, every);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") beat();
    });
    window.addEventListener("pageshow", function (event) { if (event.persisted) beat(); });
    window.addEventListener("pagehide", function () {
      if (navigator.sendBeacon) navigator.sendBeacon(url, data(true));
    });
  });
})();
