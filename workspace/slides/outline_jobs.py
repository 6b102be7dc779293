"""One spatial cell's outlines at one level as a job a worker thread can run. Qt-free.

A :class:`CellJob` is an immutable snapshot taken on the GUI thread: the cell's shapes (the
document's frozen :class:`~workspace.annotations.Annotation` objects, never changed in place),
their bounding boxes and colours, and the cell's *generation* (the caller's count of
everything being dropped, and of the edits that touched the cell), so a result computed from
an older snapshot is recognised and dropped. :func:`cell_outlines` runs it: shapely
geometries (kept in a :class:`GeometryCache` from one level to the next) simplified by
:func:`~workspace.slides.shape_lod.outlines`, whose vectorised shapely calls release the GIL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from workspace.annotation_kinds.slide_shapes import GEOMETRY
from workspace.annotations import Annotation
from workspace.slides.shape_lod import Box, Cell, Outlines, outlines, shapely_geometries

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class CellJob:
    """What a worker needs to compute one cell's drawing at one level."""

    level: int
    cell: Cell
    generation: tuple[int, int]
    shapes: tuple[Annotation, ...]
    boxes: tuple[Box, ...]
    colours: tuple[str, ...]

    @property
    def key(self) -> tuple[int, Cell]:
        return self.level, self.cell


class GeometryCache:
    """Shapely geometries of shapes, built in bulk and kept while the annotation is the same
    object (an edit replaces it). Safe to share between the GUI thread and one worker: each
    entry is replaced whole (one dictionary store, atomic under the GIL)."""

    def __init__(self) -> None:
        self._built: dict[str, tuple[Annotation, BaseGeometry]] = {}

    def geometries(self, shapes: Sequence[Annotation]) -> npt.NDArray[np.object_]:
        """The shapely geometry of each shape, in order."""
        found = np.empty(len(shapes), dtype=object)
        missing: list[int] = []
        for n, shape in enumerate(shapes):
            entry = self._built.get(shape.id)
            if entry is not None and entry[0] is shape:
                found[n] = entry[1]
            else:
                missing.append(n)
        if missing:
            geometries: list[Any] = [shapes[n].data[GEOMETRY] for n in missing]
            built = shapely_geometries(geometries)
            found[missing] = built
            for n, geometry in zip(missing, built, strict=True):
                self._built[shapes[n].id] = (shapes[n], geometry)
        return found

    def forget(self, annotation_id: str) -> None:
        """Drop a shape's geometry (it was removed)."""
        self._built.pop(annotation_id, None)

    def clear(self) -> None:
        self._built.clear()


def cell_outlines(job: CellJob, cache: GeometryCache) -> Outlines:
    """The outlines of the job's shapes at its level."""
    return outlines(cache.geometries(job.shapes), job.boxes, job.level)
