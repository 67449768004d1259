// The admin's autocomplete boxes (select2, shipped with Django) name their combobox by the
// choice shown, so an empty one (a quote's "From the entry") has no name for screen
// readers. Each is named by its field's label too, in rows added later as well.
(function () {
  "use strict";
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var label = document.querySelector('label[for="' + select.id + '"]'),
        box = select.nextElementSibling && select.nextElementSibling.querySelector("[role=combobox]");
      if (!label || !box || select.id.indexOf("__prefix__") !== -1) return;
      label.id = label.id || select.id + "-label";
      var ids = (box.getAttribute("aria-labelledby") || "").split(" ").filter(function (id) {
        return id && id !== label.id;
      });
      box.setAttribute("aria-labelledby", [label.id].concat(ids).join(" "));
    });
  }
  // After Django's autocomplete.js has made the boxes (it does so when the page is ready).
  window.addEventListener("load", function () { name(document); });
  document.addEventListener("formset:added", function (event) {
    setTimeout(function () { name(event.target); }, 0);
  });
})();
