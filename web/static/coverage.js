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
  var labels = view.labels();

  function labelNode(props) {
    var div = document.createElement("div");
    div.className = "cov-label cov-label-box-" + props.klass;
    var name = document.createElement("span");
    name.className = "cov-label-name";
    // the number is the area's rank in the table below (and in the side list when no room)
    name.textContent = (props.rank ? props.rank + " " : "") + props.name;
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
      var tip = document.createElement("span");
      tip.textContent = (f.properties.rank ? f.properties.rank + " " : "") + f.properties.name;
      layer.bindTooltip(tip, {sticky: true});
      layer.on("click", function (e) { L.DomEvent.stop(e); addPoint(e.latlng, f.properties.name); });
    }
  }).addTo(map).outlines;

  // one label per area: its rank, name and class where there is room, else its rank alone in a
  // numbered marker, listed beside the map (#cov-numbers); the least covered get room first
  var order = {none: 3, thin: 2, covered: 1};
  data.areas.features.forEach(function (f) {
    var p = f.properties;
    if (p.label_lat === null || p.label_lat === undefined) return;
    labels.add({latlng: [p.label_lat, p.label_lon], node: labelNode(p), short: p.rank ? String(p.rank) : null,
                priority: (order[p.klass] || 0) * 1000 - (p.rank || 0), title: p.name, data: p, strict: true,
                className: "cov-area-label cov-area-label-" + p.klass});
  });
  var numbers = document.getElementById("cov-numbers");
  if (numbers) {
    labels.list(numbers, function (item) {
      var span = document.createElement("span");
      span.textContent = item.title + " " + (data.symbols[item.data.klass] || "") + " " + (data.labels[item.data.klass] || "");
      return span;
    });
  }

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
  // the chosen sites: their walking circle and their order number (the # of the table below);
  // the full name where there is room, placed before the area labels
  data.chosen.forEach(function (p) {
    L.circle([p.lat, p.lon], { radius: data.walking_radius_m, color: "#000", weight: 2, dashArray: "6 4",
                               fill: false, className: "cov-chosen", interactive: false }).addTo(map);
    var tip = document.createElement("span");
    tip.className = "cov-chosen-label";
    tip.textContent = p.name;
    labels.add({latlng: [p.lat, p.lon], node: tip, short: p.order ? "#" + p.order : null, priority: 100000,
                title: p.name, className: "cov-chosen-site"});
  });


  // Candidate points: a click adds "lat,lon" to the textarea and draws a ring.
  var textarea = document.getElementById("cov-points");
  var clickLayer = L.layerGroup().addTo(map);
  // which area (of the kind shown) a point lies in: a hint beside the form as points are added;
  // the server names them again, and refuses points outside the municipality, when suggesting
  function areaAt(lat, lon) {
    var here = L.latLng(lat, lon);
    for (var k = 0; k < data.areas.features.length; k++) {
      if (TsunagariMap.areaContains(data.areas.features[k], here)) return data.areas.features[k].properties.name;
    }
    return null;
  }
  var whereList = document.getElementById("cov-points-where");
  var T = data.texts || {};
  function drawPoints() {
    clickLayer.clearLayers();
    if (!textarea) { return; }
    if (whereList) { whereList.textContent = ""; }
    var n = 0;
    textarea.value.split(/\n|;/).forEach(function (line) {
      var parts = line.replace("、", ",").split(",");
      var lat = parseFloat(parts[0]), lon = parseFloat(parts[1]);
      if (!line.trim()) { return; }
      n += 1;
      if (isFinite(lat) && isFinite(lon) && whereList && T.point_n) {
        var area = areaAt(lat, lon);
        var li = document.createElement("li");
        var point = T.point_n.replace("{n}", n);
        li.textContent = area ? T.point_hint_inside.replace("{point}", point).replace("{area}", area)
                              : T.point_hint_outside.replace("{point}", point);
        li.className = area ? "cov-point-in" : "cov-point-out";
        whereList.appendChild(li);
      }
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
  if (textarea) { textarea.addEventListener("input", drawPoints); drawPoints(); }
  var clear = document.getElementById("cov-clear-points");
  if (clear) { clear.addEventListener("click", function () { textarea.value = ""; drawPoints(); }); }
  window.coverageMap = map;
  window.coverageAreas = areas;
})();
