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

from flask import Blueprint, Response, render_template, request, url_for
from sqlalchemy import select

import layers
from geo.analysis import coverage as cov
from geo.places import queries
from geo.ingest.text import neutralise_formula
from geo.storage.models import Area
from geo.places.privacy import public_feature
from geo.places.schedule import WEEKDAYS_EN, WEEKDAYS_JA, format_date_ja
from web import db_session, maps, params
from web.i18n import current_lang
from geo import clock
from web.params import BadParameter

bp = Blueprint("coverage", __name__)

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("空白地域・カバー状況", "Coverage gaps"),
    "intro": ("区域ごとに、場所の数、対象人口1,000人あたりの数、歩いて行ける範囲に住む人の割合、開いている曜日・時間帯を示します。計算方法は下の「計算方法」にあります。",
              "Per area: places inside, places per 1,000 of the target population, the share of people within walking distance, and when places are open. The method is described below."),
    "layer": ("種類", "Layer"), "kind": ("区域の種類", "Area kind"), "muni": ("市区町村コード", "Municipality code"),
    "on": ("基準日", "As of"), "all": ("すべて", "All"), "show": ("表示", "Show"),
    "thresholds": ("判定の基準（しきい値）", "Thresholds"),
    "min_places": ("充足に必要な場所の数（以上）", "Places needed for covered (at least)"),
    "min_share": ("充足に必要な徒歩圏の割合（%以上）", "Share within walking radius for covered (% at least)"),
    "min_per_1000": ("充足に必要な1,000人あたりの数（以上・空欄で標準）", "Places per 1,000 for covered (blank = default)"),
    "apply": ("再計算", "Recalculate"), "reset": ("標準に戻す", "Reset to defaults"),
    "legend": ("凡例", "Legend"), "ranked": ("カバーの弱い順", "Least covered first"),
    "rank": ("順位", "Rank"), "area": ("区域", "Area"), "class": ("判定", "Class"), "places": ("場所数", "Places"),
    "target_pop": ("対象人口", "Target population"), "per_1000": ("1,000人あたり", "Per 1,000"),
    "covered_share": ("徒歩圏の割合", "Within walking radius"), "covered_pop": ("徒歩圏の人口", "People within reach"),
    "total_pop": ("総人口", "Total population"), "open": ("開いている時間帯", "Open bands"),
    "why": ("理由・注記", "Why / notes"), "groups": ("対象者別の場所数", "Places by target group"),
    "bands": ("曜日・時間帯ごとに開いている場所があるか", "Is some place open, by weekday and time of day"),
    "export": ("ダウンロード", "Download"), "csv": ("CSV（Excel用）", "CSV (for Excel)"),
    "geojson": ("GeoJSON（地図データ）", "GeoJSON (map data)"),
    "method": ("計算方法", "Method"),
    "candidates": ("新しい場所の候補地", "Candidate sites"),
    "cand_intro": ("候補地（既存の施設の一覧、または地図をクリックした地点）から、まだ歩いて行ける範囲に場所がない人を最も多く新たにカバーする k か所を順に選びます。",
                   "From candidate sites (places of a layer, or points clicked on the map), pick k sites one by one, each newly reaching the most people who have no place within walking distance yet."),
    "cand_layer": ("候補地の一覧", "Candidates from layer"), "none_option": ("使わない", "None"),
    "points": ("地図でクリックした地点（1行に「緯度,経度」）", "Points clicked on the map (one 'lat,lon' per line)"),
    "k": ("選ぶ数 k", "Number of sites k"), "suggest": ("候補地を提案", "Suggest sites"),
    "clear_points": ("地点を消す", "Clear points"),
    "chosen": ("提案された候補地", "Suggested sites"), "gain": ("新たにカバーする人数", "Newly reached"),
    "before": ("前", "Before"), "after": ("後", "After"), "total_reach": ("全体の徒歩圏の割合", "Overall share within reach"),
    "changed": ("変わる区域", "Areas that change"), "no_choice": ("新たにカバーできる候補地はありませんでした。", "No candidate reaches anyone new."),
    "no_areas": ("この種類の区域が登録されていません。", "No areas of this kind are loaded."),
    "basis_area": ("人口が未登録のため面積の割合です", "No population loaded: share of land area"),
    "basis_total": ("全人口での割合（年齢別人口が未登録）", "Share of everyone (age bands not loaded)"),
    "public_loc_note": ("地図の場所の位置は公開用の位置です（非公開の場所は表示しません）。集計には各場所の登録位置を使います。",
                        "Place markers show public locations only (hidden places are not drawn); counts use each place's registered location."),
    "click_hint": ("地図をクリックすると候補地点を追加できます。", "Click the map to add candidate points."),
    "yes": ("あり", "yes"), "no": ("なし", "none"), "unknown_time": ("時間不明", "time unknown"),
    "unscheduled": ("日程が構造化されていない場所", "places without a structured schedule"),
    "error": ("入力を確認してください", "Please check the input"),
    "map_label": ("区域ごとの判定の地図", "Map of classes per area"),
    "m2": ("㎡", "m²"), "people": ("人", "people"),
}
KLASS_DESC = {
    "空白": ("空白：区域内に場所がない", "None: no place inside"),
    "手薄": ("手薄：場所はあるが基準に届かない", "Thin: places, but below the thresholds"),
    "充足": ("充足：基準を満たす", "Covered: meets the thresholds"),
}
KLASS_SYMBOL = {"空白": "✕", "手薄": "△", "充足": "○"}
BAND_JA = {"morning": "午前", "afternoon": "午後", "evening": "夜"}
BAND_EN = {"morning": "am", "afternoon": "pm", "evening": "eve"}
KIND_NAMES = {"town_block": ("町丁・字", "Town blocks"), "catchment": ("担当圏域", "Catchments"),
              "daily_life_area": ("日常生活圏域", "Daily-life areas"), "district": ("地区", "Districts"),
              "municipality": ("市区町村", "Municipalities")}
