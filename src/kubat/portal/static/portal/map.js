// Kubat charging map: clustered markers from /portal-api/markers by bounding box, filters and
// view kept in the address, a list of the stations in view, "near me" by geolocation.
// Plain ES5 + Leaflet + Leaflet.markercluster (vendored), no build step.
(function () {
  "use strict";

  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var form = document.getElementById("map-filters");
  var statusBox = document.getElementById("map-status");
  var listBox = document.getElementById("station-list");
  var listCount = document.getElementById("list-count");
  var SERVER_FILTERS = ["country", "connector", "min_kw", "max_price", "status", "operator"];
  // The currency of "price up to" is sent with max_price only (a price never goes without one).
  var ALL_FILTERS = ["q", "currency"].concat(SERVER_FILTERS);
  var LIST_MAX = 50;
  // Generous boxes around each country (south-west, north-east), for the first view.
  var COUNTRY_BOUNDS = {
    KG: [[39.2, 69.2], [43.3, 80.3]],
    KZ: [[40.6, 46.5], [55.4, 87.3]],
    "": [[39.2, 46.5], [55.4, 87.3]]
  };

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || "en");
  function num(value) { return numberFormat.format(value); }
  var priceFormat = new Intl.NumberFormat(document.documentElement.lang || "en",
    { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function say(text) { statusBox.textContent = text || ""; }

  // ---- state from the address ---------------------------------------------------------
  var params = new URLSearchParams(window.location.search);
  ALL_FILTERS.forEach(function (name) {
    if (params.has(name) && form.elements[name]) { form.elements[name].value = params.get(name); }
  });

  // Filters are folded away on phones unless one is set, so the map gets the screen.
  var more = document.getElementById("more-filters");
  var anySet = SERVER_FILTERS.some(function (name) { return form.elements[name].value; });
  if (anySet || window.matchMedia("(min-width: 761px)").matches) { more.open = true; }

  var map = L.map("map", { zoomSnap: 0.5, minZoom: 3, maxZoom: 19 });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
  var tilesFailed = !cfg.tileUrl;
  var borders = null;
  function solidBorders() {
    // Without tiles the outlines are the only geography: fill the countries so they read.
    tilesFailed = true;
    if (borders) { borders.setStyle({ fillOpacity: 0.9 }); }
  }
  if (cfg.tileUrl) {
    L.tileLayer(cfg.tileUrl, { maxZoom: 19, attribution: cfg.tileAttribution })
      .once("tileerror", solidBorders)
      .addTo(map);
  } else {
    document.getElementById("map").classList.add("no-tiles");
  }
  var lat = parseFloat(params.get("lat"));
  var lon = parseFloat(params.get("lon"));
  var zoom = parseFloat(params.get("zoom"));
  if (isFinite(lat) && isFinite(lon) && isFinite(zoom)) {
    map.setView([lat, lon], zoom);
  } else {
    map.fitBounds(COUNTRY_BOUNDS[form.elements.country.value] || COUNTRY_BOUNDS[""]);
  }

  // Country outlines drawn by the browser, so the map is readable when no tile loads.
  fetch(cfg.bordersUrl).then(function (r) { return r.json(); }).then(function (geojson) {
    borders = L.geoJSON(geojson, {
      interactive: false,
      style: { color: "#3d4a5c", weight: 1.5, fillColor: "#fbf8ef", fillOpacity: tilesFailed ? 0.9 : 0.05 }
    }).addTo(map);
  }).catch(function () { /* the markers still show */ });

  // ---- markers ------------------------------------------------------------------------
  var icons = {};
  function icon(cls, status) {
    var key = (cls || "AC") + "-" + status;
    if (!icons[key]) {
      icons[key] = L.divIcon({ className: "mk mk-" + (cls || "AC") + " st-" + status, iconSize: [20, 20] });
    }
    return icons[key];
  }
  function clusterIcon(group) {
    var children = group.getAllChildMarkers();
    var available = 0;
    for (var i = 0; i < children.length; i++) { if (children[i].row[8] === "AVAILABLE") { available++; } }
    var size = sizeOf(children.length);
    return L.divIcon({ html: clusterHtml(children.length, available), className: "cl cl-" + size, iconSize: SIZES[size] });
  }
  var cluster = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 400,
    showCoverageOnHover: false,
    maxClusterRadius: 55,
    disableClusteringAtZoom: 16,
    iconCreateFunction: clusterIcon
  });
  map.addLayer(cluster);

  function locationUrl(id) { return cfg.locationUrl.replace("{id}", id); }
  function describe(r) {
    return (cfg.classes[r[3]] || r[3] || "") + " · " + num(r[4]) + " " + cfg.text.kw + " · " +
      fmt(cfg.text.points, { count: num(r[7]) });
  }
  // r[9]: [amount incl. VAT, currency, VAT stated, "DC"|"AC"] of the cheapest reference session.
  function priceText(r) {
    var p = r[9];
    if (!p) { return ""; }
    return fmt(cfg.text.priceFrom, { price: priceFormat.format(p[0]), currency: p[1] }) + " " +
      (p[2] ? cfg.text.inclVat : cfg.text.noVat);
  }
  function priceHtml(r, tag) {
    if (!r[9]) { return ""; }
    var session = r[9][3] === "DC" ? cfg.text.sessionDC : cfg.text.sessionAC;
    return "<" + tag + ' class="price" title="' + escapeHtml(session) + '">' +
      escapeHtml(priceText(r)) + "</" + tag + ">";
  }
  function popup(layer) {
    var r = layer.row;
    return '<div class="popup"><a class="popup-title" href="' + locationUrl(r[0]) + '">' +
      escapeHtml(r[5]) + "</a><br>" + escapeHtml(r[6]) + "<br>" + escapeHtml(describe(r)) +
      (r[9] ? "<br>" + priceHtml(r, "span") + ' <span class="muted small">(' +
        escapeHtml(r[9][3] === "DC" ? cfg.text.sessionDC : cfg.text.sessionAC) + ")</span>" : "") +
      '<br><span class="badge st-' + r[8] + '">' + escapeHtml(cfg.statuses[r[8]] || r[8]) +
      '</span> <a class="popup-more" href="' + locationUrl(r[0]) + '">' +
      escapeHtml(cfg.text.details) + " →</a></div>";
  }

  var shown = [];        // markers currently in the cluster layer (mode "points")
  var served = null;     // {rows, inView} of a "clusters" answer, for the list
  var serverClusters = L.layerGroup().addTo(map);
  var loaded = null;     // {key, box, zoom, mode} of the last answer
  var sequence = 0;
  var note = "";         // a message that outlives the next load ("showing stations near you")

  function serverQuery() {
    var q = new URLSearchParams();
    SERVER_FILTERS.forEach(function (name) {
      var value = form.elements[name].value;
      if (value) { q.set(name, value); }
    });
    if (q.has("max_price")) { q.set("currency", form.elements.currency.value); }
    // The registry matches the words in names, addresses and cities.
    if (textFilter()) { q.set("text", textFilter()); }
    return q;
  }
  function textFilter() { return form.elements.q.value.trim().toLowerCase(); }
  function boxParam(b) {
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return v.toFixed(4); }).join(",");
  }
  function clamp(b) {
    var sw = b.getSouthWest(), ne = b.getNorthEast();
    return L.latLngBounds([Math.max(sw.lat, -85), Math.max(sw.lng, -180)], [Math.min(ne.lat, 85), Math.min(ne.lng, 180)]);
  }

  function load(force) {
    var query = serverQuery();
    var key = query.toString() + "|" + (textFilter() ? "all" : "box");
    var view = map.getBounds();
    var zoom = Math.floor(map.getZoom());
    // Points already in the browser cover this view: only the list changes. Server clusters
    // depend on the zoom and the view, so they are asked for again.
    if (!force && loaded && loaded.key === key && loaded.mode === "points" &&
        (loaded.box === null || loaded.box.contains(view))) {
      updateList();
      return Promise.resolve();
    }
    var box = null;
    // A text search looks at every location; otherwise only the padded view is fetched.
    if (!textFilter()) {
      box = clamp(view.pad(0.6));
      query.set("bbox", boxParam(box));
      query.set("view", boxParam(clamp(view)));
      query.set("zoom", String(zoom));
    }
    var mine = ++sequence;
    say(cfg.text.loading);
    document.documentElement.dataset.mapState = "loading";
    var request;
    var first = window.kubatFirstFeed;
    window.kubatFirstFeed = null;
    if (first && !textFilter() && first.filters === serverQuery().toString() && first.zoom === zoom) {
      // The page already asked for this view while Leaflet loaded (see map.html).
      request = first.promise;
      box = L.latLngBounds([first.box[1], first.box[0]], [first.box[3], first.box[2]]);
    } else {
      request = fetch(cfg.markersUrl + "?" + query.toString(), { headers: { Accept: "application/json" } });
    }
    return request
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (data) {
        if (mine !== sequence) { return; }
        window.performance.mark("kubat:fetched");
        loaded = { key: key, box: box, zoom: zoom, mode: data.mode };
        if (data.mode === "clusters") { drawServerClusters(data); } else { draw(data.rows); }
      })
      .catch(function () {
        if (mine !== sequence) { return; }
        say(cfg.text.failed);
        document.documentElement.dataset.mapState = "error";
      });
  }

  function ringStyle(available, total) {
    var share = total ? Math.round(100 * available / total) : 0;
    return "background: conic-gradient(var(--ok) 0 " + share + "%, #9aa4ae " + share + "% 100%)";
  }
  function clusterHtml(count, available) {
    return '<span class="ring" style="' + ringStyle(available, count) + '"><span>' + num(count) + "</span></span>";
  }
  function sizeOf(n) { return n < 10 ? "s" : n < 100 ? "m" : "l"; }
  var SIZES = { s: [34, 34], m: [42, 42], l: [50, 50] };

  function finish(count, text) {
    // Milliseconds from navigation start to markers drawn: read by bench/map_render.py.
    window.kubatMarkersDrawnAt = window.performance.now();
    document.documentElement.dataset.mapState = "ready";
    document.documentElement.dataset.markers = String(count);
    if (text) {
      say(count ? fmt(cfg.text.matches, { count: num(count) }) : cfg.text.noMatch);
    } else {
      say(note);
    }
    updateList();
    window.dispatchEvent(new CustomEvent("kubat:markers", { detail: { count: count } }));
  }

  function drawServerClusters(data) {
    cluster.clearLayers();
    serverClusters.clearLayers();
    shown = [];
    served = { rows: data.rows, inView: data.in_view, kind: data.in_view_kind };
    data.clusters.forEach(function (c) {
      var size = sizeOf(c[2]);
      var m = L.marker([c[0], c[1]], {
        icon: L.divIcon({ html: clusterHtml(c[2], c[3]), className: "cl cl-" + size, iconSize: SIZES[size] }),
        title: fmt(cfg.text.cluster, { count: num(c[2]), available: num(c[3]) }),
        keyboard: true
      });
      m.on("click", function () { map.setView([c[0], c[1]], Math.min(Math.floor(map.getZoom()) + 2, 16)); });
      serverClusters.addLayer(m);
    });
    document.documentElement.dataset.clusterMode = "server";
    finish(data.count, "");
  }

  function draw(rows) {
    var text = textFilter();
    var markers = [];
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var m = L.marker([r[1], r[2]], { icon: icon(r[3], r[8]), title: r[5], keyboard: true });
      m.row = r;
      m.bindPopup(popup);
      markers.push(m);
    }
    serverClusters.clearLayers();
    cluster.clearLayers();
    served = null;
    shown = markers;
    document.documentElement.dataset.clusterMode = "browser";
    if (!markers.length) { finish(0, text); return; }
    cluster.options.chunkProgress = function (processed, total) {
      if (processed === total) { cluster.options.chunkProgress = null; finish(markers.length, text); }
    };
    cluster.addLayers(markers);
  }

  // ---- the list beside the map --------------------------------------------------------
  function updateList() {
    var rows, total;
    if (served) {
      rows = served.rows;
      total = served.inView;
    } else {
      var bounds = map.getBounds();
      var centre = map.getCenter();
      var inView = [];
      for (var i = 0; i < shown.length; i++) {
        var ll = shown[i].getLatLng();
        if (bounds.contains(ll)) { inView.push([centre.distanceTo(ll), shown[i].row]); }
      }
      inView.sort(function (a, b) { return a[0] - b[0]; });
      rows = inView.slice(0, LIST_MAX).map(function (pair) { return pair[1]; });
      total = inView.length;
    }
    var kind = served ? served.kind : "exact";
    var phrase = kind === "about" ? cfg.text.inViewAbout : kind === "more_than" ? cfg.text.inViewMore : cfg.text.inView;
    var text = fmt(phrase, { count: num(total) });
    if (total > rows.length) { text += ", " + fmt(cfg.text.shownFirst, { shown: num(rows.length) }); }
    listCount.textContent = text;
    var html = [];
    for (var j = 0; j < rows.length; j++) {
      var r = rows[j];
      html.push('<li><a href="' + locationUrl(r[0]) + '"><span class="mk mk-' + (r[3] || "AC") +
        " st-" + r[8] + '" aria-hidden="true"></span><span class="name">' + escapeHtml(r[5]) +
        '</span><span class="meta">' + escapeHtml(r[6]) + " · " + escapeHtml(describe(r)) +
        "</span>" + priceHtml(r, "span") + '<span class="badge st-' + r[8] + '">' + escapeHtml(cfg.statuses[r[8]] || r[8]) +
        "</span></a></li>");
    }
    listBox.innerHTML = html.join("");
  }

  // ---- the address keeps filters and view ---------------------------------------------
  function saveState() {
    var q = new URLSearchParams();
    ALL_FILTERS.forEach(function (name) {
      var value = form.elements[name].value.trim();
      if (value) { q.set(name, value); }
    });
    if (q.has("max_price")) { q.set("currency", form.elements.currency.value); }
    var c = map.getCenter();
    q.set("lat", c.lat.toFixed(5));
    q.set("lon", c.lng.toFixed(5));
    q.set("zoom", String(map.getZoom()));
    window.history.replaceState(null, "", window.location.pathname + "?" + q.toString());
  }

  map.on("moveend", function () { saveState(); load(false); });

  function apply(fit) {
    note = "";
    saveState();
    return load(true).then(function () {
      if (fit && shown.length) {
        map.fitBounds(L.featureGroup(shown).getBounds().pad(0.1), { maxZoom: 14 });
      }
    });
  }
  form.elements.currency.addEventListener("change", function () {
    if (form.elements.max_price.value) { apply(false); }
  });
  SERVER_FILTERS.forEach(function (name) {
    form.elements[name].addEventListener("change", function () {
      if (name === "country") { map.fitBounds(COUNTRY_BOUNDS[form.elements.country.value] || COUNTRY_BOUNDS[""]); }
      apply(false);
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    apply(Boolean(textFilter()));
  });
  form.addEventListener("reset", function () {
    window.setTimeout(function () { map.fitBounds(COUNTRY_BOUNDS[""]); apply(false); }, 0);
  });

  var here = null;
  document.getElementById("near-me").addEventListener("click", function () {
    if (!navigator.geolocation) { say(cfg.text.noGeo); return; }
    navigator.geolocation.getCurrentPosition(function (position) {
      var point = [position.coords.latitude, position.coords.longitude];
      if (here) { map.removeLayer(here); }
      here = L.circleMarker(point, { radius: 8, color: "#0b3d91", fillColor: "#4c8dff", fillOpacity: 0.9 })
        .bindTooltip(cfg.text.youAreHere).addTo(map);
      note = cfg.text.located;
      say(note);
      map.setView(point, 13);
    }, function () { note = ""; say(cfg.text.noGeo); }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
  });

  load(true).then(function () {
    if (textFilter() && !(isFinite(lat) && isFinite(lon)) && shown.length) {
      map.fitBounds(L.featureGroup(shown).getBounds().pad(0.1), { maxZoom: 14 });
    }
  });
})();
