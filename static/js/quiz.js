// Autosave for the quiz page. Every change is sent to the server; until the server confirms
// it, the answer itself is kept in localStorage, so a dropped connection or a closed tab loses
// nothing: the next time the attempt is opened, unsaved answers are put back and sent.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var saveUrl = form.dataset.saveUrl;
  var storeKey = "groundwork-attempt-" + form.dataset.attempt;
  var pending = {};   // question name -> {version, fields: [[key, value], ...]}
  var version = 0;
  var timer = null;
  var inFlight = false;
  var retryDelay = 2000;

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
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

  function flush() {
    timer = null;
    var names = Object.keys(pending);
    if (!names.length || inFlight) { return; }
    var sent = {};
    var body = new URLSearchParams();
    names.forEach(function (name) {
      sent[name] = pending[name].version;
      pending[name].fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
      body.append(name + "-present", "1");
    });
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    inFlight = true;
    setStatus("Saving…");
    fetch(saveUrl, { method: "POST", body: body, credentials: "same-origin",
                     headers: { "X-Requested-With": "fetch", "Accept": "application/json" } })
      .then(function (response) {
        var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || !isJson) {
          throw { loggedOut: true };
        }
        return response.json().then(function (json) { return { response: response, json: json }; });
      })
      .then(function (result) {
        inFlight = false;
        if (result.response.ok && result.json.ok) {
          // an answer changed again while this save was under way stays pending
          names.forEach(function (name) {
            if (pending[name] && pending[name].version === sent[name]) { delete pending[name]; }
          });
          remember();
          retryDelay = 2000;
          if (Object.keys(pending).length) { schedule(150); return; }
          setStatus("All answers saved at " + new Date().toLocaleTimeString() + ".");
        } else if (result.response.status === 409) {
          pending = {};
          remember();
          setStatus(result.json.error + " Reload the page to see the review.", true);
        } else {
          throw new Error(result.json.error || "not saved");
        }
      })
      .catch(function (problem) {
        inFlight = false;
        if (problem && problem.loggedOut) {
          setStatus("Your session has ended, so answers cannot be saved. They are kept on this device: " +
                    "log in again (in another tab) and they will be sent.", true);
        } else {
          setStatus("Not saved yet — offline or server busy. Your answers are kept on this device and will be sent again.", true);
        }
        schedule(retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      });
  }

  function queue(event) {
    var fieldset = event.target.closest("[data-question]");
    if (!fieldset) { return; }
    var name = fieldset.dataset.question;
    version += 1;
    pending[name] = { version: version, fields: fieldsOf(name) };
    remember();
    schedule(event.type === "input" ? 800 : 150);
  }

  form.addEventListener("change", queue);
  form.addEventListener("input", queue);
  window.addEventListener("online", function () { schedule(0); });

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

  form.addEventListener("submit", function (event) {
    var button = document.getElementById("submit-quiz");
    if (event.submitter === button) {
      if (!window.confirm("Submit your answers for grading? You cannot change them afterwards.")) {
        event.preventDefault();
        return;
      }
      button.disabled = true;
      button.textContent = "Submitting…";
      try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
    }
  });
})();
