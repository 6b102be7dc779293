"""A spatial index of a slide's shapes, so a view draws and hit-tests only what it shows.

Qt-free. Bounding boxes go into a shapely ``STRtree``, rebuilt lazily after the document
changes (a rebuild over 10,000 shapes takes a few milliseconds); :meth:`ShapeIndex.visible`
answers which shapes meet a rectangle and :meth:`ShapeIndex.hit` which region contains a
point (or which point or line passes within a tolerance of it), topmost first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY, shapely_geometry
from workspace.annotations import Annotation, AnnotationDocument

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Box = tuple[float, float, float, float]


def _bounds(geometry: dict[str, Any]) -> Box:
    """``(min x, min y, max x, max y)`` of GeoJSON coordinates, without shapely."""
    xs: list[float] = []
    ys: list[float] = []

    def walk(value: Any) -> None:
        if value and isinstance(value[0], int | float):
            xs.append(value[0])
            ys.append(value[1])
        else:
            for part in value:
                walk(part)

    walk(geometry["coordinates"])
    return min(xs), min(ys), max(xs), max(ys)


class ShapeIndex:
    """The slide shapes of ``document``, indexed by bounding box; follows its events."""

    def __init__(self, document: AnnotationDocument) -> None:
        self.document = document
        self._ids: list[str] = []
        self._boxes: dict[str, Box] = {}
        self._tree: Any = None
        self._shapes: dict[str, BaseGeometry] = {}
        self._emitters = (document.added, document.updated, document.removed)
        for emitter in self._emitters:
            emitter.connect(self._changed)
        self._stale = True

    def close(self) -> None:
        """Stop following the document."""
        for emitter in self._emitters:
            emitter.disconnect(self._changed)

    def _changed(self, annotation: Annotation) -> None:
        if annotation.kind == SLIDE_SHAPE:
            self._stale = True
            self._shapes.pop(annotation.id, None)

    def _rebuild(self) -> None:
        from shapely import box

        shapes = [a for a in self.document.all() if a.kind == SLIDE_SHAPE and GEOMETRY in a.data]
        self._ids = [a.id for a in shapes]
        self._boxes = {a.id: _bounds(a.data[GEOMETRY]) for a in shapes}
        if shapes:
            from shapely import STRtree

            self._tree = STRtree([box(*self._boxes[i]) for i in self._ids])
        else:
            self._tree = None
        self._stale = False

    def __len__(self) -> int:
        if self._stale:
            self._rebuild()
        return len(self._ids)

    def bounds(self, annotation_id: str) -> Box:
        """The bounding box of one shape."""
        if self._stale:
            self._rebuild()
        return self._boxes[annotation_id]

    def visible(self, rect: Box) -> list[str]:
        """Ids of the shapes whose bounding box meets ``rect`` (x0, y0, x1, y1), in the
        document's order (later shapes are drawn on top)."""
        if self._stale:
            self._rebuild()
        if self._tree is None:
            return []
        from shapely import box

        found = self._tree.query(box(*rect))
        return [self._ids[i] for i in sorted(found.tolist())]

    def geometry(self, annotation_id: str) -> BaseGeometry:
        """The shapely geometry of one shape (cached until it changes)."""
        shape = self._shapes.get(annotation_id)
        if shape is None:
            shape = shapely_geometry(self.document.get(annotation_id).data[GEOMETRY])
            self._shapes[annotation_id] = shape
        return shape

    def hit(self, x: float, y: float, tolerance: float) -> list[str]:
        """Shapes under ``(x, y)``, topmost first: regions containing it, points and lines
        within ``tolerance`` level-0 pixels of it."""
        from shapely import Point

        candidates = self.visible((x - tolerance, y - tolerance, x + tolerance, y + tolerance))
        here = Point(x, y)
        hits: list[str] = []
        for annotation_id in reversed(candidates):
            shape = self.geometry(annotation_id)
            if shape.geom_type in ("Polygon", "MultiPolygon"):
                inside = shape.contains(here) or shape.boundary.distance(here) <= tolerance
            else:
                inside = shape.distance(here) <= tolerance
            if inside:
                hits.append(annotation_id)
        return hits
