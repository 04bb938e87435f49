"""GeoAlchemy2 models. Shaped after Open Referral HSDS, for Japanese municipal data.

No person and no household is ever stored: places, areas, counts per area, datasets.

Privacy: `Place.point` is the true location and never leaves the database through any
output. Every output reads `Place.public_point`, which the database itself derives from
`point` and `precision` in one trigger (see the first migration and geo/places/privacy.py):
exact -> the point, approximate -> the centre of a ~500 m grid cell, hidden -> NULL.
"""
from __future__ import annotations

import datetime as dt

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

AREA_KINDS = ("elementary", "junior_high", "daily_life_area", "district", "town_block",
              "municipality", "catchment")
PRECISIONS = ("exact", "approximate", "hidden")
OPERATOR_TYPES = ("住民団体", "社協", "NPO", "社会福祉法人", "企業", "行政")
TARGET_GROUPS = ("こども", "子育て世帯", "高齢者", "障害のある人", "誰でも")
STATUSES = ("active", "paused", "closed")


class Base(DeclarativeBase):
    pass


class Dataset(Base):
    __tablename__ = "dataset"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # places / areas / population / gazetteer
    layer: Mapped[str | None] = mapped_column(String(40))
    area_kind: Mapped[str | None] = mapped_column(String(20))
    municipality_code: Mapped[str | None] = mapped_column(String(6))
    source_file: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(60))
    licence: Mapped[str | None] = mapped_column(Text)
    attribution: Mapped[str | None] = mapped_column(Text)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    runs: Mapped[list[ImportRun]] = relationship(back_populates="dataset")


class ImportRun(Base):
    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    file_name: Mapped[str] = mapped_column(Text)
    file_hash: Mapped[str | None] = mapped_column(String(64))
    format: Mapped[str | None] = mapped_column(String(60))
    encoding: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # applied / dry_run / failed
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    read: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict | None] = mapped_column(JSONB)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dataset: Mapped[Dataset | None] = relationship(back_populates="runs")
    rejections: Mapped[list[RejectedRow]] = relationship(back_populates="run", cascade="all, delete-orphan",
                                                         order_by="RejectedRow.line")


class RejectedRow(Base):
    __tablename__ = "rejected_row"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)            # 'Japanese (English)' as recorded; the only text of older runs
    raw: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(60))  # reason code (geo.vocab), with its parameters
    params: Mapped[dict | None] = mapped_column(JSONB)
    run: Mapped[ImportRun] = relationship(back_populates="rejections")


class Place(Base):
    __tablename__ = "place"
    __table_args__ = (UniqueConstraint("dataset_id", "source_id", name="uq_place_dataset_source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    layer: Mapped[str] = mapped_column(String(40), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_kana: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    address_key: Mapped[str | None] = mapped_column(Text)  # normalised address, part of the fallback key
    # True location: internal only (coverage analysis). Never serialised.
    point = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    precision: Mapped[str] = mapped_column(String(12), default="exact", server_default="exact")
    # Derived by the database trigger from point + precision; the only location any output uses.
    public_point = mapped_column(Geometry("POINT", srid=4326, spatial_index=True), nullable=True)
    municipality_code: Mapped[str | None] = mapped_column(String(6), index=True)
    operator: Mapped[str | None] = mapped_column(Text)
    operator_type: Mapped[str | None] = mapped_column(String(20))
    target_groups: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    schedule: Mapped[dict | None] = mapped_column(JSONB)
    schedule_text: Mapped[str | None] = mapped_column(Text)
    fees: Mapped[str | None] = mapped_column(Text)
    free_of_charge: Mapped[bool | None] = mapped_column(Boolean)
    capacity: Mapped[int | None] = mapped_column(Integer)
    reservation: Mapped[str | None] = mapped_column(Text)
    reservation_required: Mapped[bool | None] = mapped_column(Boolean)
    drop_in: Mapped[bool | None] = mapped_column(Boolean)
    has_consultation: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    barrier_free: Mapped[bool | None] = mapped_column(Boolean)
    phone: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    registered: Mapped[bool | None] = mapped_column(Boolean)  # registered vs resident-run, unregistered
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    fictional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    note: Mapped[str | None] = mapped_column(Text)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[str | None] = mapped_column(Text)
    source_row: Mapped[int | None] = mapped_column(Integer)
    geocode_level: Mapped[str | None] = mapped_column(String(10))  # 街区 / 町丁目 / 大字 / 市区町村
    geocode_matched: Mapped[str | None] = mapped_column(Text)
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default="false")
    extra: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                    onupdate=func.now())
    # 最終確認日: set by an edit, a 「変更なしを確認」 click or an unchanged re-import (geo/editing).
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # Bumped by the database (trigger place_version) on every change to a tracked column: the ETag.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    dataset: Mapped[Dataset | None] = relationship()


