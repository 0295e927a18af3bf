// Autosave for the quiz page. Every change is sent to the server; until the server confirms it,
// the answer itself is kept in localStorage, so a dropped connection, a closed tab or an ended
// session loses nothing: unsaved answers are put back and sent as soon as they can be (after a
// new login, with a fresh CSRF token). The copy is dropped only for answers the server
// acknowledged, and for a submitted attempt when its review is shown (review.js).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var actions = form.querySelector(".quiz-actions");
  var submitButton = document.getElementById("submit-quiz");
  var storeKey = "groundwork-attempt-" + form.dataset.attempt;
  var ordering = window.groundworkOrder;  // order.js: a place given twice is held back
  var pending = {};   // question name -> {version, fields: [[key, value], ...]}
  var version = 0;
  var timer = null;
  var inFlight = false;
  var retryDelay = 2000;
  var sessionEnded = false;  // the server no longer knows this page's session: nothing can be saved
  var tokenTimer = null;
  var tokenDelay = 3000;
  var submitting = false;    // Submit was pressed: the form is posted once every answer is acknowledged
  var saveAsked = false;     // "Save" was pressed: post even with nothing pending, to confirm it

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function showSessionEnded() {
    var link = document.createElement("a");
    link.href = form.dataset.loginUrl;
    link.textContent = "Log in again";
    setStatus("Your session has ended. ", true);
    status.appendChild(link);
    status.appendChild(document.createTextNode(
      "; your answers are kept on this device and are sent as soon as you are logged in (in this tab or another)."));
  }

  function stopSubmitting() {
    submitting = false;
    submitButton.disabled = false;
    submitButton.textContent = "Submit for grading";
  }

  function fieldsOf(name) {
    var picked = [];
    new FormData(form).forEach(function (value, key) {
      if (key === name || key.indexOf(name + "-") === 0) { picked.push([key, value]); }
    });
    return picked;
  }

  function remember() {
    var kept = {};
    Object.keys(pending).forEach(function (name) { kept[name] = pending[name].fields; });
    try { localStorage.setItem(storeKey, JSON.stringify(kept)); } catch (e) { /* storage off or full */ }
  }

  function restore(name, fields) {
    var fieldset = form.querySelector('[data-question="' + name + '"]');
    if (!fieldset) { return; }
    var values = {};
    fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    fieldset.querySelectorAll("input, select").forEach(function (input) {
      if (input.type === "hidden") { return; }
      var given = values[input.name] || [];
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = given.indexOf(input.value) !== -1;
      } else {
        input.value = given.length ? given[0] : "";
      }
    });
  }

  function schedule(delay) {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(flush, delay);
  }

  // After a logout (here or in another tab) the page's CSRF token is dead: ask for the new
  // session's token until there is one, then send what was kept.
  function askForToken() {
    if (tokenTimer) { clearTimeout(tokenTimer); tokenTimer = null; }
    fetch(form.dataset.tokenUrl, { credentials: "same-origin", cache: "no-store",
                                   headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : {}; })
      .then(function (json) {
        if (!json.csrf_token) { throw new Error("no session"); }
        form.querySelectorAll("input[name=csrf_token]").forEach(function (input) { input.value = json.csrf_token; });
        sessionEnded = false;
        tokenDelay = 3000;
        setStatus("Logged in: sending your answers…");
        schedule(0);
      })
      .catch(function () {
        if (!sessionEnded) { sessionEnded = true; showSessionEnded(); stopSubmitting(); }
        tokenTimer = setTimeout(askForToken, tokenDelay);
        tokenDelay = Math.min(tokenDelay * 2, 30000);
      });
  }

  function showRefused(refused) {
    var names = Object.keys(refused);
    names.forEach(function (name) {
      var fieldset = form.querySelector('[data-question="' + name + '"]');
      if (fieldset && ordering) { ordering.check(fieldset); }
    });
    return names.map(function (name) { return refused[name]; }).join(" ");
  }

  function flush() {
    timer = null;
    var names = Object.keys(pending);
    if (inFlight || sessionEnded || (!names.length && !submitting && !saveAsked)) { return; }
    saveAsked = false;
    var sent = {};
    var body = new URLSearchParams();
    names.forEach(function (name) {
      sent[name] = pending[name].version;
      pending[name].fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.append(name + "-present", "1");
    });
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    inFlight = true;
    setStatus(submitting ? "Submitting…" : "Saving…");
    fetch(form.dataset.saveUrl, { method: "POST", body: body, credentials: "same-origin",
                                  headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !isJson) {
          throw { reason: "session" };  // sent to the login page
        }
        return response.json().then(function (json) { return { response: response, json: json }; });
      })
      .then(function (result) {
        inFlight = false;
        var json = result.json;
        if (result.response.ok && json.ok) {
          // an answer changed again while this save was under way stays pending
          names.forEach(function (name) {
            if (pending[name] && pending[name].version === sent[name]) { delete pending[name]; }
          });
          remember();
          retryDelay = 2000;
          var refused = showRefused(json.refused || {});
          if (Object.keys(pending).length) { schedule(150); return; }
          if (refused) {
            stopSubmitting();
            setStatus("Not saved: " + refused, true);
            return;
          }
          setStatus("All answers saved at " + new Date().toLocaleTimeString() + ".");
          if (submitting) { form.submit(); }  // every answer is on the server: now grade them
        } else if (result.response.status === 409) {
          pending = {};
          remember();
          if (submitting) { form.submit(); return; }  // the server shows the review it already has
          setStatus(json.error + " Reload the page to see the review.", true);
        } else if (json.reason) {
          throw { reason: json.reason };
        } else {
          throw new Error(json.error || "not saved");
        }
      })
      .catch(function (problem) {
        inFlight = false;
        if (problem && problem.reason === "session") {
          sessionEnded = true;
          showSessionEnded();
          stopSubmitting();
          askForToken();
        } else if (problem && problem.reason === "token") {
          askForToken();  // logged in, but the page's token is from an older session
        } else {
          setStatus("Not saved yet — offline or server busy. Your answers are kept on this device and will be sent again.", true);
          stopSubmitting();
          schedule(retryDelay);
          retryDelay = Math.min(retryDelay * 2, 30000);
        }
      });
  }

  function queue(event) {
    var fieldset = event.target.closest("[data-question]");
    if (!fieldset) { return; }
    var name = fieldset.dataset.question;
    version += 1;
    if (ordering && ordering.check(fieldset)) {
      delete pending[name];  // a tied order is never sent: the server keeps the answer it has
      remember();
      return;
    }
    pending[name] = { version: version, fields: fieldsOf(name) };
    remember();
    schedule(event.type === "input" ? 800 : 150);
  }

  function unansweredCount() {
    var questions = form.querySelectorAll("[data-question]");
    var blank = 0;
    questions.forEach(function (fieldset) {
      var answered = Array.prototype.some.call(fieldset.querySelectorAll("input, select"), function (input) {
        if (input.type === "hidden") { return false; }
        if (input.type === "radio" || input.type === "checkbox") { return input.checked; }
        return input.value.trim() !== "";
      });
      if (!answered) { blank += 1; }
    });
    return { blank: blank, total: questions.length };
  }

  function confirmText() {
    var count = unansweredCount();
    var missing = count.blank === 0 ? "" : count.blank + " of " + count.total + " questions " +
      (count.blank === 1 ? "has" : "have") + " no answer. ";
    return missing + "Submit your answers for grading? You cannot change them afterwards.";
  }

  form.addEventListener("change", queue);
  form.addEventListener("input", queue);
  window.addEventListener("online", function () { schedule(0); });
  window.addEventListener("focus", function () { if (sessionEnded) { tokenDelay = 3000; askForToken(); } });
  document.addEventListener("visibilitychange", function () {
    if (sessionEnded && document.visibilityState === "visible") { tokenDelay = 3000; askForToken(); }
  });

  // Enter in a typed answer saves it where it is (the browser would press the form's first button).
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT" || event.target.type !== "text") { return; }
    event.preventDefault();
    queue(event);
    schedule(0);
  });

  // A focused control is never left behind the sticky save status or the Save/Submit bar.
  function keepClearOfBars() {
    var root = document.documentElement;
    root.style.scrollPaddingTop = (status.offsetHeight + 8) + "px";
    root.style.scrollPaddingBottom = (actions.offsetHeight + 8) + "px";
  }
  keepClearOfBars();
  window.addEventListener("resize", keepClearOfBars);
  form.addEventListener("focusin", function (event) {
    keepClearOfBars();
    if (actions.contains(event.target) || status.contains(event.target)) { return; }
    var box = event.target.getBoundingClientRect();
    var top = status.getBoundingClientRect().bottom + 8;
    var bottom = actions.getBoundingClientRect().top - 8;
    if (box.bottom > bottom) {
      window.scrollBy(0, box.bottom - bottom);
    } else if (box.top < top) {
      window.scrollBy(0, box.top - top);
    }
  });

  // Answers this device never had confirmed are put back into the form and sent again.
  try {
    var kept = JSON.parse(localStorage.getItem(storeKey) || "{}");
    Object.keys(kept).forEach(function (name) {
      if (!Array.isArray(kept[name])) { return; }
      version += 1;
      pending[name] = { version: version, fields: kept[name] };
      restore(name, kept[name]);
    });
  } catch (e) { /* ignore unreadable storage */ }
  if (Object.keys(pending).length) { setStatus("Sending answers kept on this device…"); schedule(0); }

  // Save and Submit go through the autosave: Submit posts the form only once the server has
  // acknowledged every answer, so an ended session or a lost connection never loses one.
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (event.submitter !== submitButton) {
      saveAsked = true;
      schedule(0);
      return;
    }
    if (submitting) { return; }
    var problem = ordering && ordering.firstProblem(form);
    if (problem) {
      setStatus("Not submitted: " + problem.fieldset.querySelector(".qnum").textContent + ": " + problem.text, true);
      return;
    }
    if (sessionEnded) { showSessionEnded(); tokenDelay = 3000; askForToken(); return; }
    if (!window.confirm(confirmText())) { return; }
    submitting = true;
    submitButton.disabled = true;
    submitButton.textContent = "Submitting…";
    schedule(0);
  });
}());
