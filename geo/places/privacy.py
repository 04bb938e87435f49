"""The precision rule, in one place.

The database derives `place.public_point` from the true `point` and `precision` (trigger
`tsunagari_public_point`, first migration):

- exact:        public_point = point
- approximate:  public_point = centre of a 0.006° x 0.005° grid cell (~550 m), stable
- hidden:       public_point = NULL (the place is listed by its area, never on the map)

Every output — pages, API, tiles, exports — builds place data through `public_place()`,
which only ever reads the public point. `Place.point` is for internal aggregates only.
"""
from __future__ import annotations

from typing import Any

from geoalchemy2.shape import to_shape

from geo.vocab import label

# Columns a resident may see. Nothing else is copied out of a Place row.
PUBLIC_FIELDS = (
    "id", "layer", "name", "name_kana", "operator", "operator_type", "target_groups",
    "schedule_text", "schedule", "fees", "free_of_charge", "capacity", "reservation",
    "reservation_required", "drop_in", "has_consultation", "barrier_free", "phone", "email",
    "url", "status", "valid_from", "valid_to", "fictional", "precision", "municipality_code",
    "confirmed_at",
)



def public_address(place) -> str | None:
    """Exact address only for exact places; otherwise only up to the town (町丁目) name."""
    if place.precision == "exact":
        return place.address
    if place.geocode_matched:
        return place.geocode_matched
    return None


def public_columns():
    """The columns a lean query (a hot path that loads rows, not Place objects) selects so that
    `public_place(row)` works on the row: the public fields, what `public_address` needs, and the
    public point's coordinates (public_lat/public_lon, from public_point only)."""
    from sqlalchemy import func

    from geo.storage.models import Place
    return ([getattr(Place, name) for name in PUBLIC_FIELDS]
            + [Place.address, Place.geocode_matched,
               func.ST_Y(Place.public_point).label("public_lat"), func.ST_X(Place.public_point).label("public_lon")])


def public_location(place) -> tuple[float, float] | None:
    """(lat, lon) safe to show, or None. Reads only public_point (or, on a lean row from
    `public_columns()`, the coordinates the database took from public_point)."""
    lat = getattr(place, "public_lat", _NO_COLUMN)
    if lat is not _NO_COLUMN:
        return None if lat is None else (round(lat, 6), round(place.public_lon, 6))
    if place.public_point is None:
        return None
    pt = to_shape(place.public_point)
    return (round(pt.y, 6), round(pt.x, 6))


_NO_COLUMN = object()


def _fields(place, names) -> dict[str, Any]:
    """The named attributes of a place, dates as ISO text."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(place, name)
        out[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return out


def public_place(place, lang: str = "ja", **extra: Any) -> dict[str, Any]:
    out = _fields(place, PUBLIC_FIELDS)
    out["address"] = public_address(place)
    loc = public_location(place)
    out["lat"], out["lon"] = (loc if loc else (None, None))
    out["precision_label"] = label("precision", place.precision, lang)
    out.update(extra)
    return out


def public_feature(place, lang: str = "ja", **extra: Any) -> dict[str, Any]:
    """A GeoJSON Feature whose geometry is the public point (or null when hidden)."""
    props = public_place(place, lang, **extra)
    geometry = None
    if props["lat"] is not None:
        geometry = {"type": "Point", "coordinates": [props["lon"], props["lat"]]}
    return {"type": "Feature", "id": place.id, "geometry": geometry, "properties": props}


# --------------------------------------------------------------------------- coordinators
# The same rule for the signed-in pages (geo/accounts/scope.py): the exact point and address of
# a private place go only to a coordinator of its municipality (or an admin). Everyone else —
# viewers, coordinators of other municipalities, the public — gets the public location above.
EDITOR_FIELDS = (
    "id", "layer", "name", "name_kana", "precision", "schedule_text", "target_groups", "fees",
    "free_of_charge", "capacity", "reservation", "reservation_required", "drop_in", "has_consultation",
    "barrier_free", "phone", "email", "url", "operator", "operator_type", "status", "valid_from",
    "valid_to", "municipality_code", "geocode_level", "geocode_matched", "needs_review", "fictional",
    "version",
)
# history fields that carry the location: masked for whoever may not see the exact place
_LOCATION_FIELDS = ("point", "address", "address_key", "geocode_matched", "geocode_level")


def sees_exact(scope, place) -> bool:
    return bool(scope is not None and scope.sees_exact(place.municipality_code))


def editor_place(place, scope) -> dict[str, Any]:
    """A place for the coordinator pages and the write API, as far as `scope` may see it."""
    exact = sees_exact(scope, place)
    out = _fields(place, EDITOR_FIELDS)
    if exact:
        out["address"] = place.address
        if place.point is not None:
            pt = to_shape(place.point)
            out["lat"], out["lon"] = round(pt.y, 7), round(pt.x, 7)
        else:
            out["lat"] = out["lon"] = None
    else:
        out["address"] = public_address(place)
        loc = public_location(place)
        out["lat"], out["lon"] = (loc if loc else (None, None))
        if place.precision != "exact":
            out["geocode_matched"] = public_address(place)
    out["exact_location"] = exact
    out["confirmed_at"] = place.confirmed_at.isoformat() if place.confirmed_at else None
    return out


def editor_changes(changes: dict, place, scope) -> dict:
    """A history entry's {field: [old, new]} with location values masked unless `scope` sees the
    exact place."""
    if sees_exact(scope, place):
        return changes
    return {k: (["•••", "•••"] if k in _LOCATION_FIELDS else v) for k, v in changes.items()}
