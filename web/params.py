"""Typed request parameters: every view reads its query string through these parsers.

Each parser takes the argument mapping (``request.args`` unless given) and a parameter name,
returns a typed value (or the default when the parameter is absent or empty) and raises
`BadParameter(code, **params)` for bad input. The one handler in `web.create_app` turns
BadParameter into a 400 whose message is ``geo.vocab.text(code, lang, **params)`` (JSON for
/api and *.json, a short page otherwise); anything else that escapes a view is a bug: a
logged 500. A parameter's ``label`` is shown instead of its name, as ``(ja, en)``.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from typing import Any, Iterable, Mapping

from flask import request

from geo import vocab

Label = str | tuple[str, str]
_TRUE, _FALSE = {"1", "true", "on", "yes"}, {"0", "false", "off", "no", ""}
MAX_VALUE_SHOWN = 30


class BadParameter(Exception):
    """Bad input from the request: a message code and its parameters (values may be (ja, en))."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params

    def message(self, lang: str | None) -> str:
        i = 1 if lang == "en" else 0
        return vocab.text(self.code, lang, **{k: (v[i] if isinstance(v, tuple) and not isinstance(v, vocab.Term) else v)
                                              for k, v in self.params.items()})


def _args(args: Mapping[str, str] | None) -> Mapping[str, str]:
    return request.args if args is None else args


def _raw(args, name: str) -> str | None:
    value = _args(args).get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _shown(value: str) -> str:
    return value[:MAX_VALUE_SHOWN]


def required(value, name: Label):
    """The parsed value, or BadParameter when the parameter was not given."""
    if value is None:
        raise BadParameter("param_missing", name=name)
    return value


def number(name: str, lo: float, hi: float, default: float | None = None, args=None,
           label: Label | None = None) -> float | None:
    raw = _raw(args, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter("param_number", name=label or name) from None
    if not math.isfinite(value) or not lo <= value <= hi:
        raise BadParameter("param_range", name=label or name, lo=lo, hi=hi)
    return value


def int_in_range(name: str, lo: int, hi: int, default: int | None = None, args=None,
                 label: Label | None = None) -> int | None:
    raw = _raw(args, name)
    if raw is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,9}", raw) or not lo <= int(raw) <= hi:
        raise BadParameter("param_integer", name=label or name, lo=lo, hi=hi)
    return int(raw)


def latlon(name: str, args=None) -> tuple[float, float] | None:
    """'lat,lon' in degrees."""
    raw = _raw(args, name)
    if raw is None:
        return None
    try:
        lat, lon = (float(p) for p in raw.split(","))
    except ValueError:
        raise BadParameter("param_latlon", name=name) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise BadParameter("param_latlon", name=name)
    return lat, lon


def bbox(name: str = "bbox", args=None):
    """'west,south,east,north' in degrees -> geo.places.queries.BBox."""
    from geo.places.queries import BBox

    raw = _raw(args, name)
    if raw is None:
        return None
    try:
        w, s, e, n = (float(p) for p in raw.split(","))
    except ValueError:
        raise BadParameter("param_bbox", name=name) from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise BadParameter("param_bbox", name=name)
    return BBox(w, s, e, n)


def choice(name: str, allowed: Iterable[str], default: str | None = None, args=None,
           label: Label | None = None, vocab_name: str | None = None) -> str | None:
    """One of `allowed`; with `vocab_name` the message names the allowed codes by their labels."""
    raw = _raw(args, name)
    if raw is None:
        return default
    allowed = list(allowed)
    if raw not in allowed:
        said = vocab.Term(vocab_name, tuple(allowed)) if vocab_name else ", ".join(allowed)
        raise BadParameter("param_choice", name=label or name, value=_shown(raw), allowed=said)
    return raw


def choices(name: str, allowed: Iterable[str], args=None, label: Label | None = None) -> tuple[str, ...]:
    """A comma-separated list, each one of `allowed`; duplicates dropped, order kept."""
    raw = _raw(args, name)
    if raw is None:
        return ()
    allowed = list(allowed)
    wanted = tuple(dict.fromkeys(x.strip() for x in raw.split(",") if x.strip()))
    for x in wanted:
        if x not in allowed:
            raise BadParameter("param_choice", name=label or name, value=_shown(x), allowed=", ".join(allowed))
    return wanted


def date(name: str, default: dt.date | None = None, args=None, label: Label | None = None) -> dt.date | None:
    """YYYY-MM-DD."""
    raw = _raw(args, name)
    if raw is None:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter("param_date", name=label or name) from None


def flag(name: str, args=None) -> bool:
    """1/true/on/yes or 0/false/off/no (absent = false)."""
    raw = (_raw(args, name) or "").lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise BadParameter("param_flag", name=name)


def weekday(name: str, args=None) -> int | None:
    """0 (Monday) .. 6, or a day's short name: mon, 月."""
    from geo.places.schedule import WEEKDAYS_EN, WEEKDAYS_JA

    raw = (_raw(args, name) or "").lower()
    if not raw:
        return None
    if raw.isdigit() and len(raw) == 1 and int(raw) <= 6:
        return int(raw)
    for i, (en, ja) in enumerate(zip(WEEKDAYS_EN, WEEKDAYS_JA)):
        if raw in (en.lower(), en.lower()[:3], ja):
            return i
    raise BadParameter("param_weekday", name=name)


def municipality(name: str, args=None) -> str | None:
    """A 5-digit (or 6-digit, with the check digit) 全国地方公共団体コード."""
    raw = _raw(args, name)
    if raw is not None and not (raw.isdigit() and len(raw) in (5, 6)):
        raise BadParameter("param_municipality", name=name)
    return raw


