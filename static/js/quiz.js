// Autosave for the quiz page: every change is sent to the server; when the network or the
// server is unavailable the answers are kept in localStorage and sent again until saved.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var status = document.getElementById("save-status");
  var saveUrl = form.dataset.saveUrl;
  var storeKey = "groundwork-attempt-" + form.dataset.attempt;
  var pending = {};
  var timer = null;
  var retryDelay = 2000;

  function setStatus(text, isError) {
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function fieldsOf(name) {
    var data = new FormData(form);
    var picked = new URLSearchParams();
    data.forEach(function (value, key) {
      if (key === name || key.indexOf(name + "-") === 0) { picked.append(key, value); }
    });
    picked.append(name + "-present", "1");
    return picked;
  }

  function remember() {
    try { localStorage.setItem(storeKey, JSON.stringify(Object.keys(pending))); } catch (e) { /* private mode */ }
  }

  function flush() {
    timer = null;
    var names = Object.keys(pending);
    if (!names.length) { return; }
    var body = new URLSearchParams();
    names.forEach(function (name) { fieldsOf(name).forEach(function (v, k) { body.append(k, v); }); });
    body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
    setStatus("Saving…");
    fetch(saveUrl, { method: "POST", body: body, credentials: "same-origin",
                     headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        return response.json().then(function (json) { return { response: response, json: json }; });
      })
      .then(function (result) {
        if (result.response.ok && result.json.ok) {
          names.forEach(function (name) { delete pending[name]; });
          remember();
          retryDelay = 2000;
          setStatus("All answers saved at " + new Date().toLocaleTimeString() + ".");
        } else if (result.response.status === 409) {
          setStatus(result.json.error + " Reload the page to see the review.", true);
        } else {
          throw new Error(result.json.error || "The server did not save your answers.");
        }
      })
      .catch(function () {
        setStatus("Not saved yet — offline or server busy. Your answers are kept on this device and will be sent again.", true);
        remember();
        timer = setTimeout(flush, retryDelay);
        retryDelay = Math.min(retryDelay * 2, 30000);
      });
  }

  function queue(event) {
    var fieldset = event.target.closest("[data-question]");
    if (!fieldset) { return; }
    pending[fieldset.dataset.question] = true;
    remember();
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(flush, event.type === "input" ? 800 : 150);
  }

  form.addEventListener("change", queue);
  form.addEventListener("input", queue);
  window.addEventListener("online", flush);

  // Questions changed on this device but never confirmed saved are sent again on load.
  try {
    JSON.parse(localStorage.getItem(storeKey) || "[]").forEach(function (name) { pending[name] = true; });
  } catch (e) { /* ignore */ }
  if (Object.keys(pending).length) { flush(); }

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
