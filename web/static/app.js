/* つながりマップ: the resident map page.
 *
 * folium composes the map, base layer, district outlines and the layer control; this script
 * adds the places, fetched only for the current view (/api/places?bbox=...), into one
 * marker-cluster group per layer registered in the same layer control, and runs the
 * search panel (/api/search). Untrusted text is only ever set with textContent.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var T = cfg.texts;
  var map = window.TSUNAGARI.map;
  var control = window.TSUNAGARI.control;
  var groups = {};          // layer id -> L.markerClusterGroup
  var markers = {};         // place id -> L.marker
  var layerInfo = {};
  var loaded = null;        // {bbox, key, truncated} of the last fetch
  var originMarker = null;
  var lastOrigin = null;    // {lat, lon, label} the last search was run from
  var fetchTimer = null;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "className") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function withLang(params) {
    params.set("lang", cfg.lang);
    return params;
  }

  // ------------------------------------------------------------------ filters
  var form = document.getElementById("search-form");

  function filterParams() {
    var p = new URLSearchParams();
    var chosen = Array.prototype.slice.call(form.querySelectorAll("input[name=layer]:checked"))
      .map(function (i) { return i.value; });
    var all = form.querySelectorAll("input[name=layer]").length;
    if (chosen.length && chosen.length < all) p.set("layer", chosen.join(","));
    ["day", "time", "target"].forEach(function (name) {
      var v = form.elements[name].value;
      if (v) p.set(name, v);
    });
    ["free", "no_reservation", "consultation"].forEach(function (name) {
      if (form.elements[name].checked) p.set(name, "1");
    });
    return p;
  }

  function noLayerChosen() {
    return form.querySelectorAll("input[name=layer]:checked").length === 0;
  }

  // ------------------------------------------------------------------ markers
  function markerIcon(props, count) {
    var box = el("div", {className: "pm-inner"});
    box.appendChild(el("span", {"aria-hidden": "true", className: "pm-glyph"}, props.icon || "?"));
    if (count) box.appendChild(el("span", {className: "pm-count"}, count));
    var approx = props.precision && props.precision !== "exact";
    return L.divIcon({
      html: box, iconSize: count ? [46, 46] : [36, 36],
      className: (count ? "place-cluster " : "place-marker ") + "pm-" + props.layer + (approx ? " pm-approx" : "")
    });
  }

  function popupContent(props) {
    var box = el("div", {className: "popup"});
    box.appendChild(el("div", {className: "popup-layer"}, props.icon + " " + props.layer_name));
    box.appendChild(el("h3", {className: "popup-name"}, props.name));
    if (props.fictional) box.appendChild(el("span", {className: "badge-fictional"}, T.fictional));
    box.appendChild(el("p", {className: "popup-next"}, props.next_text));
    var fields = (layerInfo[props.layer] || {}).popup_fields || [];
    fields.forEach(function (key) {
      var value = props[key];
      if (value === null || value === undefined || value === "") return;
      var labelKey = key === "schedule_text" ? "schedule" : key;
      var row = el("div");
      row.appendChild(el("b", null, T[labelKey] || key));
      row.appendChild(document.createTextNode(": " + value));
      box.appendChild(row);
    });
    if (props.has_consultation) box.appendChild(el("div", {className: "popup-consult"}, T.consult));
    if (props.precision !== "exact") {
      box.appendChild(el("div", {className: "popup-precision"}, T.location_note + ": " + props.precision_label));
    }
    box.appendChild(el("a", {href: "/place/" + encodeURIComponent(props.id)}, T.details));
    return box;
  }

  function makeMarker(feature) {
    var props = feature.properties;
    var c = feature.geometry.coordinates;
    var m = L.marker([c[1], c[0]], {icon: markerIcon(props), title: props.name, alt: props.name, keyboard: true});
    m.placeId = props.id;
    m.placeLayer = props.layer;
    m.bindPopup(function () { return popupContent(props); }, {maxWidth: 320});
    return m;
  }

  function setupGroups() {
    cfg.layers.forEach(function (layer) {
      layerInfo[layer.id] = layer;
      var group = L.markerClusterGroup({
        maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
        iconCreateFunction: function (cluster) {
          var icon = markerIcon({icon: layer.icon, layer: layer.id, precision: "exact"}, cluster.getChildCount());
          return icon;
        }
      });
      group.layerId = layer.id;
      groups[layer.id] = group;
      group.addTo(map);
      control.addOverlay(group, layer.name);
    });
  }

  function viewBox() {
    var b = map.getBounds().pad(0.25);
    var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90),
            clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)];
  }

  function contains(outer, inner) {
    return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
  }

  var mapStatus = document.getElementById("map-status");

  function loadPlaces(force) {
    var params = filterParams();
    var key = params.toString();
    var needed = map.getBounds();
    var want = [needed.getWest(), needed.getSouth(), needed.getEast(), needed.getNorth()];
    // the places already loaded cover the view: nothing to fetch (unless zoomed well in, when
    // a smaller fetch lets the far-away markers go)
    if (!force && loaded && loaded.key === key && !loaded.truncated && contains(loaded.bbox, want) &&
        map.getZoom() - loaded.zoom < 2) return;
    if (noLayerChosen()) { applyPlaces([], key, viewBox(), false); return; }
    var box = viewBox();
    params.set("bbox", box.map(function (v) { return v.toFixed(5); }).join(","));
    params.set("limit", "5000");
    fetch(cfg.api.places + "?" + withLang(params).toString())
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) { applyPlaces(data.features, key, box, data.truncated); })
      .catch(function () { mapStatus.textContent = T.error; });
  }

  function applyPlaces(features, key, box, truncated) {
    var seen = {};
    var toAdd = {};
    features.forEach(function (f) {
      if (!f.geometry) return;
      seen[f.id] = true;
      if (!markers[f.id]) {
        var m = makeMarker(f);
        markers[f.id] = m;
        (toAdd[m.placeLayer] = toAdd[m.placeLayer] || []).push(m);
      }
    });
    Object.keys(markers).forEach(function (id) {
      var m = markers[id];
      if (!seen[id] && !m.isPopupOpen()) {
        groups[m.placeLayer].removeLayer(m);
        delete markers[id];
      }
    });
    Object.keys(toAdd).forEach(function (layerId) { groups[layerId].addLayers(toAdd[layerId]); });
    loaded = {bbox: box, key: key, truncated: !!truncated, zoom: map.getZoom()};
    mapStatus.textContent = truncated ? T.truncated : "";
    document.body.setAttribute("data-places-loaded", String(Object.keys(markers).length));
  }

  function scheduleLoad(force) {
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(function () { loadPlaces(force); }, force ? 0 : 200);
  }

  // area names only from a sensible zoom: CSS hides them below (see app.css)
  function zoomClass() {
    var c = map.getContainer();
    var z = map.getZoom();
    c.classList.toggle("zoom-lt-12", z < 12);
    c.classList.toggle("zoom-lt-13", z < 13);
  }

  // ------------------------------------------------------------------ search
  var statusBox = document.getElementById("search-status");
  var results = document.getElementById("results");
  var list = document.getElementById("result-list");
  var helpBox = document.getElementById("help-box");
  var helpBody = document.getElementById("help-body");
  var matchBox = document.getElementById("match-box");
  var matchList = document.getElementById("match-list");
  var printLinks = document.getElementById("print-links");

  function say(text) { statusBox.textContent = text; }

  function showOnMap(place) {
    if (place.lat === null || place.lat === undefined) return;
    map.setView([place.lat, place.lon], Math.max(map.getZoom(), 16));
    var open = function () {
      var m = markers[place.id];
      if (!m) return false;
      groups[m.placeLayer].zoomToShowLayer(m, function () { m.openPopup(); });
      return true;
    };
    if (!open()) {
      var once = function () { if (open()) map.off("tsunagari:loaded", once); };
      map.on("tsunagari:loaded", once);
    }
    document.getElementById("map-region").scrollIntoView({behavior: "smooth", block: "start"});
  }

  function placeItem(place, withDistance) {
    var li = el("li", {className: "result pm-border-" + place.layer});
    var h = el("h3");
    var a = el("a", {href: "/place/" + encodeURIComponent(place.id)}, place.name);
    h.appendChild(a);
    li.appendChild(h);
    var kind = el("p", {className: "result-kind"});
    kind.appendChild(el("span", {className: "glyph pm-" + place.layer, "aria-hidden": "true"}, place.icon));
    kind.appendChild(document.createTextNode(" " + place.layer_name));
    if (place.fictional) {
      kind.appendChild(document.createTextNode(" "));
      kind.appendChild(el("span", {className: "badge-fictional"}, T.fictional));
    }
    li.appendChild(kind);
    if (withDistance && place.distance_m !== undefined) {
      li.appendChild(el("p", {className: "result-distance"},
        T.walk.replace("{m}", place.distance_m.toLocaleString()).replace("{w}", place.walk_min)));
    }
    li.appendChild(el("p", {className: "result-next"}, place.next_text));
    if (place.has_consultation) li.appendChild(el("p", {className: "result-consult"}, T.consult));
    if (place.lat !== null && place.lat !== undefined) {
      var b = el("button", {type: "button", className: "secondary small"}, T.show_on_map);
      b.addEventListener("click", function () { showOnMap(place); });
      li.appendChild(b);
    }
    return li;
  }

  function renderHelp(help) {
    helpBody.textContent = "";
    if (!help) { helpBox.hidden = true; return; }
    var p = help.place;
    var h = el("p", {className: "help-name"});
    h.appendChild(el("a", {href: "/place/" + encodeURIComponent(p.id)}, p.name));
    helpBody.appendChild(h);
    if (p.phone) {
      var tel = el("p", {className: "help-phone"});
      tel.appendChild(document.createTextNode(T.phone + ": "));
      if (p.fictional) tel.appendChild(document.createTextNode(p.phone));
      else tel.appendChild(el("a", {href: "tel:" + p.phone.replace(/[^0-9+]/g, "")}, p.phone));
      helpBody.appendChild(tel);
    }
    if (p.schedule_text) helpBody.appendChild(el("p", null, p.schedule_text));
    if (p.address) helpBody.appendChild(el("p", null, p.address));
    if (help.by === "catchment" && help.area) {
      helpBody.appendChild(el("p", {className: "muted"}, T.help_area + ": " + help.area.name));
    } else {
      helpBody.appendChild(el("p", {className: "muted"}, T.help_nearest));
    }
    helpBox.hidden = false;
  }

  function renderMatches(matches) {
    matchList.textContent = "";
    if (!matches || !matches.length) { matchBox.hidden = true; return; }
    matches.forEach(function (place) {
      var li = el("li");
      li.appendChild(el("a", {href: "/place/" + encodeURIComponent(place.id)}, place.name));
      li.appendChild(document.createTextNode("（" + place.layer_name + "）"));
      if (place.lat !== null && place.lat !== undefined) {
        var b = el("button", {type: "button", className: "secondary small"}, T.search_from);
        b.addEventListener("click", function () {
          runSearch({lat: place.lat, lon: place.lon, label: place.name});
        });
        li.appendChild(b);
      }
      matchList.appendChild(li);
    });
    matchBox.hidden = false;
  }

  function renderPrintLinks(areas) {
    printLinks.textContent = "";
    (areas || []).forEach(function (a) {
      if (printLinks.childNodes.length) printLinks.appendChild(document.createTextNode(" "));
      var link = el("a", {href: "/list?area=" + encodeURIComponent(a.id) + "&lang=" + cfg.lang, className: "print-link"},
        T.print_list + "：" + a.name);
      printLinks.appendChild(link);
    });
  }

  function placeOrigin(origin) {
    if (originMarker) map.removeLayer(originMarker);
    var icon = L.divIcon({className: "origin-marker", html: el("span", {"aria-hidden": "true"}, "★"), iconSize: [34, 34]});
    originMarker = L.marker([origin.lat, origin.lon], {icon: icon, title: T.here + ": " + origin.label,
                                                        alt: T.here, keyboard: false, zIndexOffset: 1000}).addTo(map);
  }

  function render(data) {
    renderMatches(data.matches);
    if (!data.origin) {
      results.hidden = true;
      helpBox.hidden = true;
      say(data.message || T.no_results);
      return;
    }
    lastOrigin = {lat: data.origin.lat, lon: data.origin.lon, label: data.origin.label};
    list.textContent = "";
    data.results.forEach(function (place) { list.appendChild(placeItem(place, true)); });
    var head = "「" + data.origin.label + "」" + T.near + (data.origin.approximate ? T.approx_origin : "") + "：" +
      T.count.replace("{n}", data.results.length);
    say(data.results.length ? head : head + " " + T.no_results);
    renderHelp(data.help);
    renderPrintLinks(data.areas);
    results.hidden = false;
    placeOrigin(data.origin);
    var pts = [[data.origin.lat, data.origin.lon]];
    data.results.slice(0, 5).forEach(function (p) { if (p.lat !== null) pts.push([p.lat, p.lon]); });
    map.fitBounds(L.latLngBounds(pts).pad(0.15), {maxZoom: 16});
    document.getElementById("results-h").focus();
  }

  function runSearch(where) {
    var params = filterParams();
    if (where.q !== undefined) params.set("q", where.q);
    else { params.set("lat", where.lat); params.set("lon", where.lon); if (where.label) params.set("label", where.label); }
    say(T.searching);
    scheduleLoad(false);
    return fetch(cfg.api.search + "?" + withLang(params).toString())
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || T.error);
          return body;
        });
      })
      .then(render)
      .catch(function (err) { say(err.message || T.error); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = form.elements.q.value.trim();
    if (!q) { say(document.getElementById("search-hint").textContent); form.elements.q.focus(); return; }
    runSearch({q: q});
  });

  form.addEventListener("change", function (ev) {
    if (ev.target.name === "q") return;
    scheduleLoad(true);
    if (lastOrigin) runSearch(lastOrigin);
  });

  document.getElementById("locate-button").addEventListener("click", function () {
    if (!navigator.geolocation) { say(T.geo_unsupported); return; }
    say(T.geo_locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      runSearch({lat: pos.coords.latitude.toFixed(6), lon: pos.coords.longitude.toFixed(6)});
    }, function (err) {
      say(err && err.code === 1 ? T.geo_denied : T.geo_failed);
      form.elements.q.focus();
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
  });

  // ------------------------------------------------------------------ phone layout
  function collapseOnPhone() {
    if (window.innerWidth >= 700) return;
    control.options.collapsed = true;
    control.collapse();
    map.on("click", function () { control.collapse(); });
    var link = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (link) {
      link.setAttribute("role", "button");
      link.setAttribute("aria-label", T.layers_control);
      link.addEventListener("click", function () { control.expand(); });
    }
  }

  // ------------------------------------------------------------------ start
  setupGroups();
  collapseOnPhone();
  zoomClass();
  map.on("zoomend", zoomClass);
  map.on("moveend", function () { scheduleLoad(false); });
  var origApply = applyPlaces;
  applyPlaces = function () { origApply.apply(null, arguments); map.fire("tsunagari:loaded"); };
  loadPlaces(true);
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { form.elements.q.value = initial; runSearch({q: initial}); }
})();
