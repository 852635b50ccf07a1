// While a payment is being confirmed, ask the server every two seconds and reload when it is done.
(function () {
  "use strict";
  var box = document.querySelector("[data-order-status]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-order-status");
  var tries = 0;
  function check() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (data.status !== "pending" && data.status !== "processing") { window.location.reload(); }
        else if (tries < 60) { window.setTimeout(check, 2000); }
      })
      .catch(function () { if (tries < 60) { window.setTimeout(check, 4000); } });
  }
  window.setTimeout(check, 2000);
})();