GROUP_EN = {"こども": "Children", "子育て世帯": "Families", "高齢者": "Older people",
            "障害のある人": "People with disabilities", "誰でも": "Everyone"}


def tx(key: str) -> str:
    ja, en = TEXTS[key]
    return en if current_lang() == "en" else ja


def kind_name(kind: str, lang: str) -> str:
    try:
        layer = layers.get(kind)
        return layer.name(lang)
    except KeyError:
        ja, en = KIND_NAMES.get(kind, (kind, kind))
        return en if lang == "en" else ja


def _kinds(session) -> list[str]:
    return list(session.scalars(select(Area.kind).distinct().order_by(Area.kind)))


def _options(session, args=None) -> dict:
    """The request's coverage options, typed (raises web.params.BadParameter)."""
    place_ids = [l.id for l in layers.place_layers()]
    kinds = _kinds(session)
    layer_id = params.choice("layer", place_ids, "kodomo_shokudo" if "kodomo_shokudo" in place_ids else place_ids[0],
                             args, label=("種類", "layer"))
    default_kind = "elementary" if "elementary" in kinds or not kinds else kinds[0]
    kind = params.choice("kind", kinds, default_kind, args, label=("区域の種類", "area kind")) if kinds else default_kind
    share = params.number("min_share", 0, 100, None, args, label=("徒歩圏の割合", "share"))
    given = {
        "min_places": params.int_in_range("min_places", 1, 10_000, None, args, label=("場所数", "places")),
        "min_covered_share": None if share is None else share / 100,
        "min_per_1000": params.number("min_per_1000", 0, 1_000_000, None, args, label=("1,000人あたり", "per 1,000")),
    }
    th = cov.normalise_thresholds(layer_id, {k: v for k, v in given.items() if v is not None})
    return {"layer": layer_id, "kind": kind, "muni": params.municipality("muni", args),
            "on": params.date("on", None, args, label=("基準日", "date")), "thresholds": th, "kinds": kinds}


def _compute(session, opt):
    return cov.compute_coverage(session, opt["kind"], opt["layer"], on_date=opt["on"],
                                municipality_code=opt["muni"], thresholds=opt["thresholds"])


