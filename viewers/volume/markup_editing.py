"""The viewer's measurements as commands (no Qt): landmarks, rulers, 3D boxes, polygons and the
classification.

The annotations are made by :mod:`workspace.segmentation.measurements` (which checks labels
and attributes against the schema and computes lengths and sizes in patient space), so the
export reads them as they are. Every placement, edit and deletion is one command handed to
``push`` (the item's command stack): undoable, and persisted when pushed. Each method returns
why nothing was done, or None.

A polygon is placed (or edited) with its outline and area at once; the statistics of the values
inside follow, read off the GUI thread (:mod:`viewers.volume.polygon_values`), and
:meth:`MarkupEditing.fill_values` puts them in the stored polygon with ``record`` (persisted,
no undo step of their own) and in the commands that hold that outline, so the one undo step of
the placement or edit restores the values with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy.typing as npt

from workspace.annotations import (
    AddAnnotation,
    Annotation,
    AnnotationDocument,
    DeleteAnnotation,
    UpdateAnnotation,
)
from workspace.commands import Command
from workspace.schema import AttributeValue, LabelSchema
from workspace.segmentation import measurements
from workspace.segmentation.measurements import (
    BOX3D,
    CLASSIFICATION,
    LANDMARK,
    POLYGON,
    RULER,
    PolygonKey,
    polygon_key,
)
from workspace.volume.geometry import VolumeGeometry

Push = Callable[[Command], bool]
MARKUP_KINDS = (LANDMARK, RULER, BOX3D, POLYGON)
Values = dict[str, float | int | None]
MIN_VERTICES = 3
#: How many outlines' statistics are remembered (undo, redo and relabel reuse them).
KNOWN_VALUES = 512


class MarkupEditing:
    """Turns the measurement tools' gestures into commands on one item's annotations."""

    def __init__(
        self,
        document: AnnotationDocument,
        geometry: VolumeGeometry,
        schema: LabelSchema,
        push: Push,
        author: str = "",
        read_only: Callable[[], str | None] = lambda: None,
        voxels: npt.NDArray[Any] | None = None,
        record: Push | None = None,
    ) -> None:
        self.document = document
        #: The voxel values a polygon's statistics are read from (None: no statistics).
        self.voxels = voxels
        #: Persists a command with no undo step of its own (the statistics that follow).
        self.record = record
        #: Statistics already read, by outline.
        self.known: dict[PolygonKey, Values] = {}
        self._commands: list[Command] = []  # the polygon steps pushed, whose values may follow
        self.geometry = geometry
        self.schema = schema
        self.push = push
        self.author = author
        #: Why edits are refused (the item's task is submitted...), None while allowed.
        self.read_only = read_only

    @property
    def item_id(self) -> str:
        """The item measured."""
        return self.document.item_id

    def markups(self) -> list[Annotation]:
        """The item's landmarks, rulers and boxes, in the order they were placed."""
        return [a for a in self.document.all() if a.kind in MARKUP_KINDS]

    def classification(self) -> Annotation | None:
        """The item's volume-level classification (the latest, should there be several)."""
        found = [a for a in self.document.all() if a.kind == CLASSIFICATION]
        return found[-1] if found else None

    # ------------------------------------------------------------------ placing
    def landmark(
        self, point: Sequence[float], label: str | None
    ) -> tuple[Annotation | None, str | None]:
        """Place a landmark at continuous index ``point``; (the annotation, why not)."""
        return self._add(
            lambda: measurements.landmark(
                self.item_id, self.geometry, point, label, schema=self.schema, author=self.author
            )
        )

    def ruler(
        self, start: Sequence[float], end: Sequence[float], label: str | None
    ) -> tuple[Annotation | None, str | None]:
        """Place a ruler from ``start`` to ``end``."""
        return self._add(lambda: self.make_ruler(start, end, label))

    def make_ruler(
        self, start: Sequence[float], end: Sequence[float], label: str | None
    ) -> Annotation:
        """A ruler, not yet placed (the one drawn while dragging)."""
        return measurements.ruler(
            self.item_id, self.geometry, start, end, label, schema=self.schema, author=self.author
        )

    def box(
        self, corner: Sequence[int], opposite: Sequence[int], label: str | None
    ) -> tuple[Annotation | None, str | None]:
        """Place a box from voxel ``corner`` to voxel ``opposite`` (both included)."""
        return self._add(lambda: self.make_box(corner, opposite, label))

    def make_box(
        self, corner: Sequence[int], opposite: Sequence[int], label: str | None
    ) -> Annotation:
        """A box, not yet placed."""
        return measurements.box3d(
            self.item_id,
            self.geometry,
            corner,
            opposite,
            label,
            schema=self.schema,
            author=self.author,
        )

    def polygon(
        self, points: Sequence[Sequence[float]], label: str | None
    ) -> tuple[Annotation | None, str | None]:
        """Place a closed outline through ``points`` (continuous indices in one slice)."""
        return self._add(lambda: self.make_polygon(points, label))

    def make_polygon(self, points: Sequence[Sequence[float]], label: str | None) -> Annotation:
        """A polygon, not yet placed, with the statistics inside if already known (else they
        follow: :meth:`missing_values`)."""
        return self.with_known_values(
            measurements.polygon(
                self.item_id, self.geometry, points, label, schema=self.schema, author=self.author
            )
        )

    # ------------------------------------------------------------------ polygon statistics
    def with_known_values(self, polygon: Annotation) -> Annotation:
        """``polygon`` with the statistics of its outline, when they were read before (any
        other measurement as it is)."""
        if polygon.kind != POLYGON:
            return polygon
        values = self.known.get(polygon_key(polygon.data))
        if values is None or polygon.data.get("values") == values:
            return polygon
        return replace(polygon, data={**polygon.data, "values": values})

    def missing_values(self) -> list[PolygonKey]:
        """The outlines of the item's polygons whose statistics are not stored yet (none
        without voxels to read them from)."""
        if self.voxels is None:
            return []
        keys = [
            polygon_key(a.data)
            for a in self.document.all()
            if a.kind == POLYGON and a.data.get("values") is None
        ]
        return list(dict.fromkeys(keys))

    def fill_values(self, key: PolygonKey, values: Values) -> str | None:
        """The statistics of outline ``key``, read in the background: stored in the polygons
        that have that outline (without an undo step: ``record``) and in the commands holding
        it, so that their undo and redo bring the values back too."""
        self.known[key] = dict(values)
        while len(self.known) > KNOWN_VALUES:
            del self.known[next(iter(self.known))]
        for command in self._commands:
            for name in ("annotation", "before", "after"):
                held = getattr(command, name, None)
                if isinstance(held, Annotation) and held.kind == POLYGON:
                    setattr(command, name, self.with_known_values(held))
        if self.record is None or self.read_only():
            return None  # shown, not stored
        for found in self.document.all():
            polygon = self.document.get(found.id) if found.id in self.document else found
            if polygon.kind != POLYGON or polygon.data.get("values") is not None:
                continue
            if polygon_key(polygon.data) != key:
                continue
            filled = self.with_known_values(polygon)
            if not self.record(UpdateAnnotation(self.document, polygon.id, data=filled.data)):
                return "The polygon's statistics were not saved."
        return None

    def _push(self, command: Command) -> bool:
        """Push ``command``; a polygon's is kept for the statistics that follow."""
        if not self.push(command):
            return False
        for name in ("annotation", "before", "after"):
            held = getattr(command, name, None)
            if isinstance(held, Annotation) and held.kind == POLYGON:
                self._commands.append(command)
                del self._commands[:-KNOWN_VALUES]
                break
        return True

    def _add(self, make: Callable[[], Annotation]) -> tuple[Annotation | None, str | None]:
        if refused := self.read_only():
            return None, refused
        try:
            annotation = make()
        except (ValueError, KeyError) as error:  # outside the volume, a label not in the schema
            return None, str(error)
        if not self._push(AddAnnotation(self.document, annotation)):
            return None, "The measurement was not saved."
        return annotation, None

    # ------------------------------------------------------------------ editing
    def rebuilt(
        self,
        annotation: Annotation,
        label: str | None = None,
        low: Sequence[int] | None = None,
        high: Sequence[int] | None = None,
        points: Sequence[Sequence[float]] | None = None,
        values: bool = True,
    ) -> Annotation:
        """``annotation`` made again by the measurements module with another label (and, for
        a box, other corners; for a polygon, other vertices, with the statistics inside when
        they are known and ``values``), keeping its attributes; raises if the schema refuses
        them."""
        data = annotation.data
        label = annotation.label if label is None else label
        options: dict[str, Any] = {
            "schema": self.schema,
            "attributes": data.get("attributes") or {},
            "author": annotation.author,
        }
        if annotation.kind == LANDMARK:
            return measurements.landmark(
                self.item_id, self.geometry, data["point_kji"], label, **options
            )
        if annotation.kind == RULER:
            start, end = data["start_kji"], data["end_kji"]
            return measurements.ruler(self.item_id, self.geometry, start, end, label, **options)
        if annotation.kind == POLYGON:
            kept = data.get("values") if points is None else None  # the same outline's
            points = data["points_kji"] if points is None else points
            polygon = measurements.polygon(
                self.item_id, self.geometry, points, label, values=kept, **options
            )
            return self.with_known_values(polygon) if values else polygon
        low = data["min_kji"] if low is None else low
        high = data["max_kji"] if high is None else high
        return measurements.box3d(self.item_id, self.geometry, low, high, label, **options)

    def relabel(self, annotation_id: str, label: str) -> str | None:
        """Give a measurement another of the schema's labels."""
        annotation = self.document.get(annotation_id)
        if annotation.label == label:
            return None
        return self._update(annotation, lambda: self.rebuilt(annotation, label=label))

    def resize_box(self, annotation_id: str, low: Sequence[int], high: Sequence[int]) -> str | None:
        """Give a box new corners (voxels, both included)."""
        annotation = self.document.get(annotation_id)
        if [list(low), list(high)] == [annotation.data["min_kji"], annotation.data["max_kji"]]:
            return None
        return self._update(annotation, lambda: self.rebuilt(annotation, low=low, high=high))

    def move_vertex(self, annotation_id: str, vertex: int, point: Sequence[float]) -> str | None:
        """Move vertex ``vertex`` of a polygon to continuous index ``point`` (in its slice)."""
        annotation = self.document.get(annotation_id)
        points = [list(p) for p in annotation.data["points_kji"]]
        moved = [float(v) for v in point]
        if points[vertex] == moved:
            return None
        points[vertex] = moved
        return self._update(annotation, lambda: self.rebuilt(annotation, points=points))

    def insert_vertex(self, annotation_id: str, after: int, point: Sequence[float]) -> str | None:
        """Put a new vertex at continuous index ``point`` (in the polygon's slice) between
        vertex ``after`` and the next (the last and the first)."""
        annotation = self.document.get(annotation_id)
        points = [list(p) for p in annotation.data["points_kji"]]
        if not 0 <= after < len(points):
            return None
        points.insert(after + 1, [float(v) for v in point])
        return self._update(annotation, lambda: self.rebuilt(annotation, points=points))

    def delete_vertex(self, annotation_id: str, vertex: int) -> str | None:
        """Take vertex ``vertex`` out of a polygon (never below three)."""
        annotation = self.document.get(annotation_id)
        points = [list(p) for p in annotation.data["points_kji"]]
        if not 0 <= vertex < len(points):
            return None  # a vertex an undo took away meanwhile
        if len(points) <= MIN_VERTICES:
            return f"A polygon keeps at least {MIN_VERTICES} points: delete the polygon instead."
        del points[vertex]
        return self._update(annotation, lambda: self.rebuilt(annotation, points=points))

    def _update(self, annotation: Annotation, make: Callable[[], Annotation]) -> str | None:
        if refused := self.read_only():
            return refused
        try:
            new = make()
        except (ValueError, KeyError) as error:
            return str(error)
        command = UpdateAnnotation(self.document, annotation.id, label=new.label, data=new.data)
        return None if self._push(command) else "The change was not saved."

    def delete(self, annotation_id: str) -> str | None:
        """Delete a measurement (undoable)."""
        if annotation_id not in self.document:
            return None
        if refused := self.read_only():
            return refused
        ok = self._push(DeleteAnnotation(self.document, annotation_id))
        return None if ok else "The deletion was not saved."

    # ------------------------------------------------------------------ classification
    def save_classification(self, values: Mapping[str, AttributeValue]) -> str | None:
        """Store the volume-level classification (update the existing one); why not, if so."""
        if refused := self.read_only():
            return refused
        try:
            made = measurements.classification(
                self.item_id, self.schema, values, author=self.author
            )
        except (ValueError, KeyError) as error:
            return str(error)
        existing = self.classification()
        if existing is None:
            command: Command = AddAnnotation(self.document, made)
        elif existing.data == made.data:
            return "The classification is already saved."
        else:
            command = UpdateAnnotation(self.document, existing.id, data=made.data)
        return None if self.push(command) else "The classification was not saved."