class Area(Base):
    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("kind", "code", name="uq_area_kind_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    municipality_code: Mapped[str | None] = mapped_column(String(6), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="SET NULL"))
    # For kind='catchment': the support branch responsible for this area.
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    properties: Mapped[dict | None] = mapped_column(JSONB)
    parent: Mapped[Area | None] = relationship(remote_side="Area.id")
    place: Mapped[Place | None] = relationship()


class Population(Base):
    """Counts of people per area (never individuals): total and age bands where known."""
    __tablename__ = "population"
    __table_args__ = (UniqueConstraint("area_id", "year", name="uq_population_area_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    total: Mapped[int | None] = mapped_column(Integer)
    age_0_14: Mapped[int | None] = mapped_column(Integer)
    age_15_64: Mapped[int | None] = mapped_column(Integer)
    age_65_over: Mapped[int | None] = mapped_column(Integer)
    households: Mapped[int | None] = mapped_column(Integer)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    area: Mapped[Area] = relationship()


class GazetteerEntry(Base):
    """Offline geocoding: 位置参照情報 / Geolonia points at 街区, 町丁目, 大字 or 市区町村 level."""
    __tablename__ = "gazetteer_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    pref: Mapped[str | None] = mapped_column(Text)
    city: Mapped[str | None] = mapped_column(Text)
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    town: Mapped[str | None] = mapped_column(Text)
    chome: Mapped[int | None] = mapped_column(Integer)
    block: Mapped[str | None] = mapped_column(Text)
    koaza: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)


# --------------------------------------------------------------------------- accounts and history
# (migration 0003; logic in geo/accounts and geo/editing)
ROLES = ("admin", "coordinator", "viewer")
SUBMISSION_KINDS = ("new", "correction", "closed")
SUBMISSION_STATES = ("open", "approved", "rejected")


class User(Base):
    """A login: an email and a display name, no other personal data."""
    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(Text, unique=True)           # stored lower-case
    display_name: Mapped[str] = mapped_column(Text)
    password_hash: Mapped[str] = mapped_column(Text)                # argon2id (argon2-cffi)
    role: Mapped[str] = mapped_column(String(12))
    municipalities: Mapped[list[str]] = mapped_column(ARRAY(Text), default=list, server_default="{}")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    # bumped when the password changes or the account is disabled: every older session ends
    auth_epoch: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginAttempt(Base):
    """Failed logins, for the 5-in-15-minutes throttle. The client address is kept only as a keyed
    hash and rows older than a day are deleted."""
    __tablename__ = "login_attempt"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(Text, index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)


class Submission(Base):
    """A resident's report: a new place, a correction or a closure. Nothing is public until a
    coordinator approves it. `contact` is optional and erased when the report is closed."""
    __tablename__ = "submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"), index=True)
    municipality_code: Mapped[str | None] = mapped_column(String(6), index=True)
    payload: Mapped[dict] = mapped_column(JSONB)
    message: Mapped[str | None] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(Text)
    client: Mapped[str | None] = mapped_column(String(64), index=True)   # keyed hash, for the rate limit
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    result_place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"))


class PlaceChange(Base):
    """One change to a place: when, who (a user, an import run, an approved report) and each field's
    old and new value ({field: [old, new]}). Written by the database trigger place_history for every
    writer, so nothing escapes it; the actor comes from transaction settings (geo/editing/history.py)."""
    __tablename__ = "place_change"
    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    action: Mapped[str] = mapped_column(String(12))   # created / updated / closed / reopened / reverted / confirmed
    changes: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_run.id", ondelete="SET NULL"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id", ondelete="SET NULL"))
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("place_change.id", ondelete="SET NULL"))
    via: Mapped[str | None] = mapped_column(String(12))   # form / api / import / report / migration / sql
    txid: Mapped[int | None] = mapped_column(BigInteger, index=True)
    user: Mapped[User | None] = relationship()
