// "Was this helpful?" on term pages, without leaving the page: a "No" is sent in the
// background and the reasons form (in the page, hidden) is shown in its place; the reasons
// are sent the same way. "Yes" is a plain form, one click. If sending fails, the form is
// sent as a page, as without JavaScript (?feedback=why, then ?feedback=thanks).
(function () {
  "use strict";
  var section = document.querySelector("[data-feedback]");
  if (!section || !window.fetch || !window.URLSearchParams || !window.FormData) return;
  var answer = section.querySelector("[data-feedback-answer]"),
    why = section.querySelector("[data-feedback-why]"),
    status = section.querySelector(".feedback__status"),
    heading = section.querySelector("h2");
  if (!why || !status) return;

  function say(message) {
    // Emptied first, so that screen readers announce it even when the text is the same.
    status.textContent = "";
    setTimeout(function () { status.textContent = message; }, 50);
  }
  function busy(form, on) {
    form.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
  }
  function send(form, data) {
    // The answer is a 303 back to the page: not followed, its arrival is the success.
    return fetch(form.action, {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
    }).then(function (response) {
      if (response.type !== "opaqueredirect" && !response.ok) throw new Error(response.status);
    });
  }
  function asPage(form, fields) {
    // As without JavaScript: the server's own page says what happened.
    Object.keys(fields).forEach(function (name) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = name;
      input.value = fields[name];
      form.append(input);
    });
    busy(form, false);
    HTMLFormElement.prototype.submit.call(form);
  }
  function thanked() {
    why.hidden = true;
    say("Thank you for telling us. It helps us improve the glossary.");
    heading.focus();
  }

  if (answer) {
    answer.addEventListener("submit", function (e) {
      if (!e.submitter || e.submitter.value !== "no") return; // "Yes": sent as a page
      e.preventDefault();
      busy(answer, true);
      send(answer, new URLSearchParams({ helpful: "no" })).then(function () {
        answer.hidden = true;
        why.hidden = false;
        say("Thank you for your answer.");
        why.querySelector("fieldset").focus();
      }, function () { asPage(answer, { helpful: "no" }); });
    });
  }
  why.addEventListener("submit", function (e) {
    e.preventDefault();
    busy(why, true);
    send(why, new URLSearchParams(new FormData(why))).then(thanked, function () {
      asPage(why, {});
    });
  });
  var skip = why.querySelector("[data-feedback-skip]");
  if (skip) {
    skip.addEventListener("click", function (e) {
      e.preventDefault();
      thanked();
    });
  }
})();
