"""Coordinator view of coverage gaps (/coverage). Logic lives in geo/coverage.py."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("coverage", __name__)
