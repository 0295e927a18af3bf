// Ordering questions give each item a place. A place given to two items is refused here, before
// anything is sent (the server refuses it too): the question says which place, and the form that
// holds it is not submitted. quiz.js asks the same check before it saves a question.
(function () {
  "use strict";

  function tiedPlaces(fieldset) {
    var given = {};
    fieldset.querySelectorAll(".order-list select").forEach(function (select) {
      if (select.value) { given[select.value] = (given[select.value] || 0) + 1; }
    });
    var tied = Object.keys(given).filter(function (place) { return given[place] > 1; })
      .sort(function (a, b) { return a - b; });
    if (!tied.length) { return null; }
    return "Give each place once: " + tied.map(function (place) {
      return "place " + place + " is given to " + given[place] + " items";
    }).join("; ") + ".";
  }

  function show(fieldset, text) {
    var note = fieldset.querySelector(".order-problem");
    if (!text) { if (note) { note.remove(); } return; }
    if (!note) {
      note = document.createElement("p");
      note.className = "order-problem";
      note.setAttribute("role", "alert");
      fieldset.querySelector(".order-list").insertAdjacentElement("beforebegin", note);
    }
    note.textContent = text;
  }

  // The problem of this question, shown on it (or cleared); null when there is none.
  function check(fieldset) {
    if (!fieldset.querySelector(".order-list")) { return null; }
    var text = tiedPlaces(fieldset);
    show(fieldset, text);
    return text;
  }

  // The first question of the form with a problem, shown and focused: {fieldset, text}, or null.
  function firstProblem(form) {
    var fieldsets = form.querySelectorAll("[data-question]");
    for (var i = 0; i < fieldsets.length; i += 1) {
      var text = check(fieldsets[i]);
      if (text) {
        fieldsets[i].querySelector(".order-list select").focus();
        return { fieldset: fieldsets[i], text: text };
      }
    }
    return null;
  }

  window.groundworkOrder = { check: check, firstProblem: firstProblem };

  document.addEventListener("change", function (event) {
    var fieldset = event.target.closest(".order-list") && event.target.closest("[data-question]");
    if (fieldset) { check(fieldset); }
  });
  document.querySelectorAll("form.live").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (firstProblem(form)) { event.preventDefault(); }
    });
  });
}());
