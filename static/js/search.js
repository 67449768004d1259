/* Search suggestions: an ARIA 1.2 combobox on each search box. Without this script the
   search form is a plain GET form. */
(function () {
  "use strict";
  function el(tag) { return document.createElement(tag); }
  function setup(form) {
    var input = form.querySelector("input[type=search]"), url = form.dataset.suggestUrl;
    if (!input || !window.fetch) return;
    var id = input.id + "-suggestions", list = el("ul"),
      status = el("div"), items = [], active = -1, timer, last, ctrl;
    list.id = id;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested terms");
    list.hidden = true;
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    form.querySelector(".search-form__row").appendChild(list);
    form.appendChild(status);
    [["role", "combobox"], ["aria-autocomplete", "list"], ["aria-expanded", "false"],
      ["aria-controls", id]].forEach(function (a) { input.setAttribute(a[0], a[1]); });

    function show(open) {
      list.hidden = !open;
      input.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open) move(-1);
    }
    function move(next) {
      var options = list.children;
      if (options[active]) options[active].setAttribute("aria-selected", "false");
      active = next;
      if (options[active]) {
        options[active].setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", options[active].id);
        options[active].scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function render(results) {
      items = results;
      active = -1;
      list.textContent = "";
      results.forEach(function (item, i) {
        var li = el("li"), title = el("span"), meta = el("span");
        li.id = id + "-" + i;
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        title.className = "suggestions__title";
        title.textContent = item.title;
        meta.className = "suggestions__meta";
        meta.textContent = item.match ? "also called " + item.match : item.category;
        li.append(title, meta);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { location.assign(item.url); });
        list.appendChild(li);
      });
      show(results.length > 0);
      status.textContent = results.length ? results.length + " suggestion" +
        (results.length > 1 ? "s" : "") + ", arrow keys to choose." : "";
    }
    function load() {
      var q = input.value.trim();
      if (q === last) return;
      last = q;
      if (ctrl) ctrl.abort();
      if (q.length < 2) return render([]);
      ctrl = new AbortController();
      fetch(url + "?q=" + encodeURIComponent(q), { signal: ctrl.signal })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) { if (input.value.trim() === q) render(data.results); })
        .catch(function () {});
    }
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(load, 150);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden, n = items.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        if (!open) { last = null; return load(); }
        e.preventDefault();
        move(e.key === "ArrowDown" ? (active + 1) % n : active <= 0 ? n - 1 : active - 1);
      } else if (e.key === "Enter" && open && active >= 0) {
        e.preventDefault();
        location.assign(items[active].url);
      } else if (e.key === "Escape") {
        if (open) show(false);
        else { input.value = ""; last = null; }
        e.preventDefault();
      } else if (e.key === "Tab") show(false);
    });
    input.addEventListener("blur", function () { setTimeout(function () { show(false); }, 100); });
  }
  document.querySelectorAll("form.search-form[data-suggest-url]").forEach(setup);
})();
