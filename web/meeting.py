"""協議体 meeting mode (/meeting): projector view, then-and-now, exports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meeting", __name__)
