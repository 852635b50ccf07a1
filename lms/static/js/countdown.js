// The campaign banner: a live countdown where the page already shows the end date as text.
(function () {
  "use strict";
  var el = document.querySelector("[data-countdown-to]");
  if (!el) { return; }
  var end = Date.parse(el.getAttribute("data-countdown-to"));
  var labels = JSON.parse(el.getAttribute("data-labels"));
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var left = Math.max(0, Math.floor((end - Date.now()) / 1000));
    var days = Math.floor(left / 86400), hours = Math.floor(left % 86400 / 3600);
    var minutes = Math.floor(left % 3600 / 60), seconds = left % 60;
    el.textContent = labels.template.replace("{d}", days).replace("{h}", pad(hours))
      .replace("{m}", pad(minutes)).replace("{s}", pad(seconds));
    if (left > 0) { window.setTimeout(tick, 1000); }
  }
  tick();
})();
