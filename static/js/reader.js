// Quick exit (Shift three times, or the button) and previews of linked terms.
(function () {
  "use strict";
  var exit = document.querySelector("[data-quick-exit]");
  if (exit) {
    var leave = function (event) {
      if (event) event.preventDefault();
      document.body.hidden = true;
      document.title = "";
      window.location.replace(exit.href);
    };
    exit.addEventListener("click", leave);
    // Shift alone, three times in a row within two seconds (typing capitals doesn't count).
    var presses = [];
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Shift") presses = [];
    });
    document.addEventListener("keyup", function (event) {
      if (event.key !== "Shift") return;
      var now = Date.now();
      presses = presses.filter(function (t) { return now - t < 2000; });
      presses.push(now);
      if (presses.length >= 3) leave();
    });
  }

  var tip = null, owner = null, cache = {}, timer = 0;
  function hide() {
    clearTimeout(timer);
    if (tip) tip.remove();
    if (owner) owner.removeAttribute("aria-describedby");
    tip = owner = null;
  }
  function show(link, data) {
    hide();
    owner = link;
    tip = document.createElement("div");
    tip.className = "preview";
    tip.id = "term-preview";
    tip.setAttribute("role", "tooltip");
    var title = document.createElement("strong");
    title.textContent = data.title;
    tip.append(title, document.createTextNode(data.definition));
    document.body.append(tip);
    var box = link.getBoundingClientRect();
    var left = Math.min(box.left, document.documentElement.clientWidth - tip.offsetWidth - 16);
    tip.style.left = Math.max(8, left) + window.scrollX + "px";
    tip.style.top = box.bottom + window.scrollY + 6 + "px";
    link.setAttribute("aria-describedby", tip.id);
  }
  function open(event) {
    var link = event.target.closest && event.target.closest("a[data-preview]");
    if (!link || link === owner) return;
    var url = link.getAttribute("data-preview");
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (cache[url]) return show(link, cache[url]);
      fetch(url, { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
        .then(function (data) { cache[url] = data; show(link, data); })
        .catch(function () {});
    }, event.type === "focusin" ? 0 : 250);
  }
  function close(event) {
    var link = event.target.closest && event.target.closest("a[data-preview]");
    if (link) { clearTimeout(timer); if (link === owner) hide(); }
  }
  document.addEventListener("mouseover", open);
  document.addEventListener("focusin", open);
  document.addEventListener("mouseout", close);
  document.addEventListener("focusout", close);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && tip) hide();
  });
})();
