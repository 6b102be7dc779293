"""Undo deltas of a label map: a bounding box with what changed in it, compressed.

As in ITK-SNAP's undo manager, a step costs what changed, never a copy of the label map. The box
is cropped to the voxels that differ (a large one to its changed slices), and the delta holds
the box's old values XOR its new ones: zero where nothing changed. A large box is one Zstandard
frame of that (fast, and it packs to little more than the changed voxels); a small one (a brush
dab) is one zlib stream of its change mask (one bit a voxel) followed by the non-zero XOR
values, smaller still. XOR is its own inverse, so undo and redo are the same in-place
``labels[box] ^= change``, exact because the stack only ever undoes the newest step over the
very voxels that step left.

Every step the stack takes (do, undo, redo) is persisted as one ``labelmap_deltas`` row holding
all the voxels of the box as that step left them (compressed by :func:`compress`, the format
that :func:`workspace.segmentation.snapshots.read_segmentation` replays), so replaying an item's
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
from workspace.segmentation import codec

TABLE = "labelmap_deltas"
CODEC = codec.CODEC
#: ``(k0, k1, j0, j1, i0, i1)``: array index ranges, ends exclusive.
BBox = tuple[int, int, int, int, int, int]
Labels = npt.NDArray[Any]
#: Bytes of a box from which a delta is cropped to its changed slices only (see _changed_box).
LARGE = 1 << 20


def compress(values: Labels) -> bytes:
    """Compress ``values`` as a persisted row holds them (Zstandard level 1)."""
    return codec.pack(values)


def decompress(payload: bytes, dtype: str, shape: tuple[int, ...]) -> Labels:
    """Inverse of :func:`compress`, and of the zlib rows of earlier versions (a writable array)."""
    return codec.unpack(payload, dtype, shape)


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
    region = labels[bbox_region(bbox)]
    if region.flags.c_contiguous:
        codec.unpack_into(payload, region)
    else:
        region[...] = decompress(payload, dtype, bbox_shape(bbox))


def _span(hits: npt.ArrayLike) -> tuple[int, int] | None:
    found = np.flatnonzero(hits)
    return None if found.size == 0 else (int(found[0]), int(found[-1]) + 1)


def _changed_box(change: Labels) -> BBox | None:
    """The box of ``change`` holding all its non-zero voxels (None if there are none).

    A large box is cut to its changed slices alone: the slab stays contiguous (compressed with
    no copy) and the unchanged rows and columns left in it cost next to nothing packed. A small
    one is cut to its changed rows and columns too.
    """
    depth, rows, cols = change.shape
    k_span = _span(change.reshape(depth, -1).any(axis=1))
    if k_span is None:
        return None
    if change.nbytes >= LARGE:
        return (*k_span, 0, rows, 0, cols)
    slab = change[k_span[0] : k_span[1]]
    j_span = _span(slab.any(axis=(0, 2)))
    i_span = _span(slab.any(axis=(0, 1)))
    assert j_span is not None and i_span is not None
    return (*k_span, *j_span, *i_span)


@dataclass(frozen=True, slots=True)
class LabelDelta:
    """The changed voxels of ``bbox``: their old values XOR their new ones, compressed."""

    bbox: BBox
    dtype: str
    payload: bytes  # zstd(old ^ new), or zlib(packbits(old != new) + the non-zero old ^ new)
    changed: int  # voxels whose label differs

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of the bounding box."""
        return bbox_shape(self.bbox)

    @property
    def nbytes(self) -> int:
        """Bytes of voxel data the delta holds (what one undo step costs)."""
        return len(self.payload)

    def change(self) -> Labels:
        """Old XOR new over the box: zero where the label stays, non-zero where it changes."""
        if self.payload[:4] == codec.ZSTD_MAGIC:
            return decompress(self.payload, self.dtype, self.shape)
        raw = zlib.decompress(self.payload)
        size = int(np.prod(self.shape))
        mask_bytes = (size + 7) // 8
        mask = np.unpackbits(np.frombuffer(raw, np.uint8, mask_bytes), count=size).view(np.bool_)
        change = np.zeros(size, dtype=np.dtype(self.dtype))
        change[mask] = np.frombuffer(raw, change.dtype, self.changed, mask_bytes)
        return change.reshape(self.shape)

    def write(self, labels: Labels, which: Literal["old", "new"]) -> None:
        """Put the ``old`` or ``new`` values of the changed voxels into ``labels``, in place.

        ``labels`` must hold the other side's values in the box (as a linear undo stack
        guarantees): flipping the changed bits is then the same either way.
        """
        del which  # XOR is its own inverse
        labels[bbox_region(self.bbox)] ^= self.change()

    @classmethod
    def capture(cls, labels: Labels, bbox: BBox, new_values: Labels) -> LabelDelta | None:
        """The delta that writes ``new_values`` into ``bbox`` of ``labels``; None if no change.

        ``labels`` is not modified; the box is cropped to the voxels that actually change
        (a large box to the slices that do).
        """
        if new_values.dtype != labels.dtype or new_values.shape != bbox_shape(bbox):
            raise ValueError(
                f"new values {new_values.dtype}{new_values.shape} do not fit bbox {bbox} of a "
                f"{labels.dtype} label map"
            )
        change = np.bitwise_xor(labels[bbox_region(bbox)], new_values)
        inner = _changed_box(change)
        if inner is None:
            return None
        a, b, c, d, e, f = inner
        k0, _, j0, _, i0, _ = bbox
        tight: BBox = (k0 + a, k0 + b, j0 + c, j0 + d, i0 + e, i0 + f)
        cropped = change[bbox_region(inner)]
        if cropped.nbytes >= codec.SMALL:
            changed = int(np.count_nonzero(cropped))
            return cls(tight, labels.dtype.str, codec.pack(cropped), changed)
        mask = cropped != 0
        packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
        parts = [np.packbits(mask).data, np.ascontiguousarray(cropped[mask]).data.cast("B")]
        payload = b"".join(packer.compress(part) for part in parts) + packer.flush()
        return cls(tight, labels.dtype.str, payload, int(mask.sum()))


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
            box = self.target.labels[bbox_region(self.delta.bbox)]
            self._values = np.bitwise_xor(box, self.delta.change())
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
            "codec": CODEC if self.delta.payload[:4] == codec.ZSTD_MAGIC else "zlib",
        }
