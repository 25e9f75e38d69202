/* Insights maps: regions shaded by adequacy, or the chosen sites of each siting run.
   Data comes from json_script blocks (#insights-map-config, #insights-map-data); Leaflet is the
   portal's vendored copy. Without tiles the country outlines are drawn filled. */
(function () {
  "use strict";
  var el = document.getElementById("insights-map");
  if (!el || typeof L === "undefined") { return; }
  var cfg = JSON.parse(document.getElementById("insights-map-config").textContent);
  var data = JSON.parse(document.getElementById("insights-map-data").textContent);
  var map = L.map(el, { zoomSnap: 0.5, minZoom: 3, maxZoom: 16 });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { maxZoom: 16, attribution: cfg.tileAttribution }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  fetch(cfg.bordersUrl).then(function (r) { return r.json(); }).then(function (geojson) {
    L.geoJSON(geojson, {
      interactive: false,
      style: { color: "#3d4a5c", weight: 1.2, fillColor: "#fbf8ef", fillOpacity: cfg.tileUrl ? 0.05 : 0.9 }
    }).addTo(map).bringToBack();
  }).catch(function () { /* the circles still show */ });
  var colours = { short: "#c0392b", behind: "#e67e22", met: "#27ae60", none: "#8395a7",
                  covering: "#1f5fa8", p_median: "#8e44ad" };
  var bounds = [];
  function text(s) { var d = document.createElement("div"); d.textContent = s; return d.innerHTML; }
  if (el.dataset.kind === "regions") {
    var top = Math.max.apply(null, data.map(function (r) { return r.need_kw; }).concat([1]));
    data.forEach(function (r) {
      var radius = 4 + 26 * Math.sqrt(r.need_kw / top);
      L.circleMarker([r.lat, r.lon], {
        radius: radius, color: "#333", weight: 1, fillColor: colours[r["class"]], fillOpacity: 0.75
      }).bindPopup("<strong>" + text(r.region) + "</strong><br>" + Math.round(r.need_kw) + " kW / " +
                   Math.round(r.installed_kw) + " kW").addTo(map);
      bounds.push([r.lat, r.lon]);
    });
  } else {
    data.forEach(function (layer) {
      layer.sites.forEach(function (s) {
        L.circleMarker([s.lat, s.lon], {
          radius: layer.model === "covering" ? 9 : 6, color: colours[layer.model], weight: 2,
          fillOpacity: 0.4
        }).bindPopup(text(s.name) + " (" + text(s.origin) + ")").addTo(map);
        bounds.push([s.lat, s.lon]);
      });
    });
  }
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 7 });
  } else {
    map.fitBounds([[39, 46], [56, 88]]);
  }
  el.setAttribute("data-state", "ready");
})();
