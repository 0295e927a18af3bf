// The review of a submitted attempt: the copy of its answers that the quiz page kept on this device
// (see quiz.js) is no longer needed once the server has graded them.
(function () {
  "use strict";
  var review = document.querySelector("[data-submitted-attempt]");
  if (!review) { return; }
  try { localStorage.removeItem("groundwork-attempt-" + review.dataset.submittedAttempt); } catch (e) { /* storage off */ }
}());