def bands_text(c: cov.AreaCoverage, lang: str) -> list[tuple[str, str]]:
    """Per weekday: (weekday label, open bands text)."""
    names = WEEKDAYS_EN if lang == "en" else WEEKDAYS_JA
    bandnames = BAND_EN if lang == "en" else BAND_JA
    out = []
    for wd in range(7):
        open_ = [bandnames[b] for b in cov.BANDS if (wd, b) in c.open_bands]
        if not open_ and wd in c.unknown_time_weekdays:
            open_ = [tx("unknown_time")]
        out.append((names[wd], "・".join(open_) if open_ else "—"))
    return out


def missing_text(c: cov.AreaCoverage, lang: str) -> str:
    names = WEEKDAYS_EN if lang == "en" else WEEKDAYS_JA
    bandnames = BAND_EN if lang == "en" else BAND_JA
    parts = []
    for wd in range(7):
        miss = [b for (w, b) in c.missing_bands if w == wd]
        if miss:
            parts.append(f"{names[wd]}({'・'.join(bandnames[b] for b in miss)})")
    return " ".join(parts)


def _rows(results: list[cov.AreaCoverage], lang: str) -> list[dict]:
    ranked = sorted(results, key=cov.rank_key)
    rows = []
    for i, c in enumerate(ranked, start=1):
        rows.append({"rank": i, "c": c, "bands": bands_text(c, lang), "missing": missing_text(c, lang),
                     "reasons": c.reasons_en if lang == "en" else c.reasons,
                     "note": c.per_1000_note_en if lang == "en" else c.per_1000_note,
                     "open_count": len(c.open_bands)})
    return rows


