/* Coordinator place form and the resident's 「ここにある場所を教える」 form:
   - a small Leaflet map to pick the point (fills #f-lat / #f-lon);
   - the schedule preview: the free text as the public page will read it (「次回 12月8日（火）10:00–12:00」).
   No inline script: the pages stay within a strict Content-Security-Policy. */
(function () {
  "use strict";

  function pickMap() {
    var el = document.getElementById("pick-map");
    var latIn = document.getElementById("f-lat"), lonIn = document.getElementById("f-lon");
    if (!el || !latIn || !lonIn || typeof L === "undefined" || typeof TsunagariMap === "undefined") return;
    var lat = parseFloat(el.getAttribute("data-lat")), lon = parseFloat(el.getAttribute("data-lon"));
    var has = isFinite(lat) && isFinite(lon);
    // the one map module: tiles when configured, and the school districts to find one's way without them
    var cfgEl = document.getElementById("pick-config");
    var cfg = cfgEl ? JSON.parse(cfgEl.textContent) : {};
    var view = TsunagariMap.create(el, cfg, {leaflet: {scrollWheelZoom: false}, fit: !has});
    var map = view.map;
    view.addAreaLayers(cfg.areas || {});
    if (has) map.setView([lat, lon], 16);
    else if (!(cfg.view && cfg.view.bounds)) map.setView([35.68, 139.76], 5);
    var marker = has ? L.marker([lat, lon]).addTo(map) : null;
    function place(p) {
      if (marker) marker.setLatLng(p); else marker = L.marker(p).addTo(map);
    }
    map.on("click", function (e) {
      latIn.value = e.latlng.lat.toFixed(7);
      lonIn.value = e.latlng.lng.toFixed(7);
      place(e.latlng);
      el.setAttribute("data-picked", "1");
    });
    function typed() {
      var a = parseFloat(latIn.value), b = parseFloat(lonIn.value);
      if (isFinite(a) && isFinite(b)) { place([a, b]); map.panTo([a, b]); }
    }
    latIn.addEventListener("change", typed);
    lonIn.addEventListener("change", typed);
  }

  function schedulePreview() {
    var form = document.getElementById("place-form");
    var input = document.getElementById("f-schedule_text");
    var out = document.getElementById("schedule-preview");
    if (!form || !input || !out) return;
    var url = form.getAttribute("data-preview-url"), timer = null, seq = 0;
    function update() {
      var mine = ++seq;
      if (!input.value.trim()) { out.textContent = ""; return; }
      fetch(url + "?text=" + encodeURIComponent(input.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (d) { if (mine === seq) out.textContent = d.next; })
        .catch(function () {});
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
    update();
  }

  pickMap();
  schedulePreview();
})();
