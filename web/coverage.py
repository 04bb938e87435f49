"""Coordinator view of coverage gaps (/coverage). Logic lives in geo/analysis/coverage.py.

GET parameters (all optional): layer, kind, muni, on (YYYY-MM-DD), min_places, min_share (%),
min_per_1000; candidate sites: cand_layer, points ("lat,lon" per line), k, suggest=1.
/coverage.csv and /coverage.geojson export the same table.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from sqlalchemy import select

import layers
from geo.analysis import coverage as cov
from geo.places import queries, served
from geo.ingest.text import neutralise_formula
from geo.storage.models import Area
from geo.places.privacy import public_feature
from geo import vocab
from geo.places.schedule import format_date_ja
from geo.vocab import Invalid
from web import db_session, maps, params
from web.i18n import current_lang, say
from geo import clock
from web.params import BadParameter

bp = Blueprint("coverage", __name__)

# Texts: geo/vocab.py (keys "coverage.*", vocabularies "coverage_class", "time_band", "area_kind", ...).


def kind_name(kind: str, lang: str) -> str:
    return vocab.label("area_kind", kind, lang)


def _kinds(session) -> list[str]:
    return list(session.scalars(select(Area.kind).distinct().order_by(Area.kind)))


def _municipality(args=None) -> str | None:
    """The municipality chosen: /m/<code>/coverage, or ?muni= (5 or 6 digits) -> 5 digits."""
    raw = (request.view_args or {}).get("muni") if args is None else None
    code = raw or params.municipality("muni", args)
    return code[:5] if code else None


def _options(session, args=None) -> dict:
    """The request's coverage options, typed (raises web.params.BadParameter). A municipality's
    stored settings (geo/places/served.py) give its area kinds and its default thresholds."""
    place_ids = [l.id for l in layers.place_layers()]
    kinds = _kinds(session)
    muni = _municipality(args)
    if muni:
        own = served.settings_for(session, muni).area_kinds
        kinds = [k for k in own if k in kinds] or kinds
    layer_id = params.choice("layer", place_ids, layers.default_place_layer().id,
                             args, label=("種類", "layer"))
    default_kind = kinds[0] if muni and kinds else ("elementary" if "elementary" in kinds or not kinds else kinds[0])
    kind = params.choice("kind", kinds, default_kind, args, label=("区域の種類", "area kind")) if kinds else default_kind
    share = params.number("min_share", 0, 100, None, args, label=("徒歩圏の割合", "share"))
    given = {
        "min_places": params.int_in_range("min_places", 1, 10_000, None, args, label=("場所数", "places")),
        "min_covered_share": None if share is None else share / 100,
        "min_per_1000": params.number("min_per_1000", 0, 1_000_000, None, args, label=("1,000人あたり", "per 1,000")),
    }
    stored = served.thresholds_for(session, muni, layer_id)
    th = cov.normalise_thresholds(layer_id, {**stored, **{k: v for k, v in given.items() if v is not None}})
    return {"layer": layer_id, "kind": kind, "muni": muni, "given": {k: v for k, v in given.items() if v is not None},
            "on": params.date("on", None, args, label=("基準日", "date")), "thresholds": th, "kinds": kinds}


def _compute(session, opt):
    results = cov.compute_coverage(session, opt["kind"], opt["layer"], on_date=opt["on"],
                                   municipality_code=opt["muni"], thresholds=opt["thresholds"])
    if not opt["muni"]:   # several municipalities: each area by its own municipality's thresholds
        served.apply_thresholds(session, results, opt["layer"], opt.get("given"))
    return results


def bands_text(c: cov.AreaCoverage, lang: str) -> list[tuple[str, str]]:
    """Per weekday: (weekday label, open bands text)."""
    names = vocab.labels("weekday", lang)
    bandnames = vocab.labels("time_band", lang)
    sep = vocab.text("band_sep", lang)
    out = []
    for wd in range(7):
        open_ = [bandnames[b] for b in cov.BANDS if (wd, b) in c.open_bands]
        if not open_ and wd in c.unknown_time_weekdays:
            open_ = [vocab.text("coverage.unknown_time", lang)]
        out.append((names[str(wd)], sep.join(open_) if open_ else "—"))
    return out


def missing_text(c: cov.AreaCoverage, lang: str) -> str:
    names = vocab.labels("weekday", lang)
    bandnames = vocab.labels("time_band", lang)
    sep = vocab.text("band_sep", lang)
    parts = []
    for wd in range(7):
        miss = [b for (w, b) in c.missing_bands if w == wd]
        if miss:
            parts.append(vocab.text("coverage.missing_day", lang, day=names[str(wd)],
                                    bands=sep.join(bandnames[b] for b in miss)))
    return " ".join(parts)


def _rows(results: list[cov.AreaCoverage], lang: str) -> list[dict]:
    ranked = sorted(results, key=cov.rank_key)
    rows = []
    for i, c in enumerate(ranked, start=1):
        rows.append({"rank": i, "c": c, "bands": bands_text(c, lang), "missing": missing_text(c, lang),
                     "reasons": [m.text(lang) for m in c.reasons],
                     "note": say(c.per_1000_note, lang),
                     "open_count": len(c.open_bands)})
    return rows


@bp.get("/coverage")
@bp.get("/m/<muni>/coverage")
def coverage_page(muni: str | None = None):
    session = db_session()
    lang = current_lang()
    error = None
    try:
        opt = _options(session)
    except (BadParameter, Invalid) as exc:
        error = say(exc, lang)
        opt = _options(session, {})  # show the defaults with the message
    layer = layers.get(opt["layer"])
    results = _compute(session, opt) if opt["kinds"] else []
    rows = _rows(results, lang)

    suggestion = None
    cand_error = None
    points_text = request.args.get("points", "")
    cand_layer = request.args.get("cand_layer") or ""
    k = request.args.get("k") or "3"
    if request.args.get("suggest") and error is None:
        try:
            suggestion = _suggest(session, opt)
        except (BadParameter, Invalid) as exc:
            cand_error = say(exc, lang)     # said beside the form; the points typed are kept
        if suggestion is not None:
            for cand in suggestion.chosen:
                cand.label = say(cand.label, lang) if isinstance(cand.label, vocab.Msg) else cand.label

    by_id = {c.area_id: c for c in results}
    areas = queries.areas_geojson(session, opt["kind"], simplify_deg=0.00005) if opt["kinds"] else \
        {"type": "FeatureCollection", "features": []}
    features = []
    rank_of = {r["c"].area_id: r["rank"] for r in rows}
    for f in areas["features"]:
        c = by_id.get(f["id"])
        if c is None:
            continue
        f["properties"].update({"klass": c.klass, "places": c.places,
                                "share": None if c.covered_share is None else round(c.covered_share * 100),
                                "rank": rank_of.get(c.area_id)})
        features.append(f)
    from geo.storage.models import Place
    places = session.scalars(select(Place).where(Place.layer == opt["layer"], queries.active_on(opt["on"]),
                                                 Place.public_point.is_not(None))).all()
    place_points = [{"lat": f["geometry"]["coordinates"][1], "lon": f["geometry"]["coordinates"][0],
                     "name": f["properties"]["name"], "layer": opt["layer"],
                     "precision": f["properties"].get("precision", "exact")}
                    for f in (public_feature(p) for p in places)]
    chosen_points = [{"lat": c.lat, "lon": c.lon, "name": f"{c.order}. {c.label}", "order": c.order}
                     for c in (suggestion.chosen if suggestion else []) if c.lat is not None]
    map_data = maps.map_config(
        lang, bounds=_bounds(features), areas={"type": "FeatureCollection", "features": features},
        places=place_points, chosen=chosen_points, layer=opt["layer"], walking_radius_m=layer.walking_radius_m,
        labels=vocab.labels("coverage_class", lang), symbols=vocab.COVERAGE_SYMBOLS,
        texts={k: vocab.text("coverage." + k, lang) for k in ("point_hint_inside", "point_hint_outside", "point_n")})
    counts = cov.summary(results)
    cols, matrix = cov.target_group_matrix(sorted(results, key=cov.rank_key))
    export_args = {k: v for k, v in request.args.items()
                   if k in ("layer", "kind", "muni", "on", "min_places", "min_share", "min_per_1000", "lang")}
    export_args.setdefault("layer", opt["layer"])
    export_args.setdefault("kind", opt["kind"])
    if opt["muni"]:
        export_args["muni"] = opt["muni"]
    return render_template(
        "coverage.html", opt=opt, layer=layer, rows=rows, counts=counts, error=error,
        place_layers=layers.place_layers(), kind_name=kind_name, map_data=map_data,
        klass_codes=vocab.COVERAGE_CLASSES, klass_symbol=vocab.COVERAGE_SYMBOLS, group_cols=cols, group_matrix=matrix,
        suggestion=suggestion, points_text=points_text, cand_layer=cand_layer, k=k, cand_error=cand_error,
        readme_url=url_for("coverage.coverage_readme", **export_args),
        on_label=_date_label(opt["on"] or clock.today(), lang),
        csv_url=url_for("coverage.coverage_csv", **export_args),
        geojson_url=url_for("coverage.coverage_geojson", **export_args),
        target_label=vocab.label("target_population", layer.target_population, lang),
        attributions=queries.attributions(session), fictional=queries.has_fictional(session),
        weekday_names=list(vocab.labels("weekday", lang).values()),
        municipalities=served.served_municipalities(session),
    ), (400 if error or cand_error else 200)


def _suggest(session, opt, args=None) -> cov.SiteSuggestion:
    """Candidate sites from the request (raises BadParameter / Invalid, e.g. a point outside the
    chosen municipality: geo.analysis.coverage.refuse_outside)."""
    cand_layer = params.choice("cand_layer", [l.id for l in layers.place_layers()], "", args,
                               label=("候補地の一覧", "candidate layer"))
    k_int = params.int_in_range("k", 1, 50, 3, args)
    points = params.points("points", 200, args, label=("地点", "points"))
    if not cand_layer and not points:
        raise BadParameter("param_candidates")
    return cov.suggest_sites(session, opt["kind"], opt["layer"], candidate_layer=cand_layer or None,
                             points=points, k=k_int, on_date=opt["on"], municipality_code=opt["muni"],
                             thresholds=opt["thresholds"])


@bp.get("/coverage/suggest.json")
@bp.get("/m/<muni>/coverage/suggest.json")
def coverage_suggest_json(muni: str | None = None):
    """Candidate sites as JSON (same parameters as the page's form). A bad input, or a point
    outside the chosen municipality, is a 422 {"error": text, "code": reason code}."""
    session = db_session()
    lang = current_lang()
    try:
        opt = _options(session)
        s = _suggest(session, opt)
    except (BadParameter, Invalid) as exc:
        code = getattr(exc, "code", None) or getattr(exc, "key", None)
        return jsonify({"error": say(exc, lang), "code": code}), 422
    return jsonify({
        "layer": s.layer_id, "area_kind": s.area_kind, "municipality": opt["muni"], "basis": s.basis,
        "share_before": s.share_before, "share_after": s.share_after,
        "points": [{"n": w.n, "lat": w.lat, "lon": w.lon, "inside": w.inside,
                    "area": None if w.area_code is None else {"code": w.area_code, "name": w.area_name}}
                   for w in s.points],
        "chosen": [{"order": c.order, "label": say(c.label, lang) if isinstance(c.label, vocab.Msg) else c.label,
                    "place_id": c.place_id, "lat": c.lat, "lon": c.lon, "gain": c.gain,
                    "area": None if c.area_code is None else {"code": c.area_code, "name": c.area_name}}
                   for c in s.chosen],
        "class_changes": [{"code": a.code, "name": a.name, "before": a.before_klass, "after": a.after_klass,
                           "places_before": a.before_places, "places_after": a.after_places,
                           "share_before": a.before_share, "share_after": a.after_share} for a in s.class_changes],
        "unchanged": s.unchanged_count, "share_only": s.share_only_count,
    })


def _date_label(day: dt.date, lang: str) -> str:
    if lang == "en":
        return f"{vocab.label('weekday', day.weekday(), 'en')} {day.day} {day:%b} {day.year}"
    return format_date_ja(day)


def _bounds(features: list[dict]) -> list[list[float]] | None:
    xs, ys = [], []

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            xs.append(coords[0]), ys.append(coords[1])
        else:
            for c in coords:
                walk(c)
    for f in features:
        walk(f["geometry"]["coordinates"])
    return [[min(ys), min(xs)], [max(ys), max(xs)]] if xs else None


# --------------------------------------------------------------------------- exports
def _export_record(rank: int, c: cov.AreaCoverage, lang: str, as_of: dt.date | None = None) -> dict:
    return {
        "rank": rank, "code": c.code, "name": c.name, "kind": c.kind, "layer": c.layer_id,
        "class": vocab.label("coverage_class", c.klass, lang), "class_code": c.klass, "places": c.places,
        "target_population_kind": c.target_population_kind,
        "target_population": c.target_population, "per_1000": c.per_1000,
        "per_1000_note": say(c.per_1000_note, lang),
        "covered_population": c.covered_population,
        "covered_share_pct": None if c.covered_share is None else round(c.covered_share * 100, 1),
        "share_basis": c.share_basis, "walking_radius_m": c.walking_radius_m,
        "total_population": c.total_population, "population_65_over": c.population_65_over,
        "population_0_14": c.population_0_14, "open_bands": len(c.open_bands),
        "missing_bands": missing_text(c, lang),
        "reasons": " / ".join(m.text(lang) for m in c.reasons),
        "th_min_places": c.thresholds.get("min_places"),
        "th_min_share_pct": None if c.thresholds.get("min_covered_share") is None
        else round(c.thresholds["min_covered_share"] * 100, 1),
        "th_min_per_1000": c.thresholds.get("min_per_1000"),
        "as_of": as_of.isoformat() if as_of else None,
    }


def _export_results():
    session = db_session()
    opt = _options(session)
    results = sorted(_compute(session, opt), key=cov.rank_key)
    return session, opt, results


@bp.get("/coverage.csv")
def coverage_csv():
    """One header row and one row per area, nothing else: Excel sorts and filters it as it is
    (the 総務省 guideline for machine-readable tables: no titles or notes above or below the
    data). Each row carries the thresholds its area was judged by and the as-of date; the
    sources (出典) and settings are in the companion text, /coverage-readme.txt."""
    session, opt, results = _export_results()
    lang = current_lang()
    as_of = opt["on"] or clock.today()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    columns = vocab.labels("coverage_csv_column", lang)
    w.writerow(list(columns.values()))
    for i, c in enumerate(results, start=1):
        rec = _export_record(i, c, lang, as_of)
        w.writerow([neutralise_formula(v) if isinstance(v, str) else ("" if v is None else v)
                    for v in (rec[k] for k in columns)])
    body = "\ufeff" + buf.getvalue()
    name = f"coverage_{opt['kind']}_{opt['layer']}.csv"
    readme = url_for("coverage.coverage_readme", **_export_args(opt))
    return Response(body.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Link": f'<{readme}>; rel="describedby"'})


def _export_args(opt) -> dict:
    args = {k: v for k, v in request.args.items()
            if k in ("layer", "kind", "muni", "on", "min_places", "min_share", "min_per_1000", "lang")}
    args.update(layer=opt["layer"], kind=opt["kind"])
    if opt["muni"]:
        args["muni"] = opt["muni"]
    return args


@bp.get("/coverage-readme.txt")
def coverage_readme():
    """The CSV's companion: sources (出典), the settings and thresholds used, the columns and the
    method, as plain UTF-8 text (with a BOM, so that Windows Notepad reads it as UTF-8)."""
    session = db_session()
    opt = _options(session)
    lang = current_lang()
    layer = layers.get(opt["layer"])
    th = opt["thresholds"]
    made = clock.now()
    T = lambda key, **kw: vocab.text(key, lang, **kw)  # noqa: E731
    lines = [T("coverage.readme_title"), "",
             f"{T('coverage.readme_file')}: coverage_{opt['kind']}_{opt['layer']}.csv",
             f"{T('coverage.readme_made')}: {_jst(made)}", "",
             f"[{T('coverage.readme_settings')}]",
             f"{T('coverage.layer')}: {layer.name(lang)}",
             f"{T('coverage.kind')}: {kind_name(opt['kind'], lang)}",
             f"{T('served.choose')}: {_muni_label(session, opt['muni'], lang)}",
             f"{T('coverage.on')}: {(opt['on'] or clock.today()).isoformat()}",
             f"{vocab.label('coverage_csv_column', 'walking_radius_m', lang)}: {layer.walking_radius_m}",
             f"{T('coverage.min_places')}: {th['min_places']}",
             f"{T('coverage.min_share')}: {th['min_covered_share'] * 100:g}",
             f"{T('coverage.min_per_1000')}: {'—' if th['min_per_1000'] is None else format(th['min_per_1000'], 'g')}",
             T("coverage.readme_thresholds_note"), "",
             f"[{T('coverage.readme_sources')}]"]
    lines += [f"- {a}" for a in queries.attributions(session)]
    if queries.has_fictional(session):
        lines.append(f"- {T('fictional_notice')}")
    lines += ["", f"[{T('coverage.readme_columns')}]"]
    lines += [f"- {v}" for v in vocab.labels("coverage_csv_column", lang).values()]
    lines += ["", f"[{T('coverage.method')}]",
              T("coverage.method_text", target=vocab.label("target_population", layer.target_population, lang),
                radius=layer.walking_radius_m, min_places=th["min_places"], min_share=th["min_covered_share"] * 100,
                per_1000=T("coverage.method_per_1000", n=th["min_per_1000"]) if th["min_per_1000"] is not None else "")]
    body = "\ufeff" + "\r\n".join(lines) + "\r\n"
    name = f"coverage_{opt['kind']}_{opt['layer']}_README.txt"
    return Response(body.encode("utf-8"), mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _jst(moment: dt.datetime) -> str:
    return moment.astimezone(clock.JST).strftime("%Y-%m-%d %H:%M JST")


def _muni_label(session, muni: str | None, lang: str) -> str:
    if not muni:
        return vocab.text("served.all", lang)
    s = served.settings_for(session, muni)
    return f"{s.pref}{s.label} ({s.code})"


@bp.get("/coverage.geojson")
def coverage_geojson():
    session, opt, results = _export_results()
    lang = current_lang()
    geo = {f["id"]: f["geometry"] for f in queries.areas_geojson(session, opt["kind"])["features"]}
    feats = []
    for i, c in enumerate(results, start=1):
        feats.append({"type": "Feature", "id": c.area_id, "geometry": geo.get(c.area_id),
                      "properties": _export_record(i, c, lang)})
    doc = {"type": "FeatureCollection", "features": feats,
           "attribution": queries.attributions(session),
           "thresholds": opt["thresholds"], "layer": opt["layer"], "area_kind": opt["kind"]}
    name = f"coverage_{opt['kind']}_{opt['layer']}.geojson"
    return Response(json.dumps(doc, ensure_ascii=False), mimetype="application/geo+json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