def text(name: str, max_chars: int, args=None) -> str | None:
    """Free text, NFKC-normalised, runs of spaces collapsed; too long is bad input."""
    raw = _args(args).get(name)
    if raw is None:
        return None
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", raw)).strip()
    if len(value) > max_chars:
        raise BadParameter("param_too_long", name=name, max=max_chars)
    return value


def query(name: str = "q", args=None) -> str | None:
    """What a resident typed to search from (an address or a place name): not empty."""
    from geo.places.search import MAX_QUERY_CHARS

    value = text(name, MAX_QUERY_CHARS, args)
    if value is not None and not value:
        raise BadParameter("param_query_empty")
    return value


def area_spec(name: str = "area", args=None) -> int | tuple[str, str] | None:
    """An area by id ('12') or by kind and code ('elementary:29209-03')."""
    from geo.storage.models import AREA_KINDS

    raw = _raw(args, name)
    if raw is None:
        return None
    if raw.isdigit() and len(raw) < 10:
        return int(raw)
    kind, sep, code = raw.partition(":")
    if sep and kind in AREA_KINDS and code.strip() and len(code) <= 100:
        return kind, code.strip()
    raise BadParameter("param_area", name=name, kinds=", ".join(AREA_KINDS))


def points(name: str, max_points: int = 200, args=None, label: Label | None = None) -> list[tuple[float, float]]:
    """Points one per line (or separated by ';'), each 'lat,lon' (、 accepted for the comma)."""
    out: list[tuple[float, float]] = []
    for n, line in enumerate((_args(args).get(name) or "").replace(";", "\n").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        parts = [p.strip() for p in line.replace("、", ",").split(",")]
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            raise BadParameter("param_point_line", line=n) from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise BadParameter("param_point_line", line=n)
        out.append((lat, lon))
    if len(out) > max_points:
        raise BadParameter("param_too_many", name=label or name, max=max_points)
    return out


# ---------------------------------------------------------------- composite parameters


def filters(args=None, today: dt.date | None = None):
    """What a resident narrows the search by: layer=a,b day=0..6|mon|月|weekdays|平日|weekend|土日
    date=YYYY-MM-DD|today|tomorrow|sat|sun time=morning|afternoon|evening target=こども|... free=1
    no_reservation=1 consultation=1 -> geo.places.search.Filters. Named dates are resolved against
    Japan's today (geo.clock) unless `today` is given."""
    import layers
    from geo.places.search import DATE_CHOICES, Filters, resolve_date
    from geo.vocab import BAND_CODES as BANDS
    from geo.storage.models import TARGET_GROUPS

    if not any(name in _args(args) for name in FILTER_PARAMS):
        return Filters()   # the commonest request (a nearby list, a map view) narrows nothing
    day, days = _raw(args, "day"), None
    group = _DAY_GROUP_WORDS.get((day or "").lower())
    if group:
        days = group
    on_raw, on, on_choice = _raw(args, "date"), None, None
    if on_raw is not None and on_raw.lower() in DATE_CHOICES:
        on_choice = on_raw.lower()
        on = resolve_date(on_choice, today)
    else:
        on = date("date", None, args)
    return Filters(layers=choices("layer", [l.id for l in layers.place_layers()], args),
                   weekday=None if group else weekday("day", args), days=days, on=on, on_choice=on_choice,
                   band=choice("time", BANDS, args=args, label=("時間帯", "time of day"), vocab_name="time_band"),
                   target=choice("target", TARGET_GROUPS, args=args, label=("対象", "target group"),
                                 vocab_name="target_group"),
                   free=flag("free", args),
                   no_reservation=flag("no_reservation", args), consultation=flag("consultation", args))


FILTER_PARAMS = ("layer", "day", "date", "time", "target", "free", "no_reservation", "consultation")
_DAY_GROUP_WORDS = {"weekdays": "weekdays", "平日": "weekdays", "weekend": "weekend", "土日": "weekend"}


EXPORT_AREA_KINDS = ("elementary", "junior_high", "daily_life_area", "district", "town_block", "municipality")


def export_view(args=None, today: dt.date | None = None):
    """The meeting permalink (shared by the page, its JSON and every export) ->
    geo.render.exports.ExportView: kind, area, layers, on, then, wd, band, cov, consult, title, lang."""
    from geo import clock
    from geo.analysis import meeting
    from geo.render.exports import ExportView

    known = meeting.place_layer_ids()
    cov = _raw(args, "cov")
    if cov == "none":
        cov = ""   # no coverage shading
    elif cov is not None:
        cov = choice("cov", known, args=args)
    lang = _raw(args, "lang")
    return ExportView(kind=choice("kind", EXPORT_AREA_KINDS, "elementary", args),
                      area_code=_raw(args, "area"), layers=list(choices("layers", known, args)),
                      on_date=date("on", today or clock.today(), args), then_date=date("then", None, args),
                      lang=lang if lang in ("ja", "en") else "ja",
                      weekday=int_in_range("wd", 0, 6, None, args), band=choice("band", meeting.BAND_NAMES, args=args),
                      consultation=_raw(args, "consult") == "1", coverage_layer=cov,
                      title=(_raw(args, "title") or "")[:80] or None,
                      municipality=municipality_in_path(args))


def municipality_in_path(args=None) -> str | None:
    """The municipality of a per-municipality URL (/m/<code>/...) or of ?muni=, as 5 digits."""
    from flask import request

    raw = (request.view_args or {}).get("muni") if args is None else None
    if raw is not None and not (raw.isdigit() and len(raw) in (5, 6)):
        raise BadParameter("param_municipality", name="muni")
    code = raw or municipality("muni", args)
    return code[:5] if code else None
