"""The editable area: which voxels a tool may change, honoured by every painting tool.

Three rules, after 3D Slicer's Segment Editor, decide whether painting segment ``v`` may
overwrite a voxel that holds another segment:

- ``OVERWRITE_ALL``: yes.
- ``OVERWRITE_VISIBLE``: only when that other segment is visible.
- ``ALLOW_OVERLAP``: Slicer keeps overlapping segments in separate layers; Caliper's label map
  holds one label per voxel, so overlap cannot be stored. Here the rule means *leave other
  segments alone*: only background voxels (and ``v``'s own) are painted.

Under every rule, background is always editable and a locked segment never is (painting into a
locked segment is refused). On top of the rule, an optional intensity range masks the edit to
voxels whose volume intensity lies inside ``[low, high]`` (both included); it applies to erasing
as well.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.errors import WorkspaceError
from workspace.segmentation.delta import BBox, bbox_region, bbox_shape
from workspace.segmentation.document import SegmentationDocument
from workspace.volume.model import Volume

Mask = npt.NDArray[np.bool_]


class EditRule(Enum):
    """What painting may overwrite (see the module docstring)."""

    OVERWRITE_ALL = "overwrite_all"
    OVERWRITE_VISIBLE = "overwrite_visible"
    ALLOW_OVERLAP = "allow_overlap"


class EditError(WorkspaceError, ValueError):
    """An edit that the editable area or the inputs do not allow; the message says why."""


@dataclass(frozen=True)
class EditableArea:
    """The editable-area rule and the optional intensity mask shared by every tool."""

    rule: EditRule = EditRule.OVERWRITE_ALL
    intensity_range: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if self.intensity_range is not None and self.intensity_range[0] > self.intensity_range[1]:
            raise ValueError(f"intensity range {self.intensity_range} is empty")


def _lookup(document: SegmentationDocument, writable: Collection[int]) -> Mask:
    """A table ``label value -> may be changed`` for the document's label type."""
    size = int(np.iinfo(document.labels.dtype).max) + 1
    table = np.zeros(size, dtype=np.bool_)
    for value in writable:
        table[value] = True
    return table


def lookup(table: Mask, labels: npt.NDArray[Any]) -> Mask:
    """``table[labels]``, by comparisons when the table has few exceptions (a lookup over a
    whole volume is several times slower than a comparison)."""
    for wanted in (False, True):
        odd = np.flatnonzero(table != wanted)
        if odd.size <= 4:
            result = np.full(labels.shape, wanted, dtype=np.bool_)
            for value in odd:
                result ^= labels == value
            return result
    return table[labels]


def overwritable(document: SegmentationDocument, value: int, rule: EditRule) -> Mask:
    """Lookup table of the label values that painting ``value`` may replace under ``rule``."""
    size = int(np.iinfo(document.labels.dtype).max) + 1
    if rule is EditRule.ALLOW_OVERLAP:
        table = _lookup(document, {0, value})
    else:
        table = np.ones(size, dtype=np.bool_)
        for segment in document.segments:
            hidden = rule is EditRule.OVERWRITE_VISIBLE and not segment.visible
            if segment.locked or (hidden and segment.value != value):
                table[segment.value] = False
    table[0] = True
    return table


def check_target(document: SegmentationDocument, value: int) -> None:
    """Raise :class:`EditError` unless ``value`` is an unlocked segment of the document."""
    try:
        segment = document.segment(value)
    except KeyError:
        raise EditError(f"There is no segment with label value {value}.") from None
    if segment.locked:
        raise EditError(f"Segment {segment.name!r} is locked.")


def intensity_mask(area: EditableArea, volume: Volume | None, bbox: BBox) -> Mask | None:
    """Voxels of ``bbox`` inside the intensity range, or None when no range is set."""
    if area.intensity_range is None:
        return None
    if volume is None:
        raise EditError("Masking by intensity needs the volume's voxels.")
    low, high = area.intensity_range
    voxels = volume.voxels[bbox_region(bbox)]
    return (voxels >= low) & (voxels <= high)


def paintable(
    document: SegmentationDocument,
    volume: Volume | None,
    area: EditableArea,
    bbox: BBox,
    value: int,
) -> Mask:
    """Voxels of ``bbox`` that painting ``value`` may change (rule, locks and intensity)."""
    limit = paint_limit(document, volume, area, bbox, value)
    return np.ones(bbox_shape(bbox), dtype=np.bool_) if limit is None else limit


def paint_limit(
    document: SegmentationDocument,
    volume: Volume | None,
    area: EditableArea,
    bbox: BBox,
    value: int,
) -> Mask | None:
    """:func:`paintable`, or None when painting may change every voxel of ``bbox`` (nothing
    locked or protected in the way, no intensity range): the caller skips a pass."""
    table = overwritable(document, value, area.rule)
    inside = intensity_mask(area, volume, bbox)
    if bool(table.all()):
        return inside
    allowed = lookup(table, document.labels[bbox_region(bbox)])
    return allowed if inside is None else allowed & inside


def erasable(
    document: SegmentationDocument,
    volume: Volume | None,
    area: EditableArea,
    bbox: BBox,
    values: Collection[int],
) -> Mask:
    """Voxels of ``bbox`` holding one of ``values`` (unlocked) that erasing may clear."""
    locked = {s.value for s in document.segments if s.locked}
    table = _lookup(document, [v for v in values if v not in locked and v != 0])
    allowed = lookup(table, document.labels[bbox_region(bbox)])
    inside = intensity_mask(area, volume, bbox)
    return allowed if inside is None else allowed & inside
