"""Undo deltas of a label map: a bounding box with its old and new voxels, compressed.

As in ITK-SNAP's undo manager, a step costs what changed, never a copy of the label map. The box
is cropped to the voxels that differ, and one zlib stream (run-length strategy: label data is
long runs) holds the box's change mask (one bit a voxel) followed by the old and then the new
values of the changed voxels. Undo and redo write only those voxels, in place.

Every step the stack takes (do, undo, redo) is persisted as one ``labelmap_deltas`` row holding
all the voxels of the box as that step left them (a plain zlib stream, the format that
:func:`workspace.segmentation.snapshots.read_segmentation` replays), so replaying an item's
rows in ``seq`` order over the snapshot they follow rebuilds the live label map exactly.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import numpy as np
import numpy.typing as npt

from workspace.commands import Change, Command

TABLE = "labelmap_deltas"
CODEC = "zlib"
#: ``(k0, k1, j0, j1, i0, i1)``: array index ranges, ends exclusive.
BBox = tuple[int, int, int, int, int, int]
Labels = npt.NDArray[Any]


def compress(values: Labels) -> bytes:
    """Deflate ``values`` (level 1, run-length strategy: fast, and small on label data)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    return packer.compress(np.ascontiguousarray(values).data.cast("B")) + packer.flush()


def decompress(payload: bytes, dtype: str, shape: tuple[int, ...]) -> Labels:
    """Inverse of :func:`compress` (a writable array)."""
    return np.frombuffer(bytearray(zlib.decompress(payload)), dtype=np.dtype(dtype)).reshape(shape)


def bbox_shape(bbox: Sequence[int]) -> tuple[int, int, int]:
    """Shape of the voxels inside ``bbox``."""
    k0, k1, j0, j1, i0, i1 = bbox
    return (k1 - k0, j1 - j0, i1 - i0)


def bbox_region(bbox: Sequence[int]) -> tuple[slice, slice, slice]:
    """Index of ``bbox`` in a ``[k, j, i]`` array."""
    k0, k1, j0, j1, i0, i1 = bbox
    return slice(k0, k1), slice(j0, j1), slice(i0, i1)


def apply_payload(labels: Labels, bbox: Sequence[int], dtype: str, payload: bytes) -> None:
    """Write one persisted step's voxels into ``labels`` (replay)."""
    labels[bbox_region(bbox)] = decompress(payload, dtype, bbox_shape(bbox))


def _changed_span(diff: npt.NDArray[np.bool_], axis: int) -> tuple[int, int] | None:
    others = tuple(a for a in range(3) if a != axis)
    hits = np.flatnonzero(diff.any(axis=others))
    return None if hits.size == 0 else (int(hits[0]), int(hits[-1]) + 1)


