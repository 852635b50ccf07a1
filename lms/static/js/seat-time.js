// Seat time: while the learner is on a lesson page and active, tell the server once a minute.
// The server measures the time itself and caps each interval; without this script page views count.
(function () {
  "use strict";
  var player = document.querySelector("[data-heartbeat]");
  var tokenTag = document.querySelector('meta[name="csrf-token"]');
  if (!player || !tokenTag || !window.fetch) { return; }
  var url = player.getAttribute("data-heartbeat");
  var token = tokenTag.getAttribute("content");
  var lastInput = Date.now();
  var INTERVAL = 60 * 1000;
  var IDLE_AFTER = 2 * 60 * 1000;
  ["pointermove", "keydown", "scroll", "touchstart", "wheel"].forEach(function (name) {
    window.addEventListener(name, function () { lastInput = Date.now(); }, { passive: true });
  });
  function beat() {
    if (document.visibilityState !== "visible" || Date.now() - lastInput > IDLE_AFTER) { return; }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).catch(function () { /* offline: the next page view still counts */ });
  }
  window.setInterval(beat, INTERVAL);
})();
