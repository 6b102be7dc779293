"""Measurements of a slide's shapes for a list view: area, perimeter, length, counts per class.

Qt-free: the viewer's measurement list shows :func:`measure_shapes` rows and
:func:`counts_per_class`. Sizes are in µm (µm²) when the slide's resolution is known, else in
level-0 pixels (``unit`` says which).

A stored shape was checked when it was made, so a row is computed straight from its GeoJSON
coordinates (shoelace areas, summed segment lengths) without building a shapely geometry:
10,000 shapes take tens of milliseconds, so a list can follow every edit.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY, REGION_SHAPES, SHAPE
from workspace.annotations import Annotation
from workspace.slides.store import META_KEY


def slide_mpp(meta: Mapping[str, Any]) -> tuple[float, float] | None:
    """The (x, y) µm per level-0 pixel recorded for a slide item (None if unknown)."""
    entry = meta.get(META_KEY)
    mpp = entry.get("mpp") if isinstance(entry, Mapping) else None
    if isinstance(mpp, list | tuple) and len(mpp) == 2:
        x, y = mpp
        if all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in (x, y)):
            return float(x), float(y)
    return None


@dataclass(frozen=True)
class ShapeMeasurement:
    """One row of the measurement list."""

    annotation_id: str
    label: str
    shape: str
    #: Area (regions), else None.
    area: float | None
    #: Perimeter of a region or length of a line, else None.
    length: float | None
    #: Points held (point annotations), else 0.
    points: int
    #: ``"µm"`` when the slide's resolution is known, else ``"px"``.
    unit: str


def _path(positions: Sequence[Sequence[float]], mpp: tuple[float, float]) -> float:
    """Length in µm of the path through ``positions``."""
    return sum(
        math.hypot((b[0] - a[0]) * mpp[0], (b[1] - a[1]) * mpp[1]) for a, b in pairwise(positions)
    )


def _ring_area(ring: Sequence[Sequence[float]]) -> float:
    """Unsigned area of a closed ring in pixels² (shoelace)."""
    return abs(sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))) / 2


def _polygons(geometry: Mapping[str, Any]) -> list[Any]:
    kind, coordinates = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return [coordinates]
    return list(coordinates) if kind == "MultiPolygon" else []


def measure_shape(annotation: Annotation, mpp: tuple[float, float] | None) -> ShapeMeasurement:
    """The row of one slide shape (its area with holes taken out, its perimeter with them)."""
    scale = mpp or (1.0, 1.0)
    geometry = annotation.data[GEOMETRY]
    shape = str(annotation.data.get(SHAPE))
    area = length = None
    if shape in REGION_SHAPES:
        polygons = _polygons(geometry)
        pixels = sum(
            _ring_area(rings[0]) - sum(_ring_area(hole) for hole in rings[1:]) for rings in polygons
        )
        area = pixels * scale[0] * scale[1]
        length = sum(_path(ring, scale) for rings in polygons for ring in rings)
    elif geometry.get("type") == "LineString":
        length = _path(geometry["coordinates"], scale)
    kind = geometry.get("type")
    points = 1 if kind == "Point" else len(geometry["coordinates"]) if kind == "MultiPoint" else 0
    return ShapeMeasurement(
        annotation.id, annotation.label or "", shape, area, length, points, "µm" if mpp else "px"
    )


def measure_shapes(
    annotations: Iterable[Annotation], mpp: tuple[float, float] | None
) -> list[ShapeMeasurement]:
    """A row per slide shape among ``annotations`` (others are skipped)."""
    return [
        measure_shape(a, mpp) for a in annotations if a.kind == SLIDE_SHAPE and GEOMETRY in a.data
    ]


def counts_per_class(rows: Iterable[ShapeMeasurement]) -> dict[str, int]:
    """Counted points per class, classes in name order."""
    counts: Counter[str] = Counter()
    for row in rows:
        if row.points:
            counts[row.label] += row.points
    return dict(sorted(counts.items()))


def area_per_class(rows: Iterable[ShapeMeasurement]) -> dict[str, float]:
    """Total region area per class, classes in name order."""
    areas: dict[str, float] = {}
    for row in rows:
        if row.area is not None:
            areas[row.label] = areas.get(row.label, 0.0) + row.area
    return dict(sorted(areas.items()))
