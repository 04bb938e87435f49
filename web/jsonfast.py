"""JSON answers encoded with orjson (about ten times faster than the standard library on a page of
features, which is a real share of a nearest-places request). The output is the one Flask's own
provider gives — keys sorted, compact, UTF-8 (no \\u escapes), dates as HTTP dates, Decimal and
UUID as strings — only faster; `dumps` (templates' |tojson) stays the standard library's."""
from __future__ import annotations

import typing as t

import orjson
from flask.json.provider import DefaultJSONProvider, _default

_OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
            | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_APPEND_NEWLINE)


class OrjsonProvider(DefaultJSONProvider):
    def response(self, *args: t.Any, **kwargs: t.Any):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)   # indented, for people
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=_default, option=_OPTIONS)
        except TypeError:
            # what orjson refuses (an int beyond 64 bits, ...) the standard library may still write
            return super().response(*args, **kwargs)
        return self._app.response_class(body, mimetype=self.mimetype)
