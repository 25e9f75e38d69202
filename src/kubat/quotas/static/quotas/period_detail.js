// Loaded as a file, not inline, so the Content-Security-Policy needs no 'unsafe-inline'.
// Keep the balance live: poll the public API every 3 seconds and update the figures in place.
(function () {
  var box = document.getElementById("balance");
  function refresh() {
    fetch(box.dataset.api, {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p) { return; }
        var meter = document.getElementById("meter");
        meter.max = p.volume; meter.value = p.allocated;
        box.querySelectorAll("[data-k]").forEach(function (el) {
          var v = p[el.dataset.k];
          el.textContent = v === null ? "—" : String(v);
        });
      })
      .catch(function () {});
  }
  setInterval(refresh, 3000);
})();
