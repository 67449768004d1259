// "Cite this page" on term pages: Copy buttons (without JavaScript, each citation is
// selectable text, and the buttons stay hidden).
(function () {
  "use strict";
  var status = document.querySelector(".cite__status");
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var node = document.getElementById(button.dataset.copy), name = button.dataset.copy.slice(5).toUpperCase();
    if (!node || !status) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = node.textContent.trim(), done = function (message) {
        // Emptied first, so that screen readers announce a second copy too.
        status.textContent = "";
        setTimeout(function () { status.textContent = message; }, 50);
      };
      (navigator.clipboard ? navigator.clipboard.writeText(text) : Promise.reject()).then(
        function () { done(name + " citation copied."); },
        function () {
          getSelection().selectAllChildren(node);
          done("The " + name + " citation is selected: press Ctrl+C (or Command+C) to copy it.");
        });
    });
  });
})();
