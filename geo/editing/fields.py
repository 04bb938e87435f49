"""The fields a coordinator edits, and their validation.

`validate(data, creating=...)` returns (clean values, errors) where errors is {field: reason code};
the words for the codes are in geo/vocab.py (prefix 'edit_err_'). Input may come from a form (all
strings; check boxes 'on'; tri-state selects '', 'yes', 'no') or from JSON (typed values).
"""
from __future__ import annotations

import re
from typing import Any

import layers
from geo.accounts.scope import code5
from geo.storage.models import OPERATOR_TYPES, PRECISIONS, STATUSES, TARGET_GROUPS

TEXT_FIELDS = {  # field: max length
    "name": 200, "name_kana": 200, "address": 300, "schedule_text": 1000, "fees": 300,
    "reservation": 300, "phone": 40, "email": 254, "url": 500, "operator": 200,
}
BOOL_FIELDS = ("free_of_charge", "reservation_required", "drop_in", "has_consultation", "barrier_free")
# every field a coordinator may set (municipality_code only when creating)
EDITABLE = ("layer", "name", "name_kana", "address", "lat", "lon", "precision", "schedule_text",
            "target_groups", "fees", "free_of_charge", "capacity", "reservation", "reservation_required",
            "drop_in", "has_consultation", "barrier_free", "phone", "email", "url", "operator",
            "operator_type", "status", "municipality_code")
# fields of a Place shown and compared on the coordinator's page, in order
PLACE_FIELDS = ("layer", "name", "name_kana", "address", "precision", "schedule_text", "target_groups",
                "fees", "free_of_charge", "capacity", "reservation", "reservation_required", "drop_in",
                "has_consultation", "barrier_free", "phone", "email", "url", "operator", "operator_type",
                "status", "municipality_code")

_URL = re.compile(r"^https?://[^\s<>\"']+$", re.I)
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PHONE = re.compile(r"^[0-9０-９+()（）\-－‐ー―\s]{6,40}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def place_layer_ids() -> list[str]:
    return [layer.id for layer in layers.place_layers()]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        value = str(value)
    value = _CONTROL.sub("", value).strip()
    return value or None


def _bool(value: Any) -> tuple[bool | None, bool]:
    """(value, ok). None means 'not known'."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return value, True
    if isinstance(value, str):
        v = value.strip().lower()
        if v in ("yes", "true", "on", "1", "はい"):
            return True, True
        if v in ("no", "false", "off", "0", "いいえ"):
            return False, True
    return None, False


def _number(value: Any) -> tuple[float | None, bool]:
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return None, False
    try:
        return float(value), True
    except (TypeError, ValueError):
        return None, False


def validate(data: dict, creating: bool) -> tuple[dict, dict[str, str]]:
    """Clean the fields present in `data` (all of EDITABLE are looked at when creating)."""
    clean: dict[str, Any] = {}
    errors: dict[str, str] = {}
    keys = EDITABLE if creating else [k for k in EDITABLE if k in data]
    for key in data:
        if key not in EDITABLE and key not in ("csrf_token", "version", "website"):
            errors[key] = "unknown_field"
    if not creating and "municipality_code" in data:
        errors["municipality_code"] = "not_editable"
    for key in keys:
        if key == "municipality_code" and not creating:
            continue
        value = data.get(key)
        if key in TEXT_FIELDS:
            if value is not None and not isinstance(value, (str, int, float)):
                errors[key] = "invalid"
                continue
            text = _text(value)
            if text is not None and len(text) > TEXT_FIELDS[key]:
                errors[key] = "too_long"
                continue
            if key == "name" and not text:
                errors[key] = "required"
                continue
            if key == "url" and text and not _URL.match(text):
                errors[key] = "invalid_url"
                continue
            if key == "email" and text and not _EMAIL.match(text):
                errors[key] = "invalid_email"
                continue
            if key == "phone" and text and not _PHONE.match(text):
                errors[key] = "invalid_phone"
                continue
            clean[key] = text
        elif key in BOOL_FIELDS:
            b, ok = _bool(value)
            if not ok:
                errors[key] = "invalid_choice"
            elif key == "has_consultation":
                clean[key] = bool(b)
            else:
                clean[key] = b
        elif key == "layer":
            if value not in place_layer_ids():
                errors[key] = "required" if not value else "invalid_choice"
            else:
                clean[key] = value
        elif key == "precision":
            if value in (None, "") and creating:
                clean[key] = None     # the layer's default
            elif value not in PRECISIONS:
                errors[key] = "invalid_choice"
            else:
                clean[key] = value
        elif key == "status":
            if value in (None, "") and creating:
                clean[key] = "active"
            elif value not in STATUSES:
                errors[key] = "invalid_choice"
            else:
                clean[key] = value
        elif key == "operator_type":
            if value in (None, ""):
                clean[key] = None
            elif value not in OPERATOR_TYPES:
                errors[key] = "invalid_choice"
            else:
                clean[key] = value
        elif key == "target_groups":
            if value in (None, ""):
                value = []
            if isinstance(value, str):
                value = [v for v in re.split(r"[,、・]", value) if v.strip()]
            if not isinstance(value, list) or any(v not in TARGET_GROUPS for v in value):
                errors[key] = "invalid_choice"
            else:
                clean[key] = [g for g in TARGET_GROUPS if g in value]
        elif key == "capacity":
            n, ok = _number(value)
            if not ok or (n is not None and (n != int(n) or not 0 < n <= 100000)):
                errors[key] = "not_a_count"
            else:
                clean[key] = int(n) if n is not None else None
        elif key in ("lat", "lon"):
            n, ok = _number(value)
            lo, hi = ((20.0, 46.0) if key == "lat" else (122.0, 154.0))   # Japan
            if not ok:
                errors[key] = "not_a_number"
            elif n is not None and not lo <= n <= hi:
                errors[key] = "out_of_japan"
            else:
                clean[key] = n
        elif key == "municipality_code":
            c5 = code5(_text(value))
            if c5 is None:
                errors[key] = "required" if not value else "invalid_code"
            else:
                clean[key] = c5
    if ("lat" in clean) != ("lon" in clean) or (clean.get("lat") is None) != (clean.get("lon") is None):
        if "lat" not in errors and "lon" not in errors:
            errors["lat" if clean.get("lat") is None else "lon"] = "both_lat_lon"
    if creating and not errors.get("address") and not clean.get("address") and clean.get("lat") is None \
            and "lat" not in errors and "lon" not in errors:
        errors["address"] = "address_or_point"
    return clean, errors