@bp.get("/coverage")
def coverage_page():
    session = db_session()
    lang = current_lang()
    error = None
    try:
        opt = _options(session)
    except BadParameter as exc:
        error = exc.message(lang)
        opt = _options(session, {})  # show the defaults with the message
    layer = layers.get(opt["layer"])
    results = _compute(session, opt) if opt["kinds"] else []
    rows = _rows(results, lang)

    suggestion = None
    points_text = request.args.get("points", "")
    cand_layer = request.args.get("cand_layer") or ""
    k = request.args.get("k") or "3"
    if request.args.get("suggest") and error is None:
        try:
            cand_layer = params.choice("cand_layer", [l.id for l in layers.place_layers()], "",
                                       label=("候補地の一覧", "candidate layer"))
            k_int = params.int_in_range("k", 1, 50, 3)
            points = params.points("points", 200, label=("地点", "points"))
            if not cand_layer and not points:
                raise BadParameter("param_candidates")
            suggestion = cov.suggest_sites(session, opt["kind"], opt["layer"], candidate_layer=cand_layer or None,
                                           points=points, k=k_int, on_date=opt["on"], municipality_code=opt["muni"],
                                           thresholds=opt["thresholds"])
        except BadParameter as exc:
            error = exc.message(lang)

    by_id = {c.area_id: c for c in results}
    areas = queries.areas_geojson(session, opt["kind"], simplify_deg=0.00005) if opt["kinds"] else \
        {"type": "FeatureCollection", "features": []}
    features = []
    rank_of = {r["c"].area_id: r["rank"] for r in rows}
    for f in areas["features"]:
        c = by_id.get(f["id"])
        if c is None:
            continue
        f["properties"].update({"klass": c.klass, "klass_en": c.klass_en, "places": c.places,
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
    chosen_points = [{"lat": c.lat, "lon": c.lon, "name": f"{c.order}. {c.label}"}
                     for c in (suggestion.chosen if suggestion else []) if c.lat is not None]
    map_data = maps.map_config(
        lang, bounds=_bounds(features), areas={"type": "FeatureCollection", "features": features},
        places=place_points, chosen=chosen_points, layer=opt["layer"], walking_radius_m=layer.walking_radius_m,
        labels={k: (cov.KLASS_EN[k].capitalize() if lang == "en" else k) for k in KLASS_DESC})
    counts = cov.summary(results)
    cols, matrix = cov.target_group_matrix(sorted(results, key=cov.rank_key))
    export_args = {k: v for k, v in request.args.items()
                   if k in ("layer", "kind", "muni", "on", "min_places", "min_share", "min_per_1000", "lang")}
    export_args.setdefault("layer", opt["layer"])
    export_args.setdefault("kind", opt["kind"])
    return render_template(
        "coverage.html", tx=tx, opt=opt, layer=layer, rows=rows, counts=counts, error=error,
        place_layers=layers.place_layers(), kind_name=kind_name, map_data=map_data,
        klass_desc={k: (v[1] if lang == "en" else v[0]) for k, v in KLASS_DESC.items()},
        klass_symbol=KLASS_SYMBOL, group_cols=cols, group_matrix=matrix,
        group_label=(lambda g: GROUP_EN.get(g, g)) if lang == "en" else (lambda g: g),
        suggestion=suggestion, points_text=points_text, cand_layer=cand_layer, k=k,
        on_label=_date_label(opt["on"] or clock.today(), lang),
        csv_url=url_for("coverage.coverage_csv", **export_args),
        geojson_url=url_for("coverage.coverage_geojson", **export_args),
        target_label=cov.TARGET_LABEL[layer.target_population][1 if lang == "en" else 0],
        attributions=queries.attributions(session), fictional=queries.has_fictional(session),
        weekday_names=WEEKDAYS_EN if lang == "en" else list(WEEKDAYS_JA),
    ), (400 if error and not request.args.get("suggest") else 200)


def _date_label(day: dt.date, lang: str) -> str:
    if lang == "en":
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {day:%b} {day.year}"
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
CSV_HEADER = [
    ("rank", "順位"), ("code", "区域コード"), ("name", "区域名"), ("kind", "区域の種類"), ("layer", "種類"),
    ("class", "判定"), ("class_en", "判定(英)"), ("places", "場所数"), ("target_population_kind", "対象人口の区分"),
    ("target_population", "対象人口"), ("per_1000", "1000人あたり場所数"), ("per_1000_note", "1000人あたりの注記"),
    ("covered_population", "徒歩圏の人口"), ("covered_share_pct", "徒歩圏の割合(%)"), ("share_basis", "割合の基準"),
    ("walking_radius_m", "徒歩圏の半径(m)"), ("total_population", "総人口"), ("population_65_over", "65歳以上人口"),
    ("population_0_14", "0-14歳人口"), ("open_bands", "開いている曜日・時間帯の数(21中)"),
    ("missing_bands", "開いている場所がない曜日・時間帯"), ("reasons", "判定の理由"),
]


def _export_record(rank: int, c: cov.AreaCoverage, lang: str) -> dict:
    return {
        "rank": rank, "code": c.code, "name": c.name, "kind": c.kind, "layer": c.layer_id, "class": c.klass,
        "class_en": c.klass_en, "places": c.places, "target_population_kind": c.target_population_kind,
        "target_population": c.target_population, "per_1000": c.per_1000,
        "per_1000_note": c.per_1000_note_en if lang == "en" else c.per_1000_note,
        "covered_population": c.covered_population,
        "covered_share_pct": None if c.covered_share is None else round(c.covered_share * 100, 1),
        "share_basis": c.share_basis, "walking_radius_m": c.walking_radius_m,
        "total_population": c.total_population, "population_65_over": c.population_65_over,
        "population_0_14": c.population_0_14, "open_bands": len(c.open_bands),
        "missing_bands": missing_text(c, lang),
        "reasons": " / ".join(c.reasons_en if lang == "en" else c.reasons),
    }


def _export_results():
    session = db_session()
    opt = _options(session)
    results = sorted(_compute(session, opt), key=cov.rank_key)
    return session, opt, results


@bp.get("/coverage.csv")
def coverage_csv():
    session, opt, results = _export_results()
    lang = current_lang()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([f"{ja} ({en})" for en, ja in CSV_HEADER])
    for i, c in enumerate(results, start=1):
        rec = _export_record(i, c, lang)
        w.writerow([neutralise_formula(v) if isinstance(v, str) else ("" if v is None else v)
                    for v in (rec[k] for k, _ in CSV_HEADER)])
    w.writerow([])
    for a in queries.attributions(session):
        w.writerow([neutralise_formula("出典 (source)"), neutralise_formula(a)])
    body = "\ufeff" + buf.getvalue()
    name = f"coverage_{opt['kind']}_{opt['layer']}.csv"
    return Response(body.encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


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
