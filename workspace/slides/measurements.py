"""Measurements of a slide's shapes for a list view: area, perimeter, length, counts per class.

Qt-free: the viewer's measurement list shows :func:`measure_shapes` rows and
:func:`counts_per_class`. Sizes are in µm (µm²) when the slide's resolution is known, else in
level-0 pixels (``unit`` says which).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import (
    GEOMETRY,
    REGION_SHAPES,
    SHAPE,
    area_um2,
    length_um,
    point_count,
)
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


def measure_shapes(
    annotations: Iterable[Annotation], mpp: tuple[float, float] | None
) -> list[ShapeMeasurement]:
    """A row per slide shape among ``annotations`` (others are skipped)."""
    scale = mpp or (1.0, 1.0)
    rows: list[ShapeMeasurement] = []
    for annotation in annotations:
        if annotation.kind != SLIDE_SHAPE or GEOMETRY not in annotation.data:
            continue
        shape = str(annotation.data.get(SHAPE))
        region = shape in REGION_SHAPES
        rows.append(
            ShapeMeasurement(
                annotation.id,
                annotation.label or "",
                shape,
                area_um2(annotation, scale) if region else None,
                length_um(annotation, scale) if region or shape == "line" else None,
                point_count(annotation),
                "µm" if mpp else "px",
            )
        )
    return rows


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
