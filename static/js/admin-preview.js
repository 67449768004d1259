// Admin: live preview of an entry's Markdown body, rendered by the site's own renderer.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var body = document.querySelector("textarea[data-preview-url]");
    if (!body) return;
    var token = body.form.querySelector("input[name=csrfmiddlewaretoken]");
    var wrap = document.createElement("div");
    wrap.className = "markdown-editor";
    body.parentNode.insertBefore(wrap, body);
    wrap.append(body);
    var pane = document.createElement("section");
    pane.className = "markdown-preview";
    pane.setAttribute("aria-label", "Preview of the body");
    var title = document.createElement("h3");
    title.textContent = "Preview";
    var content = document.createElement("div");
    content.className = "markdown-preview__content";
    content.setAttribute("aria-live", "polite");
    pane.append(title, content);
    wrap.append(pane);
    var timer = 0, sent = 0;
    function render() {
      var mine = ++sent, data = new FormData();
      data.append("body", body.value);
      fetch(body.getAttribute("data-preview-url"), {
        method: "POST", body: data, credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "" },
      })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r); })
        // The server's sanitised output, the same HTML the public page shows.
        .then(function (result) { if (mine === sent) content.innerHTML = result.html; })
        .catch(function () { content.textContent = "The preview is not available right now."; });
    }
    body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 300); });
    render();
  });
})();
