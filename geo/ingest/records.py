"""Plain records passed between readers (geo.ingest), the geocoder and the database writer.

Readers never touch the database: they turn a file into these records plus a list of
rejections, so a file can be judged whole before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Rejection:
    """A row that cannot be imported: a reason code with parameters, never a sentence.

    The words live in geo.vocab (`text(code, lang, **params)`); `reason` gives the Japanese
    text followed by the English one, as the CLI prints it."""
    line: int          # 1-based physical line number in the file (header = line 1); feature index for GIS files
    code: str          # e.g. "bad_coordinates"; see geo.vocab._INGEST
    params: dict[str, Any] = field(default_factory=dict)
    raw: str = ""      # the offending row as text, cut to 500 characters

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "params": self.params, "reason": self.reason, "raw": self.raw}


def reason_text(code: str, params: dict | None = None, lang: str | None = None) -> str:
    """The text of a reason code: one language, or (lang None) 'Japanese (English)'."""
    from geo.vocab import text

    params = params or {}
    if lang:
        return text(code, lang, **params)
    ja, en = text(code, "ja", **params), text(code, "en", **params)
    return ja if ja == en else f"{ja} ({en})"


@dataclass
class PlaceRecord:
    """One place as read from a file. Field names match geo.storage.models.Place columns."""
    line: int
    name: str
    source_id: str | None = None
    name_kana: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    municipality_code: str | None = None
    operator: str | None = None
    operator_type: str | None = None       # 住民団体 社協 NPO 社会福祉法人 企業 行政
    target_groups: list[str] = field(default_factory=list)  # こども 子育て世帯 高齢者 障害のある人 誰でも
    schedule_text: str | None = None       # original free text, always kept
    schedule: dict | None = None           # structured form from geo.places.schedule.parse_schedule
    fees: str | None = None
    free_of_charge: bool | None = None
    capacity: int | None = None
    reservation: str | None = None
    reservation_required: bool | None = None
    drop_in: bool | None = None
    has_consultation: bool | None = None
    barrier_free: bool | None = None
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    school_district: str | None = None     # 学区 cell as published (may list several, ';'-separated)
    note: str | None = None
    precision: str = "exact"               # exact / approximate / hidden
    extra: dict[str, Any] = field(default_factory=dict)  # any other published columns, kept verbatim
    registered: bool | None = None         # a registered activity (vs resident-run, unregistered)
    geocode_matched: str | None = None     # the town the point was placed in, when known before the import


@dataclass
class AreaRecord:
    kind: str                 # elementary junior_high daily_life_area district town_block municipality catchment
    code: str
    name: str
    geometry: Any             # shapely (Multi)Polygon in EPSG:4326
    municipality_code: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    line: int = 0             # feature index (1-based) in the source file


@dataclass
class PopulationRecord:
    area_code: str            # e-Stat KEY_CODE (town_block area code)
    year: int
    total: int | None = None
    age_0_14: int | None = None
    age_15_64: int | None = None
    age_65_over: int | None = None
    households: int | None = None
    line: int = 0


@dataclass
class ReadResult:
    records: list = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    format: str = ""          # e.g. "jp-standard-kodomo-shokudo", "takamatsu", "ksj-a27-v3"
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # source column -> field, as detected
