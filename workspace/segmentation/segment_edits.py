"""Adding, duplicating and removing segments, as 3D Slicer's segment table does.

Each is one undoable command on a :class:`~workspace.segmentation.document.SegmentationDocument`
(persisted with the segment list when the document is tied to its record). Removing a segment
clears its voxels in the same step, so undo brings segment and voxels back together. A label
map holds one segment per voxel, so a duplicate copies the segment's settings (colour,
opacity, visibility) under a new name and value, with no voxels of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any, ClassVar

import numpy as np

from workspace.commands import Change, Command
from workspace.segmentation.compound import CompoundCommand
from workspace.segmentation.delta import LabelDelta, LabelMapEdit, bbox_region
from workspace.segmentation.document import AddSegment, SegmentationDocument, check_segments
from workspace.segmentation.shapes import mask_bbox
from workspace.segmentation.snapshots import PALETTE
from workspace.volume.model import Segment


def unique_name(document: SegmentationDocument, wanted: str) -> str:
    """``wanted``, or ``wanted 2``, ``wanted 3``... (the first no segment has)."""
    taken = {s.name for s in document.segments}
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted} {n}" in taken:
        n += 1
    return f"{wanted} {n}"


def new_segment(document: SegmentationDocument) -> Segment:
    """A new, empty segment: the lowest free value, ``Segment N``, a colour not yet used."""
    (value,) = document.free_values(1)
    used = {s.color.lower() for s in document.segments}
    color = next((c for c in PALETTE if c.lower() not in used), PALETTE[value % len(PALETTE)])
    return Segment(value, unique_name(document, f"Segment {value}"), color)


class DuplicateSegment(AddSegment):
    """Add a copy of a segment's settings under the next free value (``<name> copy``)."""

    kind: ClassVar[str] = "segment.duplicate"

    def __init__(self, document: SegmentationDocument, value: int) -> None:
        original = document.segment(value)
        (free,) = document.free_values(1)
        copy = replace(
            original, value=free, name=unique_name(document, f"{original.name} copy"), locked=False
        )
        super().__init__(document, copy)
        self.original = original

    @property
    def text(self) -> str:
        return f"duplicate {self.original.name}"


class _SetSegments(Command):
    """Replace the segment list (a part of :class:`RemoveSegment`)."""

    kind: ClassVar[str] = "segment.set"

    def __init__(self, document: SegmentationDocument, after: Sequence[Segment]) -> None:
        self.document = document
        self.before = document.segments
        self.after = tuple(after)
        check_segments(self.after, document.labels.dtype)

    @property
    def text(self) -> str:
        return "change segments"

    def do(self) -> Sequence[Change]:
        return self.document.set_segments(self.after)

    def undo(self) -> Sequence[Change]:
        return self.document.set_segments(self.before)

    def payload(self) -> dict[str, Any]:
        return {"segments": [asdict(s) for s in self.after]}


class RemoveSegment(CompoundCommand):
    """Remove a segment and clear its voxels (ValueError for a locked segment)."""

    kind: ClassVar[str] = "segment.remove"

    def __init__(self, document: SegmentationDocument, value: int) -> None:
        segment = document.segment(value)
        if segment.locked:
            raise ValueError(f"{segment.name} is locked: unlock it to remove it.")
        text = f"remove {segment.name}"
        parts: list[Command] = []
        labels = document.labels
        box = mask_bbox(labels == value)
        if box is not None:
            region = labels[bbox_region(box)]
            cleared = np.where(region == value, region.dtype.type(0), region)
            delta = LabelDelta.capture(labels, box, cleared)
            if delta is not None:
                parts.append(LabelMapEdit(document, delta, text))
        rest = [s for s in document.segments if s.value != value]
        parts.append(_SetSegments(document, rest))
        super().__init__(text, parts)
        self.removed = segment
