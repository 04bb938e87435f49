/* つながりマップ: the one map module. Every page's map (resident map, coverage, meeting) is made
 * here from the JSON config that web/maps.py builds (`map_config`): base map and attribution,
 * initial view, each place layer's glyph + shape + colour, each area layer's outline and names.
 *
 *   var view = TsunagariMap.create(element, cfg, {layerControl: true});
 *   view.addAreaLayers({elementary: featureCollection, ...});  // styled from cfg.area_layers
 *   view.placeMarker({lat, lon, layer, name, precision}, {popup: fn}); // glyph + shape + colour
 *   var clusters = view.placeClusters();        // one cluster group, a switch per place layer
 *   var source = view.viewSource({url, params, onData});  // data for the current view (bbox)
 *   view.labels().add({latlng, node, short: "3", priority}); // labels that never pile up
 *
 * Untrusted text (names) is only ever put in the page with textContent. Popups fit the map
 * (width, height and auto-pan padding from the map's size), so on a phone they never open
 * outside it. Requires Leaflet (and Leaflet.markercluster for placeClusters).
 */
(function (global) {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function attributionHtml(tiles) {
    var node = tiles.attribution_url ? el("a", null, tiles.attribution) : el("span", null, tiles.attribution);
    if (tiles.attribution_url) node.setAttribute("href", tiles.attribution_url);
    return node.outerHTML;
  }

  // ------------------------------------------------------------------ popups that fit the map
  var PAD = 12;
  var FitPopup = L.Popup.extend({
    update: function () {
      if (this._map) {
        var size = this._map.getSize();
        // keep clear of the controls in the corners (zoom, layers, scale, attribution) so the
        // close button stays reachable (a layer list taller than half the map is ignored)
        var corner = function (map, where) {
          var node = map.getContainer().querySelector(".leaflet-" + where);
          return node ? node.getBoundingClientRect().height : 0;
        };
        var right = corner(this._map, "top.leaflet-right");
        var top = PAD + Math.max(corner(this._map, "top.leaflet-left"), right < size.y / 2 ? right : 0);
        var bottom = PAD + Math.max(corner(this._map, "bottom.leaflet-left"), corner(this._map, "bottom.leaflet-right"));
        this.options.maxWidth = Math.max(120, Math.min(320, size.x - 2 * PAD - 40));
        this.options.minWidth = Math.min(this.options.minWidth || 50, this.options.maxWidth);
        // the tip and the close button take ~40px; the rest of the height is the content's
        this.options.maxHeight = Math.max(80, size.y - top - bottom - 60);
        this.options.autoPanPaddingTopLeft = L.point(PAD, top);
        this.options.autoPanPaddingBottomRight = L.point(PAD, bottom);
      }
      L.Popup.prototype.update.call(this);
      if (this._contentNode && this._container) {
        // a content that scrolls must be reachable by keyboard
        var scrolls = L.DomUtil.hasClass(this._container, "leaflet-popup-scrolled");
        if (scrolls) this._contentNode.setAttribute("tabindex", "0");
        else this._contentNode.removeAttribute("tabindex");
      }
      return this;
    }
  });

  function fitPopup(content, options) {
    return new FitPopup(L.extend({autoPan: true, keepInView: true}, options || {})).setContent(content);
  }

  // ------------------------------------------------------------------ the map
  function MapView(element, cfg, options) {
    options = options || {};
    this.cfg = cfg;
    this.texts = cfg.texts || {};
    this.placeStyles = {};
    this.areaStyles = {};
    var self = this;
    (cfg.place_layers || []).forEach(function (l) { self.placeStyles[l.id] = l; });
    (cfg.area_layers || []).forEach(function (l) { self.areaStyles[l.id] = l; });

    element.tsunagariMap = this;
    var map = L.map(element, L.extend({zoomSnap: 0.25, maxZoom: cfg.max_zoom || 18,
                                       attributionControl: options.attribution !== false}, options.leaflet || {}));
    this.map = map;
    var view = cfg.view || {};
    if (options.fit !== false) {
      if (view.bounds) map.fitBounds(view.bounds);
      else map.setView(view.center || [34.69, 135.70], view.zoom || 12);
    }
    this.base = null;
    if (cfg.tiles) {
      this.base = L.tileLayer(cfg.tiles.url, {maxZoom: cfg.tiles.max_zoom || 18, attribution: attributionHtml(cfg.tiles),
                                              opacity: options.tileOpacity || 1}).addTo(map);
    }
    if (options.scale !== false) {
      L.control.scale(L.extend({imperial: false}, options.scale || {})).addTo(map);
    }
    this.control = null;
    if (options.layerControl) this.layerControl();
    this._labels = null;
  }

  MapView.prototype.narrow = function () {
    return this.map.getContainer().clientWidth < 700;
  };

  /* The layer control (base map + every overlay added later); collapsed behind a button on
     narrow screens so that it does not cover the map. */
  MapView.prototype.layerControl = function () {
    if (this.control) return this.control;
    var bases = {};
    if (this.base) bases[this.texts.base_map || "Base map"] = this.base;
    var narrow = this.narrow();
    // made open, then folded on narrow screens: opened and closed by tapping, not by hovering
    var control = L.control.layers(bases, {}, {collapsed: false}).addTo(this.map);
    this.control = control;
    if (narrow) {
      control.options.collapsed = true;
      control.collapse();
      this.map.on("click", function () { control.collapse(); });
      var link = control.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (link) {
        link.setAttribute("role", "button");
        link.setAttribute("aria-label", this.texts.map_layers || "Map layers");
        link.addEventListener("click", function () { control.expand(); });
      }
    }
    return control;
  };

  MapView.prototype.addOverlay = function (layer, name) {
    layer.addTo(this.map);
    if (this.control) this.control.addOverlay(layer, name);
    return layer;
  };

  // ------------------------------------------------------------------ areas
  MapView.prototype.areaStyle = function (layerId) {
    var s = this.areaStyles[layerId] || {colour: "#333333", weight: 2};
    return {color: s.colour, weight: s.weight, fillOpacity: 0.03, dashArray: s.dash || null};
  };

  /* Outlines of one area layer with a name tooltip and, if the layer wants them, permanent
     names from its label zoom. `options.style(feature)` / `options.onEachFeature` override. */
  MapView.prototype.areaLayer = function (layerId, collection, options) {
    options = options || {};
    var self = this, s = this.areaStyles[layerId] || {};
    var group = L.featureGroup();
    var geo = L.geoJSON(collection, {
      style: options.style || function () { return self.areaStyle(layerId); },
      onEachFeature: function (f, layer) {
        if (options.tooltip !== false) layer.bindTooltip(el("span", null, f.properties.name), {sticky: false});
        if (options.onEachFeature) options.onEachFeature(f, layer);
      }
    }).addTo(group);
    group.outlines = geo;
    if (s.labels && options.labels !== false) {
      // names from the layer's label zoom, laid out with every other label of the map (labels())
      // so that they never pile up: where one has no room it waits for a closer zoom
      var labels = L.layerGroup().addTo(group);
      var manager = this.labels();
      collection.features.forEach(function (f) {
        var p = f.properties;
        if (p.label_lat === null || p.label_lat === undefined) return;
        var span = el("span", "area-label-name", p.name);
        span.style.borderColor = s.colour;
        manager.add({latlng: [p.label_lat, p.label_lon], node: span, group: labels, title: p.name,
                     minZoom: s.label_zoom || 13, priority: s.weight || 1, strict: true,
                     className: "area-label area-label-" + layerId});
      });
      group.labels = labels;
    }
    return group;
  };

  MapView.prototype.addAreaLayers = function (collections, options) {
    var self = this, groups = {};
    (this.cfg.area_layers || []).forEach(function (s) {
      var coll = collections[s.id];
      if (!coll || !coll.features || !coll.features.length) return;
      groups[s.id] = self.addOverlay(self.areaLayer(s.id, coll, options), s.name);
    });
    return groups;
  };

  /* Whether an area (a GeoJSON feature or geometry: Polygon or MultiPolygon, holes included)
     contains a point (a LatLng): ray casting over the rings. */
  function ringContains(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function polygonContains(rings, x, y) {
    if (!rings.length || !ringContains(rings[0], x, y)) return false;
    for (var k = 1; k < rings.length; k++) if (ringContains(rings[k], x, y)) return false;
    return true;
  }
  function areaContains(area, latlng) {
    var g = area && area.type === "Feature" ? area.geometry : area;
    if (!g) return false;
    var x = latlng.lng, y = latlng.lat;
    if (g.type === "Polygon") return polygonContains(g.coordinates, x, y);
    if (g.type === "MultiPolygon") return g.coordinates.some(function (p) { return polygonContains(p, x, y); });
    return false;
  }

  // ------------------------------------------------------------------ labels that never pile up
  /* One label manager per map: every label added to it (area names, numbered areas, chosen
     sites...) is laid out together after each zoom, move or resize, so that no two shown labels
     overlap, whatever layer they belong to. In priority order (higher first) each label is shown
     in full at its point or just beside it (above, below, right, left) where its box touches no
     label already placed and stays inside the map; boxes of `avoid` elements (the map's controls,
     place markers) are avoided when possible. A label with no room shows its short form instead —
     a small numbered marker (`short`, e.g. the rank in the table beside the map) — if that fits,
     else it is hidden until a closer zoom gives it room (numbers never cover place markers).

       var labels = view.labels();
       labels.add({latlng, node, short, priority, minZoom, group, title, className, within}) -> item
         node: the full label (a DOM node built with textContent, any look: classes, two lines);
         short: text of the numbered marker (none: hidden where there is no room); group: a layer
         group the label joins (laid out only while that group is on the map; default the
         manager's own); strict: never over a place marker either (else only where no free spot
         is left); within: a GeoJSON feature or geometry (an area) the label's centre must stay
         inside, so that a name never reads as its neighbour's; item.state is
         "full" | "short" | "hidden" | "off" (off the map or below minZoom) after each layout
       labels.list(element, format)  // a side list of the labels shown by number (or hidden)
     The first call may say {overMarkers: true}: where a name has to cover a place marker, the
     name is drawn on top (a projector, where names matter most) rather than under it.
       labels.layout()               // at once (it also runs by itself)
     After each layout the map fires "tsunagari:labels" with {full, short, hidden} (items). */
  MapView.prototype.labels = function (options) {
    if (this._labels) return this._labels;
    options = options || {};
    var map = this.map, items = [], lists = [], frame = null;
    if (!map.getPane("tsunagariLabels")) {
      var pane = map.createPane("tsunagariLabels");
      // above areas (400), below place markers (600) or just above them; below tooltips and popups
      pane.style.zIndex = options.overMarkers ? 640 : 590;
      pane.style.pointerEvents = "none";
    }
    var own = L.layerGroup().addTo(map);
    var GAP = 3, EDGE = 2;

    function intersects(a, b) {
      return a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;
    }
    function boxAt(p, w, h, dx, dy) {
      var x = p.x + dx - w / 2, y = p.y + dy - h / 2;
      return {x1: x - GAP, y1: y - GAP, x2: x + w + GAP, y2: y + h + GAP, dx: dx, dy: dy};
    }
    function place(p, w, h, size, placed, soft, strict, within) {
      // at the point, then beside it: above, below, right, left, the corners, a little further
      var v = h / 2 + 8, u = w / 2 + 10, offsets = [[0, 0], [0, -v], [0, v], [u, 0], [-u, 0],
        [u * 0.7, -v], [-u * 0.7, -v], [u * 0.7, v], [-u * 0.7, v], [0, -2 * v], [0, 2 * v],
        [u * 0.7, -2 * v], [-u * 0.7, -2 * v], [u * 0.7, 2 * v], [-u * 0.7, 2 * v]];
      var fallback = null;
      for (var i = 0; i < offsets.length; i++) {
        var b = boxAt(p, w, h, offsets[i][0], offsets[i][1]);
        if (b.x1 + GAP < EDGE || b.y1 + GAP < EDGE || b.x2 - GAP > size.x - EDGE || b.y2 - GAP > size.y - EDGE) continue;
        if (placed.some(function (o) { return intersects(b, o); })) continue;
        if (within && !areaContains(within, map.containerPointToLatLng([(b.x1 + b.x2) / 2, (b.y1 + b.y2) / 2]))) continue;
        if (!soft.some(function (o) { return intersects(b, o); })) return b;
        if (!fallback && !strict) fallback = b;
      }
      return fallback;
    }
    function show(item, state, b) {
      item.state = state;
      var icon = item.marker.getElement();
      if (!icon) return;
      icon.setAttribute("data-state", state);
      [item.full, item.num].forEach(function (n) {
        if (!n) return;
        var on = (n === item.full && state === "full") || (n === item.num && state === "short");
        n.classList.toggle("map-label-shown", on);
        n.setAttribute("aria-hidden", on ? "false" : "true");
        if (on) {
          n.style.left = (b.dx - n.offsetWidth / 2) + "px";
          n.style.top = (b.dy - n.offsetHeight / 2) + "px";
        }
      });
    }

    function layout() {
      frame = null;
      var size = map.getSize(), zoom = map.getZoom();
      var box = map.getContainer().getBoundingClientRect();
      function rects(selector) {
        var out = [];
        Array.prototype.forEach.call(map.getContainer().querySelectorAll(selector), function (n) {
          var r = n.getBoundingClientRect();
          if (r.width && r.height) out.push({x1: r.left - box.left, y1: r.top - box.top, x2: r.right - box.left, y2: r.bottom - box.top});
        });
        return out;
      }
      var soft = rects(manager.avoid);
      // read every size first, then write (one reflow)
      var active = [];
      items.forEach(function (item) {
        var icon = item.marker.getElement();
        if (!icon || !item.marker._map || zoom < (item.minZoom || 0)) { show(item, "off"); return; }
        var p = map.latLngToContainerPoint(item.latlng);
        if (p.x < 0 || p.y < 0 || p.x > size.x || p.y > size.y) { show(item, "off"); return; }
        item.point = p;
        item.fullSize = [item.full.offsetWidth, item.full.offsetHeight];
        item.numSize = item.num ? [item.num.offsetWidth, item.num.offsetHeight] : null;
        active.push(item);
      });
      active.sort(function (a, b) { return (b.priority || 0) - (a.priority || 0) || a.index - b.index; });
      var placed = rects(manager.block), waiting = [];   // never under the map's controls
      active.forEach(function (item) {
        var b = place(item.point, item.fullSize[0], item.fullSize[1], size, placed, soft, item.strict, item.within);
        if (b) { placed.push(b); show(item, "full", b); } else waiting.push(item);
      });
      // the numbered markers of the labels without room, after every full label that fits
      waiting.forEach(function (item) {
        // a number is small: it never hides a place marker (nor hides under one)
        var b = item.numSize ? place(item.point, item.numSize[0], item.numSize[1], size, placed, soft, true, item.within) : null;
        if (b) { placed.push(b); show(item, "short", b); } else show(item, "hidden");
      });
      var state = {full: [], short: [], hidden: []};
      items.forEach(function (item) { if (state[item.state]) state[item.state].push(item); });
      lists.forEach(function (l) { fillList(l, state); });
      map.fire("tsunagari:labels", state);
    }
    function schedule() {
      if (frame === null) frame = (global.requestAnimationFrame || setTimeout)(layout);
    }
    function fillList(l, state) {
      var ul = l.element.querySelector("ul") || l.element;
      ul.textContent = "";
      var shown = state.short.concat(state.hidden.filter(function (i) { return i.short !== undefined && i.short !== null; }));
      shown.sort(function (a, b) { return (parseFloat(a.short) || 0) - (parseFloat(b.short) || 0) || a.index - b.index; });
      shown.forEach(function (item) {
        var li = el("li", "map-label-item map-label-item-" + item.state);
        li.appendChild(el("span", "map-label-item-num", item.short));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(l.format ? l.format(item) : document.createTextNode(item.title || ""));
        ul.appendChild(li);
      });
      l.element.hidden = !shown.length;
    }

    var manager = {
      block: ".leaflet-control",          // labels never go under these
      avoid: ".place-icon",               // nor over these where another spot is free
      items: items,
      add: function (o) {
        var wrap = el("div", "map-label-box");
        var full = el("div", "map-label-full");
        full.appendChild(o.node);
        wrap.appendChild(full);
        var num = null;
        if (o.short !== undefined && o.short !== null && o.short !== "") {
          num = el("div", "map-label-num", o.short);
          wrap.appendChild(num);
        }
        var item = {latlng: L.latLng(o.latlng), full: full, num: num, short: o.short, title: o.title,
                    priority: o.priority || 0, minZoom: o.minZoom, index: items.length, data: o.data, state: "off",
                    group: o.group || own, strict: !!o.strict, within: o.within || null};
        item.marker = L.marker(item.latlng, {
          pane: "tsunagariLabels", interactive: false, keyboard: false,
          icon: L.divIcon({html: wrap, className: "map-label " + (o.className || ""), iconSize: [0, 0]})
        }).addTo(item.group);
        items.push(item);
        schedule();
        return item;
      },
      clear: function (group) {
        for (var i = items.length - 1; i >= 0; i--) {
          if (!group || items[i].group === group) { items[i].group.removeLayer(items[i].marker); items.splice(i, 1); }
        }
        schedule();
      },
      list: function (element, format) { lists.push({element: element, format: format}); schedule(); },
      layout: layout,
      schedule: schedule
    };
    map.on("zoomend moveend resize layeradd layerremove", schedule);
    this._labels = manager;
    return manager;
  };

  // ------------------------------------------------------------------ places
  /* The one marker look: glyph + shape + colour of the place's layer (never colour alone);
     dashed edge for an approximate location; a count for a cluster. */
  MapView.prototype.placeIcon = function (layerId, options) {
    options = options || {};
    var s = this.placeStyles[layerId] || {icon: "?", colour: "#555555", text_colour: "#ffffff", shape: "circle"};
    var approx = options.precision && options.precision !== "exact";
    var box = el("div", "pm pm-" + s.shape + (approx ? " pm-approx" : "") + (options.innerClass ? " " + options.innerClass : ""));
    if (options.closed) box.classList.add("pm-closed");
    else { box.style.background = s.colour; box.style.color = s.text_colour; }
    box.appendChild(el("span", "pm-glyph", s.icon)).setAttribute("aria-hidden", "true");
    if (options.count) box.appendChild(el("span", "pm-count", options.count));
    var size = options.size || (options.count ? 46 : 36);
    return L.divIcon({
      html: box, iconSize: [size, size],
      className: "place-icon " + (options.count ? "place-cluster " : "place-marker ") + "pm-" + layerId +
        (options.className ? " " + options.className : "")
    });
  };

  /* A marker for one place {lat, lon, layer, name, precision}; `options.popup` is a function
     returning the popup's DOM node (built with textContent). */
  MapView.prototype.placeMarker = function (p, options) {
    options = options || {};
    var m = L.marker([p.lat, p.lon], {
      icon: this.placeIcon(p.layer, L.extend({precision: p.precision}, options.icon || {})),
      title: p.name, alt: p.name, keyboard: options.keyboard !== false,
      zIndexOffset: options.zIndexOffset || 0
    });
    if (options.popup) m.bindPopup(fitPopup(function () { return options.popup(p); }, options.popupOptions));
    m.place = p;
    return m;
  };

  MapView.prototype.popup = fitPopup;

  /* One marker-cluster group for every place layer, so that markers of different layers never
     pile on each other (each stays a target of full size), with one switch per layer in the
     layer control. A cluster of one layer looks like that layer's marker with a count; a mixed
     one is a neutral circle with the count (data-layers holds the count per layer). Every
     cluster is named for screen readers ("12 places: サロン 8, 子ども食堂 4") and opens by keyboard.
     A cluster whose markers are all dimmed (`marker.dim`, e.g. outside a focused area) is dimmed.
     `options`: markerClusterGroup options (e.g. maxClusterRadius: merge only markers that touch),
     `size` (the cluster's size in px) and `keyboard: false` (clusters are not keyboard buttons,
     for a page whose markers are not either and that offers another way in, e.g. a list).
     Returns {layerId: {addLayers, removeLayer, clear, zoomToShowLayer, shown()}}. */
  MapView.prototype.placeClusters = function (options) {
    options = L.extend({}, options || {});
    var self = this, groups = {}, size = options.size || 46, keyboard = options.keyboard !== false;
    delete options.size;
    delete options.keyboard;
    var cluster = L.markerClusterGroup(L.extend({
      maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {
        var counts = {}, n = 0, dim = true;
        c.getAllChildMarkers().forEach(function (m) {
          var id = m.place ? m.place.layer : "";
          counts[id] = (counts[id] || 0) + 1;
          n += 1;
          dim = dim && !!m.dim;
        });
        var ids = Object.keys(counts), icon;
        if (ids.length === 1) icon = self.placeIcon(ids[0], {count: n, size: size, innerClass: dim ? "pm-dim" : ""});
        else {
          // a ring of the layers' colours in proportion (8 サロン and 4 子ども食堂: two thirds and
          // one third) around the count; the layers' names are in the cluster's accessible name
          var mixed = el("div", "pm pm-circle pm-mixed-box" + (dim ? " pm-dim" : "")), from = 0;
          mixed.style.background = "conic-gradient(" + ids.map(function (id) {
            var to = from + counts[id] / n * 360, stop = ((self.placeStyles[id] || {}).colour || "#555555") +
              " " + from.toFixed(1) + "deg " + to.toFixed(1) + "deg";
            from = to;
            return stop;
          }).join(", ") + ")";
          mixed.appendChild(el("span", "pm-count", n));
          icon = L.divIcon({html: mixed, iconSize: [size, size], className: "place-icon place-cluster pm-mixed"});
        }
        // the name a screen reader says for the cluster (Leaflet makes it a keyboard button)
        var box = icon.options.html;
        box.setAttribute("data-layers", JSON.stringify(counts));
        Array.prototype.forEach.call(box.children, function (child) { child.setAttribute("aria-hidden", "true"); });
        var parts = ids.map(function (id) { return ((self.placeStyles[id] || {}).name || id) + " " + counts[id]; });
        box.appendChild(el("span", "visually-hidden", (self.texts.cluster || "{n}: {layers}")
          .replace("{n}", n).replace("{layers}", parts.join(self.texts.cluster_sep || ", "))));
        return icon;
      }
    }, options));
    if (!keyboard) {
      this.map.on("layeradd", function (e) {
        if (e.layer._group !== cluster || !e.layer.getAllChildMarkers) return;
        e.layer.options.keyboard = false;           // also when its icon is made again (new count)
        var icon = e.layer.getElement();
        if (icon) { icon.removeAttribute("tabindex"); icon.removeAttribute("role"); }
      });
    }
    cluster.addTo(this.map);
    this.clusterGroup = cluster;
    (this.cfg.place_layers || []).forEach(function (s) {
      var markers = [];
      var state = {shown: true};
      var Toggle = L.Layer.extend({
        onAdd: function () { state.shown = true; cluster.addLayers(markers); },
        onRemove: function () { state.shown = false; cluster.removeLayers(markers); }
      });
      self.addOverlay(new Toggle(), s.icon + " " + s.name);
      groups[s.id] = {
        layerId: s.id,
        shown: function () { return state.shown; },
        addLayers: function (list) {
          Array.prototype.push.apply(markers, list);
          if (state.shown) cluster.addLayers(list);
        },
        removeLayer: function (m) {
          var i = markers.indexOf(m);
          if (i >= 0) markers.splice(i, 1);
          cluster.removeLayer(m);
        },
        clear: function () {
          cluster.removeLayers(markers);
          markers.length = 0;
        },
        zoomToShowLayer: function (m, done) { cluster.zoomToShowLayer(m, done); }
      };
    });
    return groups;
  };

  // ------------------------------------------------------------------ data for the view
  /* Fetches `url?bbox=...&<params()>` for the current view (padded) after the map moves, skips
     the fetch while what is loaded still covers the view, and drops any answer that is not the
     latest one asked for (so a slow early answer never overwrites a later view). Each applied
     answer fires "tsunagari:loaded" on the map with {data, zoom, seq}. Another source (e.g. an
     aggregate at low zoom) is one more viewSource with its own url and onData. */
  MapView.prototype.viewSource = function (options) {
    var map = this.map;
    var pad = options.pad === undefined ? 0.25 : options.pad;
    var state = {loaded: null, seq: 0, timer: null};

    function box(bounds) {
      var clamp = function (v, lo, hi) { return Math.max(lo, Math.min(hi, v)); };
      return [clamp(bounds.getWest(), -180, 180), clamp(bounds.getSouth(), -90, 90),
              clamp(bounds.getEast(), -180, 180), clamp(bounds.getNorth(), -90, 90)];
    }
    function contains(outer, inner) {
      return outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];
    }
    function load(force) {
      var params = options.params ? options.params() : new URLSearchParams();
      var key = params.toString();
      var want = box(map.getBounds());
      var zoom = map.getZoom();
      var last = state.loaded;
      // what is loaded covers the view: nothing to fetch (unless zoomed well in, when a smaller
      // fetch lets the far-away markers go)
      if (!force && last && last.key === key && !last.partial && contains(last.bbox, want) && zoom - last.zoom < 2) return;
      var seq = ++state.seq;
      var bbox = box(map.getBounds().pad(pad));
      var done = function (data) {
        if (seq !== state.seq) return;          // a later request was made: this answer is stale
        state.loaded = {bbox: bbox, key: key, zoom: zoom, partial: !!(data && data.truncated)};
        options.onData(data, {bbox: bbox, zoom: zoom, seq: seq});
        map.fire("tsunagari:loaded", {data: data, zoom: zoom, seq: seq});
      };
      if (options.skip && options.skip()) { done(null); return; }
      params.set("bbox", bbox.map(function (v) { return v.toFixed(5); }).join(","));
      fetch(options.url + "?" + params.toString())
        .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
        .then(done)
        .catch(function (err) { if (seq === state.seq && options.onError) options.onError(err); });
    }
    function schedule(force) {
      clearTimeout(state.timer);
      state.timer = setTimeout(function () { load(force); }, force ? 0 : (options.debounce || 200));
    }
    map.on("moveend", function () { schedule(false); });
    return {load: load, reload: function () { schedule(true); }, schedule: schedule};
  };

  /* Every place marker whose point is inside the map's visible area (for 「N件」). */
  MapView.prototype.countInView = function (markers) {
    var b = this.map.getBounds(), n = 0;
    Object.keys(markers).forEach(function (id) { if (b.contains(markers[id].getLatLng())) n += 1; });
    return n;
  };

  global.TsunagariMap = {
    create: function (element, cfg, options) { return new MapView(element, cfg, options); },
    /* The MapView made in an element (for tests and page scripts that only have the element). */
    of: function (element) { return element && element.tsunagariMap; },
    popup: fitPopup,
    areaContains: areaContains,
    el: el
  };
})(window);
