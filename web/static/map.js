/* つながりマップ: the one map module. Every page's map (resident map, coverage, meeting) is made
 * here from the JSON config that web/maps.py builds (`map_config`): base map and attribution,
 * initial view, each place layer's glyph + shape + colour, each area layer's outline and names.
 *
 *   var view = TsunagariMap.create(element, cfg, {layerControl: true});
 *   view.addAreaLayers({elementary: featureCollection, ...});  // styled from cfg.area_layers
 *   view.placeMarker({lat, lon, layer, name, precision}, {popup: fn}); // glyph + shape + colour
 *   var clusters = view.placeClusters();        // one cluster group, a switch per place layer
 *   var source = view.viewSource({url, params, onData});  // data for the current view (bbox)
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
    this._labelZooms = [];
    map.on("zoomend", function () { self._showLabels(); });
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
      var labels = L.layerGroup();
      collection.features.forEach(function (f) {
        var p = f.properties;
        if (p.label_lat === null || p.label_lat === undefined) return;
        var span = el("span", null, p.name);
        span.style.borderColor = s.colour;
        L.marker([p.label_lat, p.label_lon], {
          interactive: false, keyboard: false,
          icon: L.divIcon({html: span, className: "area-label area-label-" + layerId, iconSize: [0, 0]})
        }).addTo(labels);
      });
      this._labelZooms.push({group: group, labels: labels, zoom: s.label_zoom || 13});
      this._showLabels();
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

  MapView.prototype._showLabels = function () {
    var z = this.map.getZoom();
    this._labelZooms.forEach(function (x) {
      var on = z >= x.zoom;
      if (on && !x.group.hasLayer(x.labels)) x.group.addLayer(x.labels);
      else if (!on && x.group.hasLayer(x.labels)) x.group.removeLayer(x.labels);
    });
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
     Returns {layerId: {addLayers, removeLayer, zoomToShowLayer, shown()}}. */
  MapView.prototype.placeClusters = function () {
    var self = this, groups = {};
    var cluster = L.markerClusterGroup({
      maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
      iconCreateFunction: function (c) {
        var counts = {}, n = 0;
        c.getAllChildMarkers().forEach(function (m) {
          var id = m.place ? m.place.layer : "";
          counts[id] = (counts[id] || 0) + 1;
          n += 1;
        });
        var ids = Object.keys(counts), icon;
        if (ids.length === 1) icon = self.placeIcon(ids[0], {count: n});
        else {
          var mixed = el("div", "pm pm-circle pm-mixed-box");
          mixed.appendChild(el("span", "pm-count", n));
          icon = L.divIcon({html: mixed, iconSize: [46, 46], className: "place-icon place-cluster pm-mixed"});
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
    });
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
    el: el
  };
})(window);
