// Admin entry form: the whole entry as readers will see it, beside the body (or behind a
// Write / Preview switch where two columns of 400 px don't fit), made by the server from
// the form's unsaved values with the page's own templates and stylesheet, shown in a frame
// so that the admin's styles and the site's stay apart. Without JavaScript the form's
// "Preview changes in a new tab" button shows the same page.
(function () {
  "use strict";
  var DELAY = 400; // ms after the last keystroke

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function time() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("button[data-entry-preview]");
    var body = document.getElementById("id_body");
    if (!button || !body || body.form !== button.form) return;
    var form = button.form;
    var url = button.formAction;

    // <div class="entry-editor">            (a size container: CSS picks the layout)
    //   <div class="entry-editor__switch">  Write | Preview (only where there's no room)
    //   <div class="entry-editor__panes">   the body | status line + frame
    var editor = element("div", "entry-editor");
    var toggle = element("div", "entry-editor__switch");
    toggle.setAttribute("role", "group");
    toggle.setAttribute("aria-label", "Body: write or preview");
    var writeButton = element("button", "", "Write");
    var previewButton = element("button", "", "Preview");
    [writeButton, previewButton].forEach(function (b) { b.type = "button"; toggle.append(b); });
    var panes = element("div", "entry-editor__panes");
    var writePane = element("div", "entry-editor__write");
    var previewPane = element("div", "entry-editor__preview");
    var status = element("p", "entry-editor__status");
    status.setAttribute("role", "status");
    var frame = element("iframe", "entry-editor__frame");
    frame.title = "Preview of the entry as readers will see it";
    frame.src = url;
    body.parentNode.insertBefore(editor, body);
    writePane.append(body);
    previewPane.append(status, frame);
    panes.append(writePane, previewPane);
    editor.append(toggle, panes);

    function show(previewing) {
      editor.classList.toggle("is-previewing", previewing);
      writeButton.setAttribute("aria-pressed", String(!previewing));
      previewButton.setAttribute("aria-pressed", String(previewing));
      if (previewing && stale) refresh();
      else if (previewing) follow();
    }
    writeButton.addEventListener("click", function () { show(false); body.focus(); });
    previewButton.addEventListener("click", function () { show(true); });

    var loaded = new Promise(function (resolve) { frame.addEventListener("load", resolve, { once: true }); });
    loaded.then(function () {
      // Links leave the form in a new tab (the site's pages may not be framed); the table
      // of contents' links stay in the frame.
      frame.contentDocument.addEventListener("click", function (event) {
        var link = event.target.closest && event.target.closest("a[href]");
        if (!link || link.getAttribute("href").charAt(0) === "#") return;
        event.preventDefault();
        window.open(link.href, "_blank", "noopener");
      });
    });

    // While the body is being written or scrolled, the preview shows the same part of it.
    var following = false;
    form.addEventListener("focusin", function (event) {
      if (toggle.contains(event.target)) return;
      following = event.target === body;
      follow();
    });
    function follow() {
      var doc = frame.contentDocument, prose = doc && doc.querySelector(".term__body");
      if (!following || !prose || !frame.getClientRects().length) return;
      // From its table of contents (if any) to its end, as far down as the body's box is.
      var start = (doc.querySelector(".toc") || prose).offsetTop - 16;
      var room = Math.max(0, prose.offsetTop + prose.offsetHeight - start - frame.clientHeight);
      var read = body.scrollTop / Math.max(1, body.scrollHeight - body.clientHeight);
      doc.scrollingElement.scrollTop = start + read * room;
    }
    body.addEventListener("scroll", follow);

    function put(html) {
      var made = new DOMParser().parseFromString(html, "text/html");
      made.querySelectorAll("script").forEach(function (script) { script.remove(); });
      var doc = frame.contentDocument;
      // The body only: the frame keeps its stylesheet loaded, and its scroll position.
      doc.body.replaceWith(doc.adoptNode(made.body));
      doc.title = made.title;
    }

    function fail(response) {
      previewPane.classList.add("is-stale");
      var why = !response ? "the server could not be reached"
        : response.redirected || response.status === 403 ? "you may have been signed out (sign in again in another tab; this form keeps your text)"
        : "the server answered " + response.status;
      status.textContent = "The preview could not be updated: " + why + ". It shows the entry as it was at " +
        shownAt + ".";
    }

    var timer = 0, sent = 0, stale = true, shownAt = time(), controller = null;
    function refresh() {
      clearTimeout(timer);
      if (!frame.getClientRects().length) { stale = true; return; } // hidden: update when shown
      stale = false;
      var mine = ++sent;
      if (controller) controller.abort();
      controller = new AbortController();
      fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin", signal: controller.signal })
        // (Signed out, the admin answers with its sign-in page, after a redirect.)
        .then(function (response) { return response.ok && !response.redirected ? response.text() : Promise.reject(response); })
        .then(function (html) {
          return loaded.then(function () {
            if (mine !== sent) return;
            put(html);
            follow();
            shownAt = time();
            status.textContent = "";
            previewPane.classList.remove("is-stale");
          });
        })
        .catch(function (error) {
          if (mine !== sent || (error && error.name === "AbortError")) return;
          fail(error instanceof Response ? error : null);
        });
    }
    function later() { clearTimeout(timer); timer = setTimeout(refresh, DELAY); }

    form.addEventListener("input", later);
    form.addEventListener("change", later);
    // Rows added or removed (admin/js/inlines.js), and choices made in the autocomplete
    // boxes (select2 tells jQuery's listeners only).
    document.addEventListener("formset:added", later);
    document.addEventListener("formset:removed", later);
    if (window.django && window.django.jQuery) window.django.jQuery(form).on("change", later);
    // A wider window may bring the preview into view.
    window.addEventListener("resize", function () { if (stale) later(); });
    show(false);
    refresh();
  });
})();
