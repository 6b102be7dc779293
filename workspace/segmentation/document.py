"""The segmentation of one volume item: its live label map, its segments, and their commands.

Segment values follow the label schema (class ``n`` of the schema is value ``n + 1``), as the
volume viewer does. When the document is tied to the item's ``segmentation`` record (see
:func:`workspace.segmentation.store.open_segmentation`), every segment command also rewrites
that record's ``segments`` so the change is persisted with the step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any, ClassVar

import numpy as np

from workspace.annotations import AnnotationDocument, now_iso
from workspace.commands import Change, Command
from workspace.events import EmitterGroup, EventEmitter
from workspace.schema import LabelSchema
from workspace.segmentation.delta import BBox, Labels
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class SegmentationEvents(EmitterGroup):
    """``labels_changed(bbox)`` after voxels change; ``segments_changed()`` after segments do."""

    def __init__(self) -> None:
        self.labels_changed: EventEmitter[[BBox]] = EventEmitter("labels_changed")
        self.segments_changed: EventEmitter[[]] = EventEmitter("segments_changed")


def segments_from_schema(schema: LabelSchema, names: Sequence[str] | None = None) -> list[Segment]:
    """Segments for the schema's classes (all, or those named), valued by schema position."""
    wanted = schema.class_names if names is None else [schema.class_named(n).name for n in names]
    return [
        Segment(n, c.name, c.color)
        for n, c in enumerate(schema.classes, start=1)
        if c.name in wanted
    ]


def check_segments(segments: Sequence[Segment], dtype: np.dtype[Any]) -> None:
    """Raise ValueError unless values and names are unique and every field is valid."""
    top = int(np.iinfo(dtype).max)
    values = [s.value for s in segments]
    names = [s.name for s in segments]
    for segment in segments:
        if not 1 <= segment.value <= top:
            raise ValueError(f"segment value {segment.value} is outside 1..{top}")
        if not segment.name.strip():
            raise ValueError("a segment needs a name")
        if not _COLOR.fullmatch(segment.color):
            raise ValueError(f"{segment.color!r} is not a colour of the form #rrggbb")
        if not 0.0 <= segment.opacity <= 1.0:
            raise ValueError(f"opacity {segment.opacity} is outside 0..1")
    if len(set(values)) != len(values):
        raise ValueError(f"segment values repeat: {values}")
    if len(set(names)) != len(names):
        raise ValueError(f"segment names repeat: {names}")


class SegmentationDocument:
    """The label map of one volume item and its segments, with events viewers subscribe to."""

    def __init__(
        self,
        item_id: str,
        label_map: LabelMap,
        annotations: AnnotationDocument | None = None,
        record_id: str | None = None,
    ) -> None:
        if not label_map.labels.flags.writeable:
            label_map.labels = label_map.labels.copy()
        check_segments(label_map.segments, label_map.labels.dtype)
        self._item_id = item_id
        self.label_map = label_map
        self.annotations = annotations
        self.record_id = record_id
        self.events = SegmentationEvents()

    @classmethod
    def new(
        cls, item_id: str, geometry: VolumeGeometry, schema: LabelSchema
    ) -> SegmentationDocument:
        """An all-background segmentation with one segment per schema class (not stored)."""
        dtype = np.uint8 if len(schema.classes) < 256 else np.uint16
        labels = np.zeros(geometry.shape, dtype=dtype)
        return cls(item_id, LabelMap(labels, geometry, segments_from_schema(schema)))

    @property
    def item_id(self) -> str:
        """The volume item segmented."""
        return self._item_id

    @property
    def labels(self) -> Labels:
        """The live label array ``[k, j, i]`` (write it only through commands)."""
        return self.label_map.labels

    @property
    def geometry(self) -> VolumeGeometry:
        """The grid of the label map."""
        return self.label_map.geometry

    @property
    def segments(self) -> tuple[Segment, ...]:
        """The segments, in order."""
        return tuple(self.label_map.segments)

    def segment(self, value: int) -> Segment:
        """The segment with label ``value`` (KeyError if absent)."""
        return self.label_map.segment(value)

    def segment_named(self, name: str) -> Segment:
        """The segment called ``name`` (KeyError if absent)."""
        for segment in self.label_map.segments:
            if segment.name == name:
                return segment
        raise KeyError(f"No segment named {name!r}.")

    def free_values(self, count: int) -> list[int]:
        """The ``count`` lowest label values no segment uses (ValueError if the type is full)."""
        used = {s.value for s in self.label_map.segments}
        top = int(np.iinfo(self.labels.dtype).max)
        free = [v for v in range(1, top + 1) if v not in used][:count]
        if len(free) < count:
            raise ValueError(f"no room for {count} more segments in a {self.labels.dtype} map")
        return free

    # ------------------------------------------------------------------ used by commands
    def mark_changed(self, bbox: BBox) -> None:
        """Emit ``labels_changed`` for ``bbox`` (after a command wrote its voxels)."""
        self.events.labels_changed.emit(bbox)

    def set_segments(self, segments: Sequence[Segment]) -> list[Change]:
        """Replace the segment list; returns the record update to persist (if tied to one)."""
        check_segments(segments, self.labels.dtype)
        self.label_map.segments = list(segments)
        self.events.segments_changed.emit()
        if self.annotations is None or self.record_id is None:
            return []
        if self.record_id not in self.annotations:
            return []  # the record's creation was undone; the next snapshot saves them
        record = self.annotations.get(self.record_id)
        data = {**record.data, "segments": [asdict(s) for s in segments]}
        return [self.annotations.put(replace(record, data=data, updated_at=now_iso()))]


