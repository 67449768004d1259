// Quick exit (the button, or Shift three times in a row) and previews of linked terms.
(function () {
  "use strict";
  var on = document.addEventListener.bind(document), shifts = [],
    exit = document.querySelector("[data-quick-exit]");
  function leave(e) {
    if (e) e.preventDefault();
    document.body.hidden = true;
    location.replace(exit.href); // not kept in the back button's history
  }
  if (exit) {
    exit.addEventListener("click", leave);
    // Any other key in between (typing capitals) starts the count again.
    on("keydown", function (e) { if (e.key !== "Shift") shifts = []; });
    on("keyup", function (e) {
      if (e.key !== "Shift") return;
      var now = Date.now();
      shifts = shifts.filter(function (t) { return now - t < 2000; }).concat(now);
      if (shifts.length > 2) leave();
    });
  }

  var tip, owner, timer, cache = {};
  function hide() {
    clearTimeout(timer);
    if (tip) tip.remove(), owner.removeAttribute("aria-describedby");
    tip = owner = null;
  }
  function show(link, data) {
    hide();
    owner = link;
    tip = document.createElement("div");
    tip.className = "preview";
    tip.id = "term-preview";
    tip.setAttribute("role", "tooltip");
    tip.append(document.createElement("strong"), data.definition);
    tip.firstChild.textContent = data.title;
    // Inside the link's landmark (main), so that all content stays in landmarks.
    (link.closest("main, nav, aside, header, footer") || document.body).append(tip);
    var box = link.getBoundingClientRect(), width = innerWidth;
    tip.style.left = Math.max(8, Math.min(box.left, width - tip.offsetWidth - 16)) + scrollX + "px";
    tip.style.top = box.bottom + scrollY + 6 + "px";
    link.setAttribute("aria-describedby", tip.id);
  }
  function target(e) { return e.target.closest && e.target.closest("a[data-preview]"); }
  function open(e) {
    var link = target(e), url = link && link.dataset.preview;
    if (!link || link === owner) return;
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (cache[url]) return show(link, cache[url]);
      fetch(url).then(function (r) { return r.ok ? r.json() : Promise.reject(); })
        .then(function (data) { show(link, (cache[url] = data)); }, function () {});
    }, e.type === "focusin" ? 0 : 250);
  }
  function close(e) { var link = target(e); if (link) { clearTimeout(timer); if (link === owner) hide(); } }
  on("mouseover", open);
  on("focusin", open);
  on("mouseout", close);
  on("focusout", close);
  on("keydown", function (e) { if (e.key === "Escape" && tip) hide(); });
})();
