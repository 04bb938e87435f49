/* つながりマップ: the resident map page.
 *
 * The map comes from the map module (map.js) with the page config: base map, district outlines
 * and names, the layer control, and one marker-cluster group per place layer, filled with the
 * places of the current view (/api/places?bbox=...). This script adds the popups and runs the
 * search panel (/api/search). Untrusted text is only ever set with textContent.
 */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("map-config").textContent);
  var T = cfg.texts;
  var view = TsunagariMap.create(document.getElementById("map"), cfg, {layerControl: true});
  var map = view.map;
  var groups = {};          // layer id -> L.markerClusterGroup
  var markers = {};         // place id -> L.marker
  var layerInfo = view.placeStyles;
  var originMarker = null;
  var lastOrigin = null;    // {lat, lon, label} the last search was run from
  var searches = 0;         // searches answered (body[data-searches], for the tests)
  var searchSeq = 0;        // searches asked
  var el = function (tag, attrs, text) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "className") node.className = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  };

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
    var date = form.elements.date.value;
    if (date === "pick") date = form.elements.date_pick.value;   // YYYY-MM-DD, or nothing yet
    if (date) p.set("date", date);
    ["free", "no_reservation", "consultation"].forEach(function (name) {
      if (form.elements[name].checked) p.set(name, "1");
    });
    return p;
  }

  function noLayerChosen() {
    return form.querySelectorAll("input[name=layer]:checked").length === 0;
  }

  // ------------------------------------------------------------------ the search in the address
  // Where the search is from and its filters live in the URL (?q=...&day=weekend&date=sat...):
  // back, reload and a shared link restore the results; place links carry them, so that
  // 「地図にもどる」 on a place page comes back to the same search.
  var lastWhere = null;     // {q} or {lat, lon, label} of the last search

  function stateParams() {
    var p = filterParams();
    if (lastWhere && lastWhere.q !== undefined) p.set("q", lastWhere.q);
    else if (lastWhere) {
      p.set("lat", lastWhere.lat);
      p.set("lon", lastWhere.lon);
      if (lastWhere.label) p.set("label", lastWhere.label);
    }
    return p;
  }

  function stateQuery() {
    var qs = stateParams().toString();
    return qs ? "?" + qs : "";
  }

  function writeUrl(push) {
    var url = window.location.pathname + stateQuery();
    if (url === window.location.pathname + window.location.search) return;
    window.history[push ? "pushState" : "replaceState"](null, "", url);
  }

  function placeHref(id) {
    return "/place/" + encodeURIComponent(id) + stateQuery();
  }

  // the form as the address says (a layer list absent = every layer)
  function restoreForm(p) {
    var wanted = p.get("layer") ? p.get("layer").split(",") : null;
    Array.prototype.forEach.call(form.querySelectorAll("input[name=layer]"), function (i) {
      i.checked = !wanted || wanted.indexOf(i.value) >= 0;
    });
    ["day", "time", "target"].forEach(function (name) {
      var select = form.elements[name], v = p.get(name) || "";
      select.value = Array.prototype.some.call(select.options, function (o) { return o.value === v; }) ? v : "";
    });
    var date = p.get("date") || "", select = form.elements.date;
    var named = Array.prototype.some.call(select.options, function (o) { return o.value === date && date !== "pick"; });
    select.value = named ? date : (/^\d{4}-\d{2}-\d{2}$/.test(date) ? "pick" : "");
    form.elements.date_pick.value = select.value === "pick" ? date : "";
    showDatePick();
    ["free", "no_reservation", "consultation"].forEach(function (name) {
      form.elements[name].checked = ["1", "true", "on", "yes"].indexOf((p.get(name) || "").toLowerCase()) >= 0;
    });
    form.elements.q.value = p.get("q") || "";
  }

  function showDatePick() {
    var on = form.elements.date.value === "pick";
    Array.prototype.forEach.call(form.querySelectorAll(".date-pick"), function (n) { n.hidden = !on; });
  }

  // ------------------------------------------------------------------ markers
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
    box.appendChild(el("a", {href: placeHref(props.id), className: "popup-details"}, T.details));
    return box;
  }

  function makeMarker(feature) {
    var props = feature.properties;
    var c = feature.geometry.coordinates;
    var m = view.placeMarker({lat: c[1], lon: c[0], layer: props.layer, name: props.name, precision: props.precision},
                             {popup: function () { return popupContent(props); }});
    m.placeId = props.id;
    m.placeLayer = props.layer;
    return m;
  }

  var mapStatus = document.getElementById("map-status");
  var filterCount = document.getElementById("filter-count");
  var announceCount = false;   // after a filter change: say 「N件」 once the places are in

  // data: the answer of /api/places for the view at info.zoom (the zoom it was asked for)
  function applyPlaces(data, info) {
    var features = data ? data.features : [];
    var truncated = data ? data.truncated : false;
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
    mapStatus.textContent = truncated ? T.truncated : "";
    if (announceCount) {
      announceCount = false;
      filterCount.textContent = T.count.replace("{n}", view.countInView(markers));
    }
    document.body.setAttribute("data-places-zoom", String(info.zoom));
    document.body.setAttribute("data-places-loaded", String(Object.keys(markers).length));
  }

  var places = null;   // the view source, made at start
  var aggregates = null;

  // ------------------------------------------------------------------ aggregate map (national density)
  // At low zoom with many places the server counts them per 64-px square and layer
  // (/api/aggregates); one labelled circle per square replaces thousands of markers. From street
  // zoom, or when the view holds few places, the answer is mode "points" and the markers load as
  // before. Only numbers and layer names from the page config are drawn (no HTML from data).
  function aggregateSource() {
    var map = view.map;
    var group = L.layerGroup().addTo(map);
    var last = null;        // {zoom, cells} of the latest answer
    var names = {};
    (cfg.place_layers || cfg.layers || []).forEach(function (l) { names[l.id] = l; });

    function clear() {
      group.clearLayers();
      document.body.setAttribute("data-aggregate-cells", "0");
    }

    function cellMarker(cell, layerIds) {
      var n = cell[2], perLayer = cell[3], top = 0;
      perLayer.forEach(function (c, i) { if (c > perLayer[top]) top = i; });
      var size = Math.round(26 + 9 * Math.log(n) / Math.LN10);
      var layer = names[layerIds[top]] || {id: layerIds[top]};
      var label = n >= 10000 ? Math.round(n / 1000) + "k" : String(n);
      var icon = L.divIcon({className: "agg-cell agg-" + layer.id, iconSize: [size, size],
                            html: "<span>" + label + "</span>"});
      var title = layerIds.map(function (id, i) {
        return perLayer[i] ? ((names[id] && (names[id].name || names[id].label)) || id) + " " + perLayer[i] : null;
      }).filter(Boolean).join(" / ");
      var m = L.marker([cell[0], cell[1]], {icon: icon, title: title, alt: title, keyboard: false, riseOnHover: true});
      m.on("click", function () { map.setView([cell[0], cell[1]], Math.min(map.getZoom() + 2, 18)); });
      m.on("add", function () {
        var e = m.getElement();
        if (!e) return;
        if (layer.colour || layer.fill) e.style.borderColor = layer.colour || layer.fill;
        e.setAttribute("data-count", String(n));
      });
      return m;
    }

    function pointsWanted() { return !!last && !last.cells && last.zoom === map.getZoom(); }

    function onData(agg, info) {
      var cells = !!(agg && agg.mode === "cells");
      var ready = pointsWanted();     // the places source already fetched for this zoom
      last = {zoom: info.zoom, cells: cells};
      if (!cells) {
        clear();
        if (!ready) places.reload();
        return;
      }
      group.clearLayers();
      agg.cells.forEach(function (cell) { group.addLayer(cellMarker(cell, agg.layers)); });
      applyPlaces(null, info);
      document.body.setAttribute("data-aggregate-cells", String(agg.cells.length));
      document.body.setAttribute("data-aggregate-total", String(agg.total));
      mapStatus.textContent = agg.hint || "";
    }

    var source = view.viewSource({
      url: cfg.api.aggregates || "/api/aggregates",
      pad: 0.1,
      params: function () {
        var p = withLang(filterParams());
        p.set("zoom", String(Math.round(map.getZoom())));
        return p;
      },
      skip: noLayerChosen,
      onData: onData,
      onError: function () { last = {zoom: map.getZoom(), cells: false}; clear(); places.reload(); }
    });
    return {
      load: source.load,
      reload: source.reload,
      // the last answer was for this zoom and said: draw points
      pointsWanted: pointsWanted
    };
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
    var li = el("li", {className: "result", "data-layer": place.layer});
    var h = el("h3");
    var a = el("a", {href: placeHref(place.id)}, place.name);
    h.appendChild(a);
    li.appendChild(h);
    var style = layerInfo[place.layer] || {};
    li.style.borderLeftColor = style.colour || "#555";
    var kind = el("p", {className: "result-kind"});
    var glyph = el("span", {className: "glyph pm pm-" + (style.shape || "circle"), "aria-hidden": "true"});
    glyph.style.background = style.colour || "#555";
    glyph.style.color = style.text_colour || "#fff";
    glyph.appendChild(el("span", null, place.icon));
    kind.appendChild(glyph);
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
      b.appendChild(el("span", {className: "visually-hidden"}, T.label_sep + place.name));   // a name of its own
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
    h.appendChild(el("a", {href: placeHref(p.id)}, p.name));
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
      li.appendChild(el("a", {href: placeHref(place.id)}, place.name));
      li.appendChild(document.createTextNode(cfg.lang === "en" ? " (" + place.layer_name + ")" : "（" + place.layer_name + "）"));
      if (place.lat !== null && place.lat !== undefined) {
        var b = el("button", {type: "button", className: "secondary small"}, T.search_from);
        b.appendChild(el("span", {className: "visually-hidden"}, T.label_sep + place.name));
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
      var keep = filterParams();
      keep.set("area", a.id);
      keep.set("lang", cfg.lang);
      var link = el("a", {href: "/list?" + keep.toString(), className: "print-link"},
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

  // quiet: re-run after a filter change, so the focus stays on the filter and the page does not move
  function render(data, quiet) {
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
    // a chosen date: "open on 11月28日（土）", or "11月28日は開催なし（次回 12月5日）"
    var dateNote = document.getElementById("date-note");
    dateNote.hidden = !data.date;
    dateNote.textContent = data.date ? (data.date.note || data.date.heading) : "";
    if (data.date && data.date.note) say(head + " " + data.date.note);
    else say(data.results.length ? head : head + " " + (data.message || T.no_results));
    renderHelp(data.help);
    renderPrintLinks(data.areas);
    results.hidden = false;
    placeOrigin(data.origin);
    var pts = [[data.origin.lat, data.origin.lon]];
    data.results.slice(0, 5).forEach(function (p) { if (p.lat !== null) pts.push([p.lat, p.lon]); });
    map.fitBounds(L.latLngBounds(pts).pad(0.15), {maxZoom: 16});
    if (!quiet) document.getElementById("results-h").focus();
  }

  // history: "push" a new search, "replace" after a filter change, "none" when restoring from the address
  function runSearch(where, quiet, history) {
    lastWhere = where.q !== undefined ? {q: where.q}
      : {lat: String(where.lat), lon: String(where.lon), label: where.label || ""};
    if (where.round) {   // the device's own location: only ~100 m of it goes into the address
      lastWhere.lat = Number(where.lat).toFixed(3);
      lastWhere.lon = Number(where.lon).toFixed(3);
    }
    if (history !== "none") writeUrl(history !== "replace");
    var params = filterParams();
    if (where.q !== undefined) params.set("q", where.q);
    else { params.set("lat", where.lat); params.set("lon", where.lon); if (where.label) params.set("label", where.label); }
    say(T.searching);
    places.schedule(false);
    var seq = ++searchSeq;   // only the latest search's answer is shown
    return fetch(cfg.api.search + "?" + withLang(params).toString())
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) throw new Error(body.error || T.error);
          return body;
        });
      })
      .then(function (data) { if (seq === searchSeq) render(data, quiet); })
      .catch(function (err) { if (seq === searchSeq) say(err.message || T.error); })
      .then(function () { document.body.setAttribute("data-searches", String(++searches)); });
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var q = form.elements.q.value.trim();
    if (!q) { say(document.getElementById("search-hint").textContent); form.elements.q.focus(); return; }
    runSearch({q: q});
  });

  form.addEventListener("change", function (ev) {
    if (ev.target.name === "q") return;
    if (ev.target.name === "date") {
      showDatePick();
      if (ev.target.value === "pick" && !form.elements.date_pick.value) return;   // wait for the day
    }
    announceCount = true;
    aggregates.reload();
    places.reload();
    if (lastWhere) runSearch(lastWhere, true, "replace");
    else writeUrl(false);
  });

  document.getElementById("locate-button").addEventListener("click", function () {
    if (!navigator.geolocation) { say(T.geo_unsupported); return; }
    say(T.geo_locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      runSearch({lat: pos.coords.latitude.toFixed(6), lon: pos.coords.longitude.toFixed(6), round: true});
    }, function (err) {
      say(err && err.code === 1 ? T.geo_denied : T.geo_failed);
      form.elements.q.focus();
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
  });

  // ------------------------------------------------------------------ start
  // every district outline reachable by keyboard, named ("小学校区：生駒小学校"), its name shown on focus
  var areaGroups = view.addAreaLayers(cfg.areas || {});
  Object.keys(areaGroups).forEach(function (layerId) {
    var kind = (view.areaStyles[layerId] || {}).name || layerId;
    areaGroups[layerId].outlines.eachLayer(function (layer) {
      var name = kind + T.label_sep + ((layer.feature && layer.feature.properties.name) || "");
      var mark = function () {
        var path = layer.getElement && layer.getElement();
        if (!path || path.getAttribute("tabindex")) return;
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "img");
        path.setAttribute("aria-label", name);
        path.addEventListener("focus", function () { layer.openTooltip(layer.getCenter()); });
        path.addEventListener("blur", function () { layer.closeTooltip(); });
      };
      mark();
      layer.on("add", mark);
    });
  });
  groups = view.placeClusters();
  aggregates = aggregateSource();
  places = view.viewSource({
    url: cfg.api.places,
    params: function () { var p = withLang(filterParams()); p.set("limit", "5000"); return p; },
    // points only once the aggregate answer for this zoom says the view holds few enough
    skip: function () { return noLayerChosen() || !aggregates.pointsWanted(); },
    // a skip while waiting for the aggregate answer changes nothing (the answer clears or reloads)
    onData: function (data, info) { if (data || noLayerChosen()) applyPlaces(data, info); },
    onError: function () { mapStatus.textContent = T.error; }
  });
  function clearResults() {
    lastWhere = null;
    lastOrigin = null;
    results.hidden = true;
    helpBox.hidden = true;
    matchBox.hidden = true;
    say("");
    if (originMarker) { map.removeLayer(originMarker); originMarker = null; }
  }

  // the search the address holds (a reload, a shared link, back and forward)
  function fromAddress() {
    var p = new URLSearchParams(window.location.search);
    restoreForm(p);
    if (p.get("q")) runSearch({q: p.get("q")}, true, "none");
    else if (p.get("lat") && p.get("lon")) runSearch({lat: p.get("lat"), lon: p.get("lon"), label: p.get("label") || ""}, true, "none");
    else clearResults();
  }

  window.addEventListener("popstate", function () { fromAddress(); aggregates.reload(); places.reload(); });
  fromAddress();
  aggregates.load(true);
  places.load(true);
})();
