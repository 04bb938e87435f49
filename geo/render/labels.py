"""Labels that never pile up: a greedy placer for boxes on a map (print and projector alike).

Everything here works in one flat coordinate space (the printed figure's points): a label is a
box of a known size that wants to sit at an anchor. Each label in turn (most important first)
takes the first candidate position whose box is free — no overlap with a label already placed,
nor with a fixed obstacle (scale bar, north arrow), and inside the frame. A label that had to move
away from its anchor is drawn with a leader line; one with no free place at all is left out and
the caller says so (numbered markers with a side list keep every place findable).

No drawing library and no Flask here: the exports (geo/render/exports.py) measure text and draw.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @staticmethod
    def around(x: float, y: float, w: float, h: float) -> "Box":
        return Box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)

    def overlaps(self, other: "Box", gap: float = 0.0) -> bool:
        return not (self.x1 + gap <= other.x0 or other.x1 + gap <= self.x0
                    or self.y1 + gap <= other.y0 or other.y1 + gap <= self.y0)

    def contains(self, x: float, y: float) -> bool:
        return self.x0 <= x <= self.x1 and self.y0 <= y <= self.y1

    def crossed_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the segment a–b passes through the box (Liang–Barsky clipping)."""
        (ax, ay), (bx, by) = a, b
        dx, dy = bx - ax, by - ay
        t0, t1 = 0.0, 1.0
        for p, q in ((-dx, ax - self.x0), (dx, self.x1 - ax), (-dy, ay - self.y0), (dy, self.y1 - ay)):
            if p == 0:
                if q < 0:
                    return False
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return False
        return True

    def inside(self, frame: "Box") -> bool:
        return self.x0 >= frame.x0 and self.y0 >= frame.y0 and self.x1 <= frame.x1 and self.y1 <= frame.y1

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@dataclass
class Label:
    """One thing to place: `size` (w, h) centred on a candidate point. `candidates` are tried in
    order (the anchor itself usually first); `leader_from` is where a leader line starts when the
    label ends up farther than `leader_beyond` from it."""
    key: object
    anchor: tuple[float, float]
    size: tuple[float, float]
    candidates: Sequence[tuple[float, float]] = ()
    leader_beyond: float = 0.0
    # filled in by place():
    at: tuple[float, float] | None = None
    box: Box | None = None
    leader: bool = False
    extra: dict = field(default_factory=dict)


def ring_offsets(step: float, rings: int = 6, per_ring: int = 12) -> list[tuple[float, float]]:
    """(0, 0), then points on rings `step`, 2·`step`, … around it (nearest ring first; on each ring
    the positions right, above, left, below come first, then the diagonals)."""
    out = [(0.0, 0.0)]
    for r in range(1, rings + 1):
        n = per_ring * r
        angles = sorted(range(n), key=lambda i: (i % (n // 4) != 0 if n >= 4 else False, i))
        for i in angles:
            a = 2 * math.pi * i / n
            out.append((r * step * math.cos(a), r * step * math.sin(a)))
    return out


def place(labels: Iterable[Label], frame: Box | None = None, obstacles: Iterable[Box] = (),
          gap: float = 0.0, placed: list[Box] | None = None,
          allowed: Callable[[Label, Box], bool] | None = None, clear_leaders: bool = False) -> list[Label]:
    """Place each label at its first free candidate (see the module). Returns the labels, with
    `at` and `box` set for the placed ones (None for those left out). `placed` may carry boxes
    already taken (e.g. markers placed before the area names) and receives the new ones. With
    `clear_leaders`, a moved label's leader line must not run through another label's box."""
    taken = list(obstacles) if placed is None else placed
    if placed is not None:
        taken.extend(obstacles)
    out = []
    for lab in labels:
        w, h = lab.size
        lab.at, lab.box, lab.leader = None, None, False
        for x, y in (lab.candidates or [lab.anchor]):
            b = Box.around(x, y, w, h)
            if frame is not None and not b.inside(frame):
                continue
            if allowed is not None and not allowed(lab, b):
                continue
            if any(b.overlaps(t, gap) for t in taken):
                continue
            if clear_leaders and (x, y) != tuple(lab.anchor) and any(
                    t.crossed_by(lab.anchor, (x, y)) for t in taken if not t.contains(*lab.anchor)):
                continue      # a leader line would run under another label
            lab.at, lab.box = (x, y), b
            lab.leader = math.hypot(x - lab.anchor[0], y - lab.anchor[1]) > lab.leader_beyond
            taken.append(b)
            break
        out.append(lab)
    return out


def overlapping_pairs(boxes: Sequence[Box], gap: float = 0.0) -> list[tuple[int, int]]:
    """Index pairs of boxes that overlap (the tests' check, and a caller's assertion)."""
    return [(i, j) for i in range(len(boxes)) for j in range(i + 1, len(boxes)) if boxes[i].overlaps(boxes[j], gap)]
