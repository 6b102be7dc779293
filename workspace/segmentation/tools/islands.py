"""Islands: keep the largest, remove the small ones, keep or remove the clicked one, or split
every island into its own segment.

Islands are the connected components of the selected segment (SimpleITK: faces only, or also
edges and corners with ``fully_connected``). This tool only relabels the segment's own voxels,
so the editable area does not apply; a locked segment is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from workspace.commands import Command
from workspace.segmentation import sitk_bridge
from workspace.segmentation.area import EditError, Mask
from workspace.segmentation.compound import CompoundCommand
from workspace.segmentation.delta import BBox, LabelMapEdit, bbox_region
from workspace.segmentation.document import AddSegments, SegmentationDocument
from workspace.segmentation.editing import replace_values
from workspace.segmentation.shapes import mask_bbox
from workspace.segmentation.snapshots import PALETTE
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool
from workspace.volume.model import Segment

Operation = Literal["keep_largest", "remove_small", "keep_selected", "remove_selected", "split"]
OPERATIONS: tuple[Operation, ...] = (
    "keep_largest",
    "remove_small",
    "keep_selected",
    "remove_selected",
    "split",
)


@dataclass(frozen=True)
class IslandsOptions:
    """``min_voxels``: islands smaller are removed (``remove_small``) or stay (``split``)."""

    operation: Operation = "keep_largest"
    min_voxels: int = 1000
    fully_connected: bool = False

    def __post_init__(self) -> None:
        if self.operation not in OPERATIONS:
            raise ValueError(f"unknown islands operation {self.operation!r}")
        if self.min_voxels < 1:
            raise ValueError("min_voxels must be at least 1")


def island_image(region: Mask, fully_connected: bool) -> tuple[Any, npt.NDArray[Any]]:
    """The SimpleITK image of island ids (1 = largest, 0 = background) and the size of each
    id (id 0: not counted).

    SimpleITK's filters release the GIL and the relabelling counts the sizes: no numpy pass
    over the ids (a ``bincount`` of a large region holds the GIL for over a second).
    """
    import SimpleITK as sitk  # noqa: N813

    labelled = sitk.ConnectedComponent(sitk_bridge.image(region), fully_connected)
    relabel = sitk.RelabelComponentImageFilter()
    relabel.SetSortByObjectSize(True)
    ids = relabel.Execute(labelled)
    return ids, np.array([0, *relabel.GetSizeOfObjectsInPixels()], dtype=np.int64)


def components(region: Mask, fully_connected: bool) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Island ids (1 = largest, 0 = background) as an array, and the size of each id."""
    ids, sizes = island_image(region, fully_connected)
    return sitk_bridge.array(ids), sizes


def ids_between(ids: Any, low: int, high: int) -> Mask:
    """Voxels whose island id lies in ``[low, high]`` (SimpleITK: no copy of the 4-byte ids)."""
    import SimpleITK as sitk  # noqa: N813

    if high < low:  # no id: nothing
        return np.zeros(tuple(reversed(ids.GetSize())), dtype=np.bool_)
    return sitk_bridge.mask(sitk.BinaryThreshold(ids, low, high, 1, 0))


def _unique_name(document: SegmentationDocument, base: str, taken: set[str]) -> str:
    taken |= {s.name for s in document.segments}
    number = 2
    while f"{base} {number}" in taken:
        number += 1
    taken.add(f"{base} {number}")
    return f"{base} {number}"


@register_tool
class IslandsTool(Tool[IslandsOptions]):
    """Cleans up or splits the islands of the selected segment."""

    tool_id = "islands"
    title = "Islands"
    background = True

    @classmethod
    def default_options(cls) -> IslandsOptions:
        return IslandsOptions()

    def _clicked(self, at: Pointer | None, ids: Any, box: BBox) -> int:
        voxel = self.pointer(at).voxel
        k0, k1, j0, j1, i0, i1 = box
        inside = k0 <= voxel[0] < k1 and j0 <= voxel[1] < j1 and i0 <= voxel[2] < i1
        offset = (voxel[0] - k0, voxel[1] - j0, voxel[2] - i0)
        island = int(ids.GetPixel(sitk_bridge.itk_index(offset))) if inside else 0
        if island == 0:
            raise EditError("Click on an island of the selected segment.")
        return island

    def apply(self, at: Pointer | None = None) -> Command | None:
        """Run the operation (``at``: the island clicked, for keep/remove selected)."""
        segment = self.context.selected()
        document = self.context.document
        progress = self.context.progress
        progress.step(0, 3)
        box = mask_bbox(document.labels == segment.value)
        if box is None:
            return None
        current = document.labels[bbox_region(box)]
        progress.step(1, 3)
        region = current == segment.value
        ids, sizes = island_image(region, self.options.fully_connected)
        progress.step(2, 3)
        operation = self.options.operation
        if operation == "split":
            return self._split(segment, box, current, sitk_bridge.array(ids), sizes)
        if operation == "remove_selected":
            remove = ids_between(ids, *[self._clicked(at, ids, box)] * 2)
        else:
            if operation == "keep_largest":
                keep = ids_between(ids, 1, 1)
            elif operation == "remove_small":  # ids are sorted by size: 1..n are the big ones
                keep = ids_between(ids, 1, int((sizes[1:] >= self.options.min_voxels).sum()))
            else:
                keep = ids_between(ids, *[self._clicked(at, ids, box)] * 2)
            remove = region & ~keep
        new = current.copy()
        np.copyto(new, current.dtype.type(0), where=remove)
        return replace_values(self.context, box, new, f"islands of {segment.name}")

    def _split(
        self,
        segment: Segment,
        box: BBox,
        current: npt.NDArray[Any],
        ids: npt.NDArray[Any],
        sizes: npt.NDArray[Any],
    ) -> Command | None:
        document = self.context.document
        islands = [n for n in range(2, sizes.size) if sizes[n] >= self.options.min_voxels]
        if not islands:
            return None
        values = document.free_values(len(islands))
        taken: set[str] = set()
        added = [
            Segment(value, _unique_name(document, segment.name, taken), PALETTE[value % 10])
            for value in values
        ]
        table = np.zeros(sizes.size, dtype=current.dtype)
        table[islands] = values
        moved = table[ids]  # one lookup, not a pass over the ids per island
        new = current.copy()
        np.copyto(new, moved, where=moved != 0)
        text = f"split islands of {segment.name}"
        edit = replace_values(self.context, box, new, text)
        assert isinstance(edit, LabelMapEdit)
        return CompoundCommand(text, [AddSegments(document, added), edit])