@dataclass(frozen=True, slots=True)
class LabelDelta:
    """The changed voxels of ``bbox``: where they are, their old and their new values."""

    bbox: BBox
    dtype: str
    payload: bytes  # zlib(packbits(change mask) + old values + new values)
    changed: int  # voxels whose label differs

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of the bounding box."""
        return bbox_shape(self.bbox)

    @property
    def nbytes(self) -> int:
        """Bytes of voxel data the delta holds (what one undo step costs)."""
        return len(self.payload)

    def unpack(self) -> tuple[npt.NDArray[np.bool_], Labels, Labels]:
        """The change mask of the box, and the old and new values of the changed voxels."""
        raw = zlib.decompress(self.payload)
        size = int(np.prod(self.shape))
        mask_bytes = (size + 7) // 8
        bits = np.unpackbits(np.frombuffer(raw, np.uint8, mask_bytes), count=size)
        dtype = np.dtype(self.dtype)
        old = np.frombuffer(raw, dtype, self.changed, mask_bytes)
        new = np.frombuffer(raw, dtype, self.changed, mask_bytes + self.changed * dtype.itemsize)
        return bits.view(np.bool_).reshape(self.shape), old, new

    def write(self, labels: Labels, which: Literal["old", "new"]) -> None:
        """Put the ``old`` or ``new`` values of the changed voxels into ``labels``, in place."""
        mask, old, new = self.unpack()
        labels[bbox_region(self.bbox)][mask] = old if which == "old" else new

    @classmethod
    def capture(cls, labels: Labels, bbox: BBox, new_values: Labels) -> LabelDelta | None:
        """The delta that writes ``new_values`` into ``bbox`` of ``labels``; None if no change.

        ``labels`` is not modified; the box is cropped to the voxels that actually change.
        """
        if new_values.dtype != labels.dtype or new_values.shape != bbox_shape(bbox):
            raise ValueError(
                f"new values {new_values.dtype}{new_values.shape} do not fit bbox {bbox} of a "
                f"{labels.dtype} label map"
            )
        old_values = labels[bbox_region(bbox)]
        diff = old_values != new_values
        k_span, j_span, i_span = (_changed_span(diff, axis) for axis in range(3))
        if k_span is None or j_span is None or i_span is None:
            return None
        (a0, a1), (b0, b1), (c0, c1) = k_span, j_span, i_span
        crop = (slice(a0, a1), slice(b0, b1), slice(c0, c1))
        mask = diff[crop]
        k0, _, j0, _, i0, _ = bbox
        tight: BBox = (k0 + a0, k0 + a1, j0 + b0, j0 + b1, i0 + c0, i0 + c1)
        packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
        parts = [np.packbits(mask), old_values[crop][mask], new_values[crop][mask]]
        payload = b"".join(packer.compress(part.data.cast("B")) for part in parts)
        return cls(tight, labels.dtype.str, payload + packer.flush(), int(mask.sum()))


class LabelTarget(Protocol):
    """What a :class:`LabelMapEdit` edits: an item's live label array."""

    @property
    def item_id(self) -> str:
        """The volume item the labels belong to."""

    @property
    def labels(self) -> Labels:
        """The live ``[k, j, i]`` label array, written in place."""

    def mark_changed(self, bbox: BBox) -> None:
        """Tell the listeners that the voxels of ``bbox`` changed."""


class LabelMapEdit(Command):
    """One label-map edit (a dab, a threshold, a fill...) as an undoable, persisted delta."""

    kind: ClassVar[str] = "labelmap.edit"

    def __init__(
        self, target: LabelTarget, delta: LabelDelta, text: str, values: Labels | None = None
    ) -> None:
        """``values``: all the voxels of the delta's box after the edit, when the tool has
        them (the first :meth:`do` copies them in instead of unpacking the delta)."""
        self.target = target
        self.delta = delta
        self._text = text
        self._values = values
        self._row: bytes | None = None

    def prepare(self) -> None:
        """Compute the first :meth:`do` ahead, on a worker thread: the box's new voxels and
        their persisted row. The push on the GUI thread then only copies them in.

        Valid while the labels stay as they are: whoever prepares must not push once they
        changed (the viewer discards such a result).
        """
        if self._values is None:
            mask, _, new = self.delta.unpack()
            self._values = self.target.labels[bbox_region(self.delta.bbox)].copy()
            self._values[mask] = new
        self._row = compress(self._values)

    @property
    def text(self) -> str:
        return self._text

    def _write(self, which: Literal["old", "new"]) -> Sequence[Change]:
        labels = self.target.labels
        box = bbox_region(self.delta.bbox)
        values, packed = self._values, self._row
        self._values = self._row = None  # only the first do: later ones replay the delta
        if values is not None and which == "new":
            labels[box] = values
            voxels = packed if packed is not None else compress(values)
        else:
            self.delta.write(labels, which)
            voxels = compress(labels[box])
        self.target.mark_changed(self.delta.bbox)
        step_id = str(uuid.uuid4())
        row: dict[str, Any] = {
            "id": step_id,
            "item_id": self.target.item_id,
            "bbox": list(self.delta.bbox),
            "dtype": self.delta.dtype,
            "voxels": voxels,
        }
        return [Change(TABLE, step_id, row)]

    def do(self) -> Sequence[Change]:
        return self._write("new")

    def undo(self) -> Sequence[Change]:
        return self._write("old")

    def payload(self) -> dict[str, Any]:
        return {
            "bbox": list(self.delta.bbox),
            "changed": self.delta.changed,
            "bytes": self.delta.nbytes,
            "codec": CODEC,
        }
