"""The reader registry: which reader reads a file, and what format its columns are. No Flask.

Like the layer registry (layers/): every module in geo.ingest may declare what it reads in
module-level lists, and this module collects them from all of them; adding a file format =
adding a module (or a declaration next to an existing reader).

- ``READERS = [Reader(...)]``: a kind (places / areas / population / gazetteer) and a
  `detect(sniff)` on the file name and its first bytes. `reader_for(kind, path)` chooses;
  a reader that finds the file is not its format after all raises `NotThisFormat` and
  `read(kind, path)` tries the next one.
- ``FORMATS = [Format(...)]``: named layouts recognised from the columns once the header is
  read (takamatsu, jp-standard-kodomo-shokudo, ksj-a27-v3 ...), each with the licence and
  attribution to use when the operator gives none. `format_for(kind, columns)` picks the
  first that matches, in declaration order.
"""
from __future__ import annotations

import importlib
import os
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

__all__ = ["Sniff", "Columns", "Reader", "Format", "NotThisFormat", "sniff", "readers", "formats",
           "reader_for", "read", "format_for", "default_source", "KINDS"]

KINDS = ("places", "areas", "population", "gazetteer")


class NotThisFormat(ValueError):
    """Raised by a reader that finds the file is not its format (the next reader is tried)."""


@dataclass(frozen=True)
class Sniff:
    """What a reader may look at to say whether it reads a file, without reading it."""
    name: str                  # file name ('<bytes>' for uploaded bytes)
    suffix: str                # '.csv', '.geojson' ... (lower case)
    head: bytes = b""          # the first 4 KiB (UTF-8 BOMs and leading blanks removed)
    is_dir: bool = False
    exists: bool = True
    hints: dict[str, Any] = field(default_factory=dict)   # the caller's options (area kind, name_column ...)


@dataclass(frozen=True)
class Columns:
    """A file's header, as format detection sees it."""
    header: tuple[str, ...]
    fields: frozenset[str] = frozenset()   # fields placed by the alias table (after --map)
    hints: dict[str, Any] = field(default_factory=dict)

    @property
    def stripped(self) -> frozenset[str]:
        return frozenset(h.strip() for h in self.header)

    @property
    def keys(self) -> frozenset[str]:
        from geo.ingest.headers import header_key
        return frozenset(header_key(h) for h in self.header)


@dataclass(frozen=True)
class Reader:
    id: str
    kind: str
    detect: Callable[[Sniff], bool]
    read: Callable[..., Any]
    order: int = 100           # lower is tried first


@dataclass(frozen=True)
class Format:
    name: str                  # stored as ImportRun.format / Dataset.format
    kind: str
    matches: Callable[[Columns], bool] | None = None   # None: named by its reader, never detected
    source: Callable[..., tuple[str | None, str | None]] | None = None  # (licence, attribution)


@lru_cache(maxsize=1)
def _declared() -> tuple[tuple[Reader, ...], tuple[Format, ...]]:
    rs: list[Reader] = []
    fs: list[Format] = []
    import geo.ingest as package

    for info in pkgutil.iter_modules(package.__path__):  # every module of geo.ingest: no list to keep in sync
        module = importlib.import_module(f"geo.ingest.{info.name}")
        rs.extend(getattr(module, "READERS", ()))
        fs.extend(getattr(module, "FORMATS", ()))
    names = [f.name for f in fs]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"format declared twice: {', '.join(sorted(dup))}")
    return tuple(sorted(rs, key=lambda r: r.order)), tuple(fs)


def readers(kind: str | None = None) -> list[Reader]:
    return [r for r in _declared()[0] if kind is None or r.kind == kind]


def formats(kind: str | None = None) -> list[Format]:
    return [f for f in _declared()[1] if kind is None or f.kind == kind]


def sniff(path, **hints) -> Sniff:
    """Name, suffix and first bytes of a path, bytes or file object (nothing is consumed)."""
    if isinstance(path, (bytes, bytearray, memoryview)):
        return Sniff("<bytes>", "", _head(bytes(path[:4096])), hints=hints)
    if hasattr(path, "read"):
        name = getattr(path, "name", "<stream>")
        return Sniff(str(name), os.path.splitext(str(name))[1].lower(), b"", hints=hints)
    p = Path(os.fspath(path))
    head = b""
    if p.is_file():
        try:
            with open(p, "rb") as f:
                head = _head(f.read(4096))
        except OSError:
            head = b""
    return Sniff(p.name, p.suffix.lower(), head, is_dir=p.is_dir(), exists=p.exists(), hints=hints)


def _head(b: bytes) -> bytes:
    while b.startswith(b"\xef\xbb\xbf"):
        b = b[3:]
    return b.lstrip(b" \r\n\t")


def reader_for(kind: str, path, **hints) -> Reader:
    """The first reader of `kind` whose detect accepts the file."""
    found = candidates(kind, path, **hints)
    return found[0]


def candidates(kind: str, path, **hints) -> list[Reader]:
    if kind not in KINDS:
        raise ValueError(f"取り込みの種類が不正です: {kind} (unknown import kind; {', '.join(KINDS)})")
    s = sniff(path, **hints)
    if not s.exists:
        raise ValueError(f"ファイルがありません: {path} (file not found)")
    found = [r for r in readers(kind) if r.detect(s)]
    if not found:
        raise ValueError(f"このファイルを読める形式がありません: {s.name} (no reader for this {kind} file)")
    return found


def read(what: str, path, hints: dict | None = None, **options):
    """Read `path` as `what` (places / areas / population / gazetteer) with the reader the
    registry chooses; `options` go to the reader. A reader raising NotThisFormat hands the
    file to the next candidate."""
    found = candidates(what, path, **(hints or {}))
    for i, reader in enumerate(found):
        try:
            return reader.read(path, **options)
        except NotThisFormat:
            if i == len(found) - 1:
                raise
    raise AssertionError("unreachable")


def format_for(kind: str, columns: Columns, default: str = "generic") -> str:
    for f in formats(kind):
        if f.matches is not None and f.matches(columns):
            return f.name
    return default


def default_source(fmt: str, **context) -> tuple[str | None, str | None]:
    """(licence, attribution) to use when the operator gives none, from the format's declaration."""
    for f in _declared()[1]:
        if f.name == fmt and f.source is not None:
            return f.source(**context)
    return None, None
