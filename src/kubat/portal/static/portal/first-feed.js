// Loaded as a file, not inline, so the Content-Security-Policy needs no 'unsafe-inline'.
// Starts the first marker request while Leaflet downloads; map.js takes it (kubatFirstFeed)
// when its first view matches. Only for a landing without a saved view, which map.js fits to
// the country box below: the zoom is computed as Leaflet's fitBounds will (0.5 snap, floor).
(function () {
  var p = new URLSearchParams(window.location.search);
  if (p.has("lat") || p.has("q")) { return; }
  var fit = {KG: [39.2, 69.2, 43.3, 80.3], KZ: [40.6, 46.5, 55.4, 87.3], "": [39.2, 46.5, 55.4, 87.3]};
  var b = fit[p.get("country") || ""] || fit[""];
  var rect = document.getElementById("map").getBoundingClientRect();
  function y(lat) { var s = Math.sin(lat * Math.PI / 180); return 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI); }
  var zx = Math.log2(rect.width * 360 / (256 * (b[3] - b[1])));
  var zy = Math.log2(rect.height / (256 * (y(b[0]) - y(b[2]))));
  var zoom = Math.floor(Math.floor(Math.min(zx, zy) * 2) / 2);
  var box = [Math.max(b[1] - 8, -180), Math.max(b[0] - 5, -85), Math.min(b[3] + 8, 180), Math.min(b[2] + 5, 85)];
  var q = new URLSearchParams();
  ["country", "connector", "min_kw", "status", "operator"].forEach(function (k) { if (p.get(k)) { q.set(k, p.get(k)); } });
  var filters = q.toString();
  q.set("bbox", box.join(","));
  q.set("view", [b[1], b[0], b[3], b[2]].join(","));
  q.set("zoom", String(zoom));
  window.kubatFirstFeed = {box: box, filters: filters, zoom: zoom,
    promise: fetch(document.getElementById("map").dataset.markers + "?" + q.toString(), {headers: {Accept: "application/json"}})};
})();