class AddSegments(Command):
    """Add one or more segments."""

    kind: ClassVar[str] = "segment.add"

    def __init__(self, document: SegmentationDocument, segments: Sequence[Segment]) -> None:
        self.document = document
        self.added = tuple(segments)
        self.before = document.segments
        check_segments([*self.before, *self.added], document.labels.dtype)

    @property
    def text(self) -> str:
        names = ", ".join(s.name for s in self.added)
        return f"add segment{'s' if len(self.added) > 1 else ''} {names}"

    def do(self) -> Sequence[Change]:
        return self.document.set_segments([*self.before, *self.added])

    def undo(self) -> Sequence[Change]:
        return self.document.set_segments(self.before)

    def payload(self) -> dict[str, Any]:
        return {"segments": [asdict(s) for s in self.added]}


class AddSegment(AddSegments):
    """Add one segment."""

    def __init__(self, document: SegmentationDocument, segment: Segment) -> None:
        super().__init__(document, [segment])


class _ChangeSegment(Command):
    """Replace one field of one segment (subclasses name the field)."""

    field_name: ClassVar[str]
    verbs: ClassVar[tuple[str, str]]  # the undo text's verb: (when the new value is falsy, else)

    def __init__(self, document: SegmentationDocument, value: int, new: Any) -> None:
        self.document = document
        self.before = document.segments
        self.old = document.segment(value)
        changes: dict[str, Any] = {self.field_name: new}
        self.new = replace(self.old, **changes)
        self.after = tuple(self.new if s.value == value else s for s in self.before)
        check_segments(self.after, document.labels.dtype)

    @property
    def text(self) -> str:
        verb = self.verbs[bool(getattr(self.new, self.field_name))]
        return f"{verb} {self.old.name}"

    def do(self) -> Sequence[Change]:
        return self.document.set_segments(self.after)

    def undo(self) -> Sequence[Change]:
        return self.document.set_segments(self.before)

    def payload(self) -> dict[str, Any]:
        return {"before": asdict(self.old), "after": asdict(self.new)}


class RenameSegment(_ChangeSegment):
    """Rename a segment."""

    kind: ClassVar[str] = "segment.rename"
    field_name: ClassVar[str] = "name"
    verbs: ClassVar[tuple[str, str]] = ("rename", "rename")

    def __init__(self, document: SegmentationDocument, value: int, name: str) -> None:
        super().__init__(document, value, name)


class RecolourSegment(_ChangeSegment):
    """Change a segment's colour (``#rrggbb``)."""

    kind: ClassVar[str] = "segment.recolour"
    field_name: ClassVar[str] = "color"
    verbs: ClassVar[tuple[str, str]] = ("recolour", "recolour")

    def __init__(self, document: SegmentationDocument, value: int, color: str) -> None:
        super().__init__(document, value, color)


class SetSegmentVisibility(_ChangeSegment):
    """Show or hide a segment."""

    kind: ClassVar[str] = "segment.visibility"
    field_name: ClassVar[str] = "visible"
    verbs: ClassVar[tuple[str, str]] = ("hide", "show")

    def __init__(self, document: SegmentationDocument, value: int, visible: bool) -> None:
        super().__init__(document, value, visible)


class SetSegmentOpacity(_ChangeSegment):
    """Change a segment's opacity (0..1)."""

    kind: ClassVar[str] = "segment.opacity"
    field_name: ClassVar[str] = "opacity"
    verbs: ClassVar[tuple[str, str]] = ("change opacity of", "change opacity of")

    def __init__(self, document: SegmentationDocument, value: int, opacity: float) -> None:
        super().__init__(document, value, opacity)


class SetSegmentLock(_ChangeSegment):
    """Lock a segment (no tool changes its voxels) or unlock it."""

    kind: ClassVar[str] = "segment.lock"
    field_name: ClassVar[str] = "locked"
    verbs: ClassVar[tuple[str, str]] = ("unlock", "lock")

    def __init__(self, document: SegmentationDocument, value: int, locked: bool) -> None:
        super().__init__(document, value, locked)
