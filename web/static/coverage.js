/* Coverage page: choropleth by class (colour + pattern + label), place markers (public
   locations only), suggested sites, and clicks that add candidate points.
   Data comes from the JSON block #cov-data; every text is set with textContent. */
(function () {
  "use strict";
  var dataEl = document.getElementById("cov-data");
  if (!dataEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);

  // Filters: changing a select reloads the page with the new GET parameters.
  Array.prototype.forEach.call(document.querySelectorAll(".cov-autosubmit"), function (sel) {
    sel.addEventListener("change", function () {
      var form = document.getElementById("cov-filters");
      // a new layer has its own default thresholds: drop the old ones
      if (sel.name === "layer") {
        Array.prototype.forEach.call(form.querySelectorAll(".cov-thresholds input"), function (i) { i.value = ""; });
      }
      form.submit();
    });
  });

  var view = TsunagariMap.create(document.getElementById("cov-map"), data);
  var map = view.map;
  var CLS = { none: "cov-area cov-none", thin: "cov-area cov-thin", covered: "cov-area cov-covered" };
  var many = data.areas.features.length > 40;

  function labelNode(props) {
    var div = document.createElement("div");
    var name = document.createElement("span");
    name.className = "cov-label-name";
    name.textContent = props.name;
    var klass = document.createElement("span");
    klass.className = "cov-label-klass cov-label-" + props.klass;
    var sym = data.symbols[props.klass] || "";
    klass.textContent = sym + " " + (data.labels[props.klass] || props.klass);
    div.appendChild(name);
    div.appendChild(document.createElement("br"));
    div.appendChild(klass);
    return div;
  }

  // the areas of the chosen kind, shaded by class (the outline style is the area layer's)
  var outline = view.areaStyle(data.areas.features.length ? data.areas.features[0].properties.kind : "");
  var areas = view.areaLayer(null, data.areas, {
    labels: false, tooltip: false,
    style: function (f) {
      return { className: CLS[f.properties.klass] || "cov-area", color: "#222", weight: outline.weight || 1.5,
               dashArray: outline.dashArray, fillOpacity: 0.55 };
    },
    onEachFeature: function (f, layer) {
      layer.bindTooltip(labelNode(f.properties), {
        permanent: !many, direction: "center", className: "cov-label", opacity: 0.9 });
      layer.on("click", function (e) { addPoint(e.latlng); });
    }
  }).addTo(map).outlines;

  // the layer's places, drawn small with the same glyph + shape + colour as everywhere
  var placeLayer = L.layerGroup().addTo(map);
  data.places.forEach(function (p) {
    var m = view.placeMarker(p, { keyboard: false, icon: { size: 22, className: "cov-place" } });
    var tip = document.createElement("span");
    tip.textContent = p.name;
    m.bindTooltip(tip);
    m.on("click", function (e) { addPoint(e.latlng); });   // a click anywhere on the map adds a point
    m.addTo(placeLayer);
  });
  data.chosen.forEach(function (p) {
    var c = L.circle([p.lat, p.lon], { radius: data.walking_radius_m, color: "#000", weight: 2, dashArray: "6 4",
                                       fill: false, className: "cov-chosen" }).addTo(map);
    var tip = document.createElement("span");
    tip.textContent = p.name;
    c.bindTooltip(tip, { permanent: true, direction: "top" });
  });


  // Candidate points: a click adds "lat,lon" to the textarea and draws a ring.
  var textarea = document.getElementById("cov-points");
  var clickLayer = L.layerGroup().addTo(map);
  function drawPoints() {
    clickLayer.clearLayers();
    if (!textarea) { return; }
    textarea.value.split(/\n|;/).forEach(function (line) {
      var parts = line.split(",");
      var lat = parseFloat(parts[0]), lon = parseFloat(parts[1]);
      if (isFinite(lat) && isFinite(lon)) {
        L.circle([lat, lon], { radius: data.walking_radius_m, color: "#000", weight: 1, dashArray: "2 4",
                               fill: false, interactive: false }).addTo(clickLayer);
        L.circleMarker([lat, lon], { radius: 4, color: "#000", fillColor: "#fff", fillOpacity: 1,
                                     interactive: false }).addTo(clickLayer);
      }
    });
  }
  function addPoint(latlng) {
    if (!textarea) { return; }
    var line = latlng.lat.toFixed(6) + "," + latlng.lng.toFixed(6);
    textarea.value = (textarea.value.trim() ? textarea.value.trim() + "\n" : "") + line;
    drawPoints();
  }
  map.on("click", function (e) { addPoint(e.latlng); });
  if (textarea) { textarea.addEventListener("change", drawPoints); drawPoints(); }
  var clear = document.getElementById("cov-clear-points");
  if (clear) { clear.addEventListener("click", function () { textarea.value = ""; drawPoints(); }); }
  window.coverageMap = map;
  window.coverageAreas = areas;
})();
