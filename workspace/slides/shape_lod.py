"""Level of detail for drawing many slide shapes: simplified outlines per zoom level, kept in
spatial cells so that an edit rebuilds only the cell it touches. Qt-free.

A view showing ``d`` level-0 pixels per screen pixel draws at level ``floor(log2(d))``, whose
downsample ``2**level`` is at most ``d``: outlines simplified (shapely, Douglas-Peucker) with
a tolerance of :data:`TOLERANCE` screen pixels at that downsample stay within half a screen
pixel of the shape at every zoom the level serves. A shape whose bounding box is smaller than
:data:`DOT_EXTENT` screen pixels is drawn as a dot at its centre instead (as QuPath does at low
zoom), so it stays visible and costs one point. Points stay points.

:class:`LevelCells` places each shape in a square cell of :data:`CELL_PIXELS` screen pixels
at the level (by the centre of its bounding box); a view draws the cells whose shapes' boxes
meet it (:meth:`LevelCells.meeting`), found from the grid, not shape by shape.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Box = tuple[float, float, float, float]
Cell = tuple[int, int]

#: Simplification tolerance, in screen pixels at the level's downsample.
TOLERANCE = 0.5
#: A region or line smaller than this (screen pixels at the level) is drawn as a dot.
DOT_EXTENT = 2.0
#: The side of a spatial cell, in screen pixels at the level.
CELL_PIXELS = 256

_POINT_TYPES = (0, 4)  # shapely type ids of Point and MultiPoint
_LINE_TYPES = (1, 2)  # LineString, LinearRing
_POLYGON_TYPE = 3


def level_of(scale: float) -> int:
    """The detail level for a view of ``scale`` screen pixels per level-0 pixel."""
    return math.floor(math.log2(1 / max(scale, 1e-9)))


def downsample(level: int) -> float:
    """Level-0 pixels per screen pixel at ``level`` (below 1 when zoomed past level 0)."""
    return 2.0**level


def shapely_geometries(geometries: Sequence[Mapping[str, Any]]) -> npt.NDArray[np.object_]:
    """Checked GeoJSON geometries (positions exactly ``[x, y]``) as shapely ones, built a kind
    at a time from flat arrays (``shapely.from_ragged_array``): several times faster than one
    ``shapely.geometry.shape`` call each."""
    import shapely

    from workspace.annotation_kinds.slide_shapes import shapely_geometry

    found = np.empty(len(geometries), dtype=object)
    by_kind: dict[str, list[int]] = {}
    for n, geometry in enumerate(geometries):
        by_kind.setdefault(geometry["type"], []).append(n)
    for kind, which in by_kind.items():
        depth = _NESTING.get(kind)
        if depth is None:  # points: few vertices each
            found[which] = [shapely_geometry(geometries[n]) for n in which]
            continue
        xy, offsets = _ragged([geometries[n]["coordinates"] for n in which], depth)
        found[which] = shapely.from_ragged_array(shapely.GeometryType[kind.upper()], xy, offsets)
    return found


#: Lists above the positions in a geometry's coordinates.
_NESTING = {"LineString": 1, "Polygon": 2, "MultiPolygon": 3}


def _ragged(values: list[Any], depth: int) -> tuple[npt.NDArray[np.float64], tuple[Any, ...]]:
    """Nested coordinate lists as flat positions and offsets, innermost level first."""
    offsets = []
    for _ in range(depth):
        counts = np.fromiter((len(v) for v in values), np.int64, count=len(values))
        offsets.append(np.concatenate([[0], np.cumsum(counts)]))
        values = [item for v in values for item in v]
    flat = np.fromiter(itertools.chain.from_iterable(values), np.float64, count=2 * len(values))
    return flat.reshape(-1, 2), tuple(reversed(offsets))


@dataclass(frozen=True)
class Outlines:
    """Several shapes' drawing at one level: outline vertices (a ring or line starts where
    ``starts`` is set), dots for the tiny ones and point positions, each row tagged with
    the index of its shape in the input (``*_owner``)."""

    xy: npt.NDArray[np.float64]
    starts: npt.NDArray[np.bool_]
    owner: npt.NDArray[np.intp]
    dots: npt.NDArray[np.float64]
    dot_owner: npt.NDArray[np.intp]
    points: npt.NDArray[np.float64]
    point_owner: npt.NDArray[np.intp]


def outlines(
    geometries: Sequence[BaseGeometry] | npt.NDArray[np.object_], boxes: Sequence[Box], level: int
) -> Outlines:
    """The outlines of ``geometries`` (with their bounding ``boxes``) drawn at ``level``."""
    import shapely

    scale = downsample(level)
    shapes = np.empty(len(geometries), dtype=object)
    shapes[:] = list(geometries)
    bounds = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    kinds = shapely.get_type_id(shapes)
    is_point = np.isin(kinds, _POINT_TYPES)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    tiny = ~is_point & (extent < DOT_EXTENT * scale)
    drawn = np.flatnonzero(~is_point & ~tiny)
    simple = shapely.simplify(shapes[drawn], TOLERANCE * scale, preserve_topology=False)
    collapsed = shapely.is_empty(simple)
    tiny[drawn[collapsed]] = True
    drawn, simple = drawn[~collapsed], simple[~collapsed]

    parts, part_of = shapely.get_parts(simple, return_index=True)
    part_kinds = shapely.get_type_id(parts)
    polygons = part_kinds == _POLYGON_TYPE
    rings, ring_of = shapely.get_rings(parts[polygons], return_index=True)
    lines = np.isin(part_kinds, _LINE_TYPES)
    linear = np.concatenate([rings, parts[lines]])
    linear_owner = np.concatenate([part_of[polygons][ring_of], part_of[lines]])
    xy, vertex_of = shapely.get_coordinates(linear, return_index=True)
    starts = np.ones(len(vertex_of), dtype=bool)
    starts[1:] = vertex_of[1:] != vertex_of[:-1]

    dot_owner = np.flatnonzero(tiny)
    centres = (bounds[dot_owner, :2] + bounds[dot_owner, 2:]) / 2
    points, point_of = shapely.get_coordinates(shapes[np.flatnonzero(is_point)], return_index=True)
    return Outlines(
        xy=xy,
        starts=starts,
        owner=drawn[linear_owner[vertex_of]],
        dots=centres,
        dot_owner=dot_owner,
        points=points,
        point_owner=np.flatnonzero(is_point)[point_of],
    )


class LevelCells:
    """Which spatial cell of one level each shape is in; follows edits one shape at a time."""

    def __init__(self, level: int) -> None:
        self.level = level
        self.size = CELL_PIXELS * downsample(level)
        self.cell_of: dict[str, Cell] = {}
        self.members: dict[Cell, list[str]] = {}
        self._box_of: dict[str, Box] = {}
        self._bounds: dict[Cell, Box] = {}
        #: The farthest any shape reaches past its centre (level-0 pixels; never shrinks).
        self.reach = 0.0

    def cell(self, box: Box) -> Cell:
        """The cell holding the centre of ``box``."""
        return (
            math.floor((box[0] + box[2]) / 2 / self.size),
            math.floor((box[1] + box[3]) / 2 / self.size),
        )

    def fill(self, boxes: Iterable[tuple[str, Box]]) -> None:
        """Place every shape (ids in drawing order): cells, members and the cells' bounds found
        for all at once with numpy, so a new level over 10,000 shapes costs milliseconds."""
        pairs = [(i, b) for i, b in boxes if i not in self.cell_of]
        if not pairs:
            return
        ids = np.empty(len(pairs), dtype=object)
        ids[:] = [i for i, _ in pairs]
        found = np.fromiter(
            itertools.chain.from_iterable(b for _, b in pairs), np.float64, count=4 * len(pairs)
        ).reshape(-1, 4)
        centres = (found[:, :2] + found[:, 2:]) / 2
        grid = np.floor(centres / self.size).astype(np.int64)
        low_grid = grid.min(axis=0)
        rows = int(grid[:, 1].max() - low_grid[1]) + 1
        keys, inverse = np.unique(
            (grid[:, 0] - low_grid[0]) * rows + (grid[:, 1] - low_grid[1]), return_inverse=True
        )
        unique = np.stack([keys // rows + low_grid[0], keys % rows + low_grid[1]], axis=1)
        order = np.argsort(inverse, kind="stable")
        splits = np.flatnonzero(np.diff(inverse[order])) + 1
        low = np.full((len(unique), 2), np.inf)
        high = np.full((len(unique), 2), -np.inf)
        np.minimum.at(low, inverse, found[:, :2])
        np.maximum.at(high, inverse, found[:, 2:])
        cells: list[Cell] = [(int(c), int(r)) for c, r in unique.tolist()]
        fresh = not self.members
        for n, members in enumerate(np.split(ids[order], splits)):
            cell = cells[n]
            self.members.setdefault(cell, []).extend(members.tolist())
            if fresh:
                self._bounds[cell] = (low[n, 0], low[n, 1], high[n, 0], high[n, 1])
            else:
                self._bounds.pop(cell, None)
        cell_list = [cells[n] for n in inverse.tolist()]
        self.cell_of.update(zip(ids.tolist(), cell_list, strict=True))
        self._box_of.update(pairs)
        half = np.maximum(found[:, 2] - found[:, 0], found[:, 3] - found[:, 1]) / 2
        self.reach = max(self.reach, float(half.max()))

    def place(self, annotation_id: str, box: Box | None) -> list[Cell]:
        """Move one shape to the cell of ``box`` (``None``: it is gone); the cells changed."""
        changed = []
        old = self.cell_of.pop(annotation_id, None)
        self._box_of.pop(annotation_id, None)
        if old is not None:
            self.members[old].remove(annotation_id)
            if not self.members[old]:
                del self.members[old]
            changed.append(old)
        if box is not None:
            new = self.cell(box)
            self.cell_of[annotation_id] = new
            self._box_of[annotation_id] = box
            self.members.setdefault(new, []).append(annotation_id)
            self.reach = max(self.reach, (box[2] - box[0]) / 2, (box[3] - box[1]) / 2)
            if new != old:
                changed.append(new)
        for cell in changed:
            self._bounds.pop(cell, None)
        return changed

    def bounds(self, cell: Cell) -> Box:
        """The union of the bounding boxes of a cell's shapes."""
        found = self._bounds.get(cell)
        if found is None:
            boxes = [self._box_of[i] for i in self.members[cell]]
            found = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            self._bounds[cell] = found
        return found

    def meeting(self, rect: Box) -> list[Cell]:
        """The cells with a shape whose box may meet ``rect`` (x0, y0, x1, y1), in order."""
        x0, y0, x1, y1 = (v / self.size for v in rect)
        reach = self.reach / self.size
        columns = range(math.floor(x0 - reach), math.floor(x1 + reach) + 1)
        rows = range(math.floor(y0 - reach), math.floor(y1 + reach) + 1)
        if len(columns) * len(rows) < len(self.members):
            candidates: Iterable[Cell] = ((i, j) for i in columns for j in rows)
        else:
            candidates = sorted(self.members)
        found = []
        for cell in candidates:
            if cell in self.members:
                b = self.bounds(cell)
                if b[0] <= rect[2] and b[2] >= rect[0] and b[1] <= rect[3] and b[3] >= rect[1]:
                    found.append(cell)
        return found
