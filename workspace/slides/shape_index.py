"""A spatial index of a slide's shapes, so a view draws and hit-tests only what it shows.

Qt-free. Bounding boxes are kept up to date one shape at a time as the document changes and
go into a shapely ``STRtree``. The tree is not rebuilt for every edit: shapes changed since it
was built are checked one by one beside it until there are :data:`REBUILD_AFTER` of them, so an
edit costs microseconds, not a rebuild over 10,000 shapes. :meth:`ShapeIndex.visible` answers
which shapes meet a rectangle and :meth:`ShapeIndex.hit` which region contains a point (or
which point or line passes within a tolerance of it), topmost first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import GEOMETRY, shapely_geometry
from workspace.annotations import Annotation, AnnotationDocument

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry

Box = tuple[float, float, float, float]

#: Shapes changed since the tree was built that are checked one by one before a rebuild.
REBUILD_AFTER = 256


def geometry_bounds(geometry: dict[str, Any]) -> Box:
    """``(min x, min y, max x, max y)`` of GeoJSON coordinates, without shapely (a polygon's
    shell bounds its holes, so only shells are read)."""
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        positions = [coordinates]
    elif kind in ("MultiPoint", "LineString"):
        positions = coordinates
    elif kind == "Polygon":
        positions = coordinates[0]
    elif kind == "MultiPolygon":
        positions = [p for part in coordinates for p in part[0]]
    else:
        raise ValueError(f"not a slide shape geometry: {kind}")
    xs = [p[0] for p in positions]
    ys = [p[1] for p in positions]
    return min(xs), min(ys), max(xs), max(ys)


class ShapeIndex:
    """The slide shapes of ``document``, indexed by bounding box; follows its events."""

    def __init__(self, document: AnnotationDocument) -> None:
        self.document = document
        self._boxes: dict[str, Box] = {}
        self._order: dict[str, int] = {}
        self._next = 0
        self._tree: Any = None
        self._tree_ids: list[str] = []
        self._recent: set[str] = set()
        self._shapes: dict[str, BaseGeometry] = {}
        self._emitters = (document.added, document.updated, document.removed)
        for emitter in self._emitters:
            emitter.connect(self._changed)
        self._loaded = False

    def close(self) -> None:
        """Stop following the document."""
        for emitter in self._emitters:
            emitter.disconnect(self._changed)

    def _changed(self, annotation: Annotation) -> None:
        if annotation.kind != SLIDE_SHAPE:
            return
        self._shapes.pop(annotation.id, None)
        if not self._loaded:
            return
        self._recent.add(annotation.id)
        if annotation.id in self.document and GEOMETRY in annotation.data:
            self._boxes[annotation.id] = geometry_bounds(annotation.data[GEOMETRY])
            if annotation.id not in self._order:
                self._order[annotation.id] = self._next
                self._next += 1
        else:
            self._boxes.pop(annotation.id, None)
            self._order.pop(annotation.id, None)

    def boxes(self) -> dict[str, Box]:
        """Every shape's bounding box, in the document's order (do not modify)."""
        if not self._loaded:
            self._boxes = {
                a.id: geometry_bounds(a.data[GEOMETRY])
                for a in self.document.all()
                if a.kind == SLIDE_SHAPE and GEOMETRY in a.data
            }
            self._loaded = True
            self._rebuild()
        return self._boxes

    def _rebuild(self) -> None:
        import numpy as np
        from shapely import STRtree, box

        self._tree_ids = list(self._boxes)
        self._order = {i: n for n, i in enumerate(self._tree_ids)}
        self._next = len(self._order)
        self._recent.clear()
        if self._tree_ids:
            corners = np.array(list(self._boxes.values()), dtype=np.float64)
            self._tree = STRtree(box(corners[:, 0], corners[:, 1], corners[:, 2], corners[:, 3]))
        else:
            self._tree = None

    def __len__(self) -> int:
        return len(self.boxes())

    def bounds(self, annotation_id: str) -> Box:
        """The bounding box of one shape."""
        return self.boxes()[annotation_id]

    def visible(self, rect: Box) -> list[str]:
        """Ids of the shapes whose bounding box meets ``rect`` (x0, y0, x1, y1), in the
        document's order (later shapes are drawn on top)."""
        boxes = self.boxes()
        if len(self._recent) > REBUILD_AFTER:
            self._rebuild()
        found: list[str] = []
        if self._tree is not None:
            from shapely import box

            hits = self._tree.query(box(*rect))
            found = [self._tree_ids[i] for i in sorted(hits.tolist())]
        if not self._recent:
            return found
        x0, y0, x1, y1 = rect
        kept = [i for i in found if i not in self._recent]
        for annotation_id in self._recent:
            b = boxes.get(annotation_id)
            if b is not None and b[0] <= x1 and b[2] >= x0 and b[1] <= y1 and b[3] >= y0:
                kept.append(annotation_id)
        return sorted(kept, key=self._order.__getitem__)

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
