/* 協議体 meeting mode: projector map with focus, then-and-now and permalinks.
   All data text is put in the page with textContent (names are untrusted), never innerHTML. */
(function () {
  'use strict';
  const cfg = JSON.parse(document.getElementById('meeting-config').textContent);
  const T = cfg.text;
  // a bracketed note and a run-in list separator in the page's language
  const paren = function (s) { return cfg.lang === 'en' ? ' (' + s + ')' : '（' + s + '）'; };
  const SEP = cfg.lang === 'en' ? ', ' : '・';
  const layerById = {};
  cfg.place_layers.forEach(function (l) { layerById[l.id] = l; });
  const allLayerIds = cfg.place_layers.map(function (l) { return l.id; });
  const $ = function (id) { return document.getElementById(id); };

  // ------------------------------------------------------------------ state <-> URL
  function readState() {
    const q = new URLSearchParams(location.search);
    const s = {
      kind: q.get('kind') || (cfg.kinds[0] && cfg.kinds[0].id) || 'elementary',
      area: q.get('area') || '',
      layers: q.get('layers') ? q.get('layers').split(',').filter(function (x) { return layerById[x]; }) : allLayerIds.slice(),
      cov: q.has('cov') ? q.get('cov') : '',
      on: q.get('on') || cfg.today,
      then: q.get('then') || '',
      wd: q.get('wd') || '', band: q.get('band') || '', consult: q.get('consult') === '1',
      lang: q.get('lang') || '', center: null, zoom: null,
    };
    const c = (q.get('c') || '').split(',').map(Number);
    if (c.length === 2 && c.every(isFinite) && isFinite(parseFloat(q.get('z')))) {
      s.center = c; s.zoom = parseFloat(q.get('z'));
    }
    return s;
  }
  const state = readState();

  function params(withView) {
    const q = new URLSearchParams();
    q.set('kind', state.kind);
    if (state.area) q.set('area', state.area);
    if (state.layers.length !== allLayerIds.length) q.set('layers', state.layers.join(','));
    if (state.cov) q.set('cov', state.cov);
    q.set('on', state.on);
    if (state.then) q.set('then', state.then);
    if (state.wd !== '') q.set('wd', state.wd);
    if (state.band) q.set('band', state.band);
    if (state.consult) q.set('consult', '1');
    if (state.lang) q.set('lang', state.lang);
    if (withView && nowMap) {
      const c = nowMap.getCenter();
      q.set('c', c.lat.toFixed(5) + ',' + c.lng.toFixed(5));
      q.set('z', String(nowMap.getZoom()));
    }
    return q;
  }
  function writeURL() {
    history.replaceState(null, '', location.pathname + '?' + params(true).toString());
    updateExportLinks();
  }
  function updateExportLinks() {
    document.querySelectorAll('.c-export a').forEach(function (a) {
      const q = params(false);
      if (a.dataset.paper) q.set('paper', a.dataset.paper);
      a.href = cfg.export_url.replace('FMT', a.dataset.fmt) + '?' + q.toString();
    });
  }

  // ------------------------------------------------------------------ maps
  const rem = parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
  const MARK = Math.round(1.6 * rem);     // a place marker's size: large, for a projector
  let nowMap = null, thenMap = null, syncing = false, data = null;
  const drawn = { now: [], then: [] };

  function makeMap(id) {
    // the map module gives base map, attribution and markers; the page fits the view itself
    const view = TsunagariMap.create(document.getElementById(id), cfg, {
      fit: false, attribution: !!cfg.tiles, tileOpacity: 0.55, leaflet: { renderer: L.svg() },
      scale: { maxWidth: Math.round(12 * rem), position: 'bottomleft' } });
    const m = view.map;
    m.tsunagari = view;
    // places that would touch at this zoom are one numbered cluster (a click zooms in to them)
    m.places = view.placeClusters({ maxClusterRadius: MARK, size: Math.round(1.25 * MARK),
      keyboard: false });   // like the markers: the area list is the way in by keyboard
    view.labels({ overMarkers: true });   // a name that must cover a marker is drawn over it
    const North = L.Control.extend({
      onAdd: function () {
        const d = L.DomUtil.create('div', 'north-arrow');
        d.setAttribute('aria-label', T.north_up);
        d.appendChild(document.createTextNode('▲'));
        d.appendChild(document.createElement('br'));
        d.appendChild(document.createTextNode(T.north));
        return d;
      },
    });
    new North({ position: 'topright' }).addTo(m);
    return m;
  }
  function addPatterns(m, id) {
    // hatching, so that 空白 and 手薄 read without colour (and on a washed-out projector)
    const container = m.getPane('overlayPane').querySelector('svg');
    if (!container || container.querySelector('defs')) return;
    const ns = 'http://www.w3.org/2000/svg';
    const defs = document.createElementNS(ns, 'defs');
    function pattern(pid, bg, draw) {
      const p = document.createElementNS(ns, 'pattern');
      p.setAttribute('id', pid); p.setAttribute('patternUnits', 'userSpaceOnUse');
      p.setAttribute('width', '10'); p.setAttribute('height', '10');
      const r = document.createElementNS(ns, 'rect');
      r.setAttribute('width', '10'); r.setAttribute('height', '10'); r.setAttribute('fill', bg);
      p.appendChild(r); draw(p); defs.appendChild(p);
    }
    pattern(id + '-kuhaku', '#F0E442', function (p) {
      const l = document.createElementNS(ns, 'path');
      l.setAttribute('d', 'M-1,1 l2,-2 M0,10 l10,-10 M9,11 l2,-2');
      l.setAttribute('stroke', '#000'); l.setAttribute('stroke-width', '2'); p.appendChild(l);
    });
    pattern(id + '-usui', '#FFF6C2', function (p) {
      const c = document.createElementNS(ns, 'circle');
      c.setAttribute('cx', '5'); c.setAttribute('cy', '5'); c.setAttribute('r', '1.6'); c.setAttribute('fill', '#000');
      p.appendChild(c);
    });
    container.insertBefore(defs, container.firstChild);
  }
  function sync(from, to) {
    from.on('move', function () {
      if (syncing || !to) return;
      syncing = true;
      to.setView(from.getCenter(), from.getZoom(), { animate: false });
      syncing = false;
    });
  }

  function areaStyle(feature, which, mapId) {
    const p = feature.properties;
    const focusId = focusAreaId();
    const klass = which === 'then' ? p.klass_then : p.klass;
    const st = { color: '#000', weight: 2.5, opacity: 1, fillColor: '#fff', fillOpacity: 0 };
    if (klass === 'none') { st.fillColor = 'url(#' + mapId + '-kuhaku)'; st.fillOpacity = 0.7; }
    else if (klass === 'thin') { st.fillColor = 'url(#' + mapId + '-usui)'; st.fillOpacity = 0.7; }
    if (focusId !== null) {
      if (p.id === focusId) { st.weight = 7; }
      else { st.fillColor = '#fff'; st.fillOpacity = 0.62; st.color = '#555'; st.weight = 1.5; }
    }
    return st;
  }
  // The area whose polygon contains a point: a click near a border picks the area it lands in,
  // not whichever outline's stroke was hit.
  function areaAt(latlng) {
    if (!data) return null;
    return data.areas.features.find(function (f) { return TsunagariMap.areaContains(f, latlng); }) || null;
  }
  window.meetingAreaAt = function (lat, lng) {
    const f = areaAt(L.latLng(lat, lng));
    return f ? f.properties.code : null;
  };
  function focusAreaId() {
    if (!state.area || !data) return null;
    const f = data.areas.features.find(function (x) { return x.properties.code === state.area; });
    return f ? f.properties.id : null;
  }

  // An area's name (and, on a second line, its coverage class) in large type; the focused area's
  // larger, the others' dimmed.
  function labelNode(props, which) {
    const div = document.createElement('div');
    const focusId = focusAreaId();
    div.className = 'area-label' + (focusId === null ? '' : (props.id === focusId ? ' is-focus' : ' is-dim'));
    div.appendChild(document.createTextNode(props.name));
    const klass = which === 'then' ? props.klass_then : props.klass;
    if (klass && (focusId === null || props.id === focusId)) {
      const k = document.createElement('span');
      k.className = 'k';
      k.textContent = '[' + (cfg.klass[klass] || klass) + ']';
      div.appendChild(k);
    }
    div.dataset.code = props.code;
    return div;
  }

  function draw(map, which) {
    const view = map.tsunagari, labels = view.labels();
    drawn[which].forEach(function (x) { map.removeLayer(x); });
    drawn[which] = [];
    labels.clear();
    Object.keys(map.places).forEach(function (id) { map.places[id].clear(); });
    const mapId = which === 'then' ? 'map-then' : 'map';
    const areas = L.geoJSON(data.areas, {
      style: function (f) { return areaStyle(f, which, mapId); },
      onEachFeature: function (f, layer) {
        layer.on('click', function (e) {
          const hit = areaAt(e.latlng) || f;
          setFocus(hit.properties.code, L.geoJSON(hit).getBounds());
        });
        const tip = document.createElement('span');
        tip.textContent = f.properties.name;
        layer.bindTooltip(tip, { sticky: true });
      },
    }).addTo(map);
    addPatterns(map, mapId);
    drawn[which].push(areas);
    // area names go through the map's label manager: never on top of each other, each inside its
    // own area, the focused one first, then the larger areas; one with no room waits for a zoom
    const focusId = focusAreaId();
    const names = L.layerGroup().addTo(map);
    drawn[which].push(names);
    data.areas.features.forEach(function (f) {
      const p = f.properties;
      if (p.label_lat == null) return;
      const b = L.geoJSON(f).getBounds();
      labels.add({ latlng: [p.label_lat, p.label_lon], node: labelNode(p, which), group: names, title: p.name,
        within: f, className: 'm-area-label',
        priority: p.id === focusId ? 1e6 : (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest()) });
    });
    const byLayer = {};
    data.places.forEach(function (p) {
      if (which === 'then' && p.change === 'new') return;
      if (which === 'now' && p.change === 'closed') return;
      const dim = focusId !== null && p.area_id !== focusId;
      const mk = view.placeMarker(p, { keyboard: false, icon: { size: MARK,
        innerClass: dim ? 'pm-dim' : '', closed: p.change === 'closed',
        className: p.change === 'new' ? 'is-new' : p.change === 'closed' ? 'is-closed' : '' } });
      mk.dim = dim;
      const tip = document.createElement('span');
      tip.textContent = p.name + (p.change === 'new' ? paren(T.new) : p.change === 'closed' ? paren(T.closed) : '');
      mk.bindTooltip(tip);
      (byLayer[p.layer] = byLayer[p.layer] || []).push(mk);
    });
    Object.keys(byLayer).forEach(function (id) { if (map.places[id]) map.places[id].addLayers(byLayer[id]); });
    labels.layout();      // at once: the page says it is ready right after drawing
  }

  // ------------------------------------------------------------------ panels
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); }
  function li(parent, text, cls) {
    const x = document.createElement('li');
    if (cls) x.className = cls;
    x.textContent = text;
    parent.appendChild(x);
    return x;
  }
  function klassBadge(klass) {
    const b = document.createElement('span');
    b.className = 'klass klass-' + klass;
    b.textContent = cfg.klass[klass] || klass;
    return b;
  }
  function renderAreaList() {
    const ul = $('area-list');
    const had = document.activeElement && document.activeElement.closest && document.activeElement.closest('#area-list');
    const focusedCode = had ? document.activeElement.dataset.code : null;
    clear(ul);
    data.areas.features.slice().sort(function (a, b) {
      return a.properties.name.localeCompare(b.properties.name, 'ja');
    }).forEach(function (f) {
      const p = f.properties;
      const x = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.code = p.code;
      b.setAttribute('aria-pressed', String(p.code === state.area));
      b.appendChild(document.createTextNode(p.name));
      if (p.klass) b.appendChild(klassBadge(p.klass));
      b.addEventListener('click', function () {
        if (p.code === state.area) { clearFocus(); return; }
        setFocus(p.code, L.geoJSON(f).getBounds());
      });
      x.appendChild(b);
      ul.appendChild(x);
    });
    if (focusedCode) {
      const again = ul.querySelector('button[data-code="' + CSS.escape(focusedCode) + '"]');
      if (again) again.focus();
    }
  }
  function renderSide() {
    $('m-date').textContent = data.date_text;
    renderAreaList();
    const lc = $('legend-classes');
    clear(lc);
    const lh = $('legend-cov');
    lh.hidden = !data.coverage_layer;
    lh.textContent = data.coverage_layer ? T.coverage_of.replace('{layer}', layerById[data.coverage_layer].name) : '';
    if (data.coverage_layer) {
      cfg.klass_codes.forEach(function (k) {
        const x = document.createElement('li');
        x.appendChild(klassBadge(k));
        x.appendChild(document.createTextNode(' ' + layerById[data.coverage_layer].name));
        lc.appendChild(x);
      });
    }
    document.querySelectorAll('#legend-layers li').forEach(function (x) {
      x.hidden = state.layers.indexOf(x.dataset.layer) < 0;
    });
    const hl = $('m-hidden-list');
    clear(hl);
    data.hidden.forEach(function (h) { li(hl, h.name + paren((layerById[h.layer] ? layerById[h.layer].name : h.layer) + (h.area_name ? SEP + h.area_name : ''))); });
    $('m-hidden').hidden = data.hidden.length === 0;
    const cmp = $('m-compare');
    if (data.comparison) {
      cmp.hidden = false;
      $('cmp-new').textContent = String(data.comparison.new);
      $('cmp-closed').textContent = String(data.comparison.closed);
      $('cmp-unchanged').textContent = String(data.comparison.unchanged);
      const ul = $('cmp-classes');
      clear(ul);
      const changes = data.comparison.class_changes;
      if (changes === null) li(ul, T.coverage_pending);
      else if (!changes.length) li(ul, T.no_class_changes);
      else changes.forEach(function (c) {
        const x = document.createElement('li');
        x.appendChild(document.createTextNode(c.area_name + paren(c.layer_name) + ': '));
        if (c.then) x.appendChild(klassBadge(c.then)); else x.appendChild(document.createTextNode('―'));
        x.appendChild(document.createTextNode(' → '));
        if (c.now) x.appendChild(klassBadge(c.now)); else x.appendChild(document.createTextNode('―'));
        ul.appendChild(x);
      });
      $('label-then').textContent = T.map_then + ': ' + data.then_text;
      $('label-now').textContent = T.map_now + ': ' + data.now_text;
    } else {
      cmp.hidden = true;
    }
  }

  function loadProfile() {
    const box = $('m-profile');
    const f = data && data.areas.features.find(function (x) { return x.properties.code === state.area; });
    $('m-focus-name').textContent = f ? f.properties.name : '';
    if (!state.area || !f) { box.hidden = true; return Promise.resolve(); }
    return fetch(cfg.profile_url + '?' + params(false).toString()).then(function (r) { return r.json(); }).then(function (pr) {
      if (pr.error) { box.hidden = true; return; }
      $('p-name').textContent = pr.name;
      const pop = pr.population || {};
      let popText = pop.total == null ? T.unknown : pop.total.toLocaleString('ja-JP') + T.people;
      if (pop.total != null && pop.year) {
        const en = cfg.lang === 'en', basis = pop.basis === 'town_blocks' ? T.pop_basis_blocks
          : pop.basis === 'coverage' ? T.pop_basis_coverage : '';
        popText += en ? ' (' + pop.year + (basis ? ', ' + basis : '') + ')'
          : '（' + pop.year + '年' + (basis ? '・' + basis : '') + '）';
      }
      $('p-pop').textContent = popText;
      $('p-ageing').textContent = pr.ageing_rate == null ? T.unknown : pr.ageing_rate + '%';
      const ul = $('p-layers');
      clear(ul);
      pr.layers.forEach(function (row) {
        const x = document.createElement('li');
        x.dataset.layer = row.id;
        const l = layerById[row.id];
        const mk = document.createElement('span');
        mk.className = 'pm pm-' + l.shape;
        mk.style.background = l.colour; mk.style.color = l.text_colour;
        const g = document.createElement('span'); g.textContent = l.icon; mk.appendChild(g);
        x.appendChild(mk);
        x.appendChild(document.createTextNode(' ' + row.name + ': ' + row.count + T.kasho + ' '));
        if (row.klass) x.appendChild(klassBadge(row.klass));
        ul.appendChild(x);
      });
      if (!pr.coverage_available) li(ul, T.coverage_pending, 'p-note');
      const miss = $('p-missing');
      clear(miss);
      if (!pr.missing_text.length) li(miss, T.none_missing);
      pr.missing_text.forEach(function (line) { li(miss, line); });
      const unk = $('p-unknown');
      unk.hidden = !pr.unknown_time_places;
      unk.textContent = T.unknown_times + ': ' + pr.unknown_time_places + T.kasho;
      box.hidden = false;
    });
  }

  // ------------------------------------------------------------------ loading
  let firstLoad = true, loading = 0;
  function load() {
    const n = ++loading;
    document.body.dataset.loading = '1';
    return fetch(cfg.data_url + '?' + params(false).toString()).then(function (r) { return r.json(); }).then(function (d) {
      if (n !== loading) return;
      if (d.error) { throw new Error(d.error); }
      data = d;
      const compare = !!data.then;
      $('box-then').hidden = !compare;
      $('label-now').hidden = !compare;
      if (compare && !thenMap) {
        thenMap = makeMap('map-then');
        sync(nowMap, thenMap); sync(thenMap, nowMap);
      }
      nowMap.invalidateSize();
      if (firstLoad) {
        if (state.center) nowMap.setView(state.center, state.zoom, { animate: false });
        else if (data.focus_bounds) nowMap.fitBounds(data.focus_bounds);
        else if (cfg.view.bounds) nowMap.fitBounds(cfg.view.bounds);
        else nowMap.setView([34.69, 135.70], 12);
      }
      if (thenMap) {
        thenMap.invalidateSize();
        thenMap.setView(nowMap.getCenter(), nowMap.getZoom(), { animate: false });
      }
      draw(nowMap, 'now');
      if (thenMap && compare) draw(thenMap, 'then');
      renderSide();
      firstLoad = false;
      writeURL();
      return loadProfile();
    }).then(function () {
      if (n === loading) document.body.dataset.loading = '';
      document.body.dataset.ready = '1';
    });
  }

  function setFocus(code, bounds) {
    state.area = code || '';
    if (bounds) nowMap.fitBounds(bounds, { padding: [20, 20] });
    load();
  }

  function clearFocus() {
    setFocus('', null);
    if (cfg.view.bounds) nowMap.fitBounds(cfg.view.bounds);
  }

  // ------------------------------------------------------------------ controls
  function initControls() {
    $('c-kind').value = state.kind;
    document.querySelectorAll('input[name=layer]').forEach(function (b) { b.checked = state.layers.indexOf(b.value) >= 0; });
    $('c-cov').value = state.cov === 'none' ? '' : (state.cov || state.layers[0] || '');
    $('c-on').value = state.on;
    $('c-then').value = state.then;
    $('c-compare').checked = !!state.then;
    $('c-wd').value = state.wd;
    $('c-band').value = state.band;
    $('c-consult').checked = state.consult;
    const form = $('m-controls');
    form.addEventListener('submit', function (e) { e.preventDefault(); });
    form.addEventListener('change', function (e) {
      const id = e.target.id;
      if (id === 'c-kind') { state.kind = e.target.value; state.area = ''; }
      else if (e.target.name === 'layer') {
        state.layers = Array.prototype.filter.call(document.querySelectorAll('input[name=layer]'), function (b) { return b.checked; })
          .map(function (b) { return b.value; });
      }
      else if (id === 'c-cov') state.cov = e.target.value || 'none';
      else if (id === 'c-on') state.on = e.target.value || cfg.today;
      else if (id === 'c-compare' || id === 'c-then') {
        if ($('c-compare').checked && !$('c-then').value) {
          const d = new Date(state.on); d.setFullYear(d.getFullYear() - 1);
          $('c-then').value = d.toISOString().slice(0, 10);
        }
        state.then = $('c-compare').checked ? $('c-then').value : '';
      }
      else if (id === 'c-wd') state.wd = e.target.value;
      else if (id === 'c-band') state.band = e.target.value;
      else if (id === 'c-consult') state.consult = e.target.checked;
      load();
    });
    $('m-toggle-controls').addEventListener('click', function () {
      form.hidden = !form.hidden;
      this.setAttribute('aria-expanded', String(!form.hidden));
      nowMap.invalidateSize();
      if (thenMap) thenMap.invalidateSize();
    });
    $('p-clear').addEventListener('click', clearFocus);
  }

  // Until someone moves the map, it keeps the whole view (or the focused area) in frame when its
  // box changes size (fonts arriving, the settings opening, the then-and-now map appearing).
  let autoFit = !state.center;
  function refit() {
    if (!autoFit || !data) return;
    if (data.focus_bounds) nowMap.fitBounds(data.focus_bounds, { animate: false });
    else if (cfg.view.bounds) nowMap.fitBounds(cfg.view.bounds, { animate: false });
  }
  nowMap = makeMap('map');
  ['mousedown', 'touchstart', 'wheel', 'keydown'].forEach(function (ev) {
    nowMap.getContainer().addEventListener(ev, function () { autoFit = false; }, { passive: true });
  });
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      nowMap.invalidateSize();
      if (thenMap) thenMap.invalidateSize();
      refit();
    }).observe(document.getElementById('m-maps'));
  }
  nowMap.on('moveend', function () { if (!firstLoad) writeURL(); });
  initControls();
  updateExportLinks();
  load();
  window.meetingState = state;
  window.meetingMap = nowMap;
})();
