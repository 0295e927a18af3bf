// Live seminar pages (phone, host, projector): poll the room's state; when the host moves on, show
// the new screen. The host's and the projector's pages also update their counts in place. A phone
// polls its member address, which answers 304 when nothing changed (the browser's cache then hands
// fetch the last body).
(function () {
  "use strict";
  var room = document.getElementById("live-room");
  if (!room) { return; }
  var url = room.dataset.stateUrl;
  var step = room.dataset.step;
  var delay = 2000;

  function show(name, value) {
    var node = room.querySelector('[data-live="' + name + '"]');
    if (node && value !== undefined) { node.textContent = String(value); }
  }

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (state) {
        if (String(state.step) !== step) {
          window.location.reload();
          return;
        }
        show("members", state.members);
        show("answered", state.answered);
        if (state.phase !== "ended") { delay = 2000; window.setTimeout(poll, delay); }
      })
      .catch(function () {
        delay = Math.min(delay * 2, 30000);  // the server or the network is down: back off, keep trying
        window.setTimeout(poll, delay);
      });
  }
  window.setTimeout(poll, delay);

  // A question with a time limit counts down. At zero: the phone's answer button is disabled (the
  // server refuses late answers anyway: this only saves a learner from sending one), and the host's
  // page says time is up and offers "Show the key" at once. The visible number changes every second,
  // but a screen reader hears only 30 s, 10 s and the end (a live region beside the timer, whose
  // role="timer" is not announced): not every tick.
  var countdown = room.querySelector("[data-countdown]");
  if (countdown) {
    var endsAt = Date.now() + 1000 * Number(countdown.dataset.countdown);
    var say = document.createElement("span");
    say.className = "visually-hidden countdown-say";
    say.setAttribute("aria-live", "polite");
    countdown.insertAdjacentElement("afterend", say);
    var moments = [30, 10].filter(function (s) { return s < Number(countdown.dataset.countdown); });
    var tick = function () {
      var left = Math.max(0, Math.ceil((endsAt - Date.now()) / 1000));
      countdown.querySelector("strong").textContent = String(left);
      var crossed = false;
      while (moments.length && left <= moments[0]) { moments.shift(); crossed = true; }
      if (crossed && left > 0) { say.textContent = left + " seconds left."; }
      if (left > 0) { window.setTimeout(tick, 250); return; }
      countdown.textContent = countdown.dataset.timeUp || "Time is up.";
      say.textContent = "Time is up.";
      room.querySelectorAll("form.live button[type=submit]").forEach(function (b) { b.disabled = true; });
      room.querySelectorAll("[data-time-up-note]").forEach(function (note) { note.hidden = false; });
      room.querySelectorAll("[data-time-up-label]").forEach(function (b) {
        b.textContent = b.dataset.timeUpLabel;
        b.focus();
      });
    };
    tick();
  }
}());
