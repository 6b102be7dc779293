"""Undoable label-map edits stored as compressed deltas (bounding box + old and new values).

As in ITK-SNAP, an undo step costs what changed, never a copy of the label map. Every step
(do, undo, redo) is persisted as a row of ``labelmap_deltas`` with the values it wrote, so the
label map is the newest snapshot plus the deltas after it, replayed in order.
"""

from __future__ import annotations

import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from workspace.commands import Change, Command
from workspace.events import EventEmitter

TABLE = "labelmap_deltas"
BBox = tuple[int, int, int, int, int, int]  # k0, k1, j0, j1, i0, i1 (ends exclusive)


def _pack(values: npt.NDArray[Any]) -> bytes:
    return zlib.compress(np.ascontiguousarray(values).data.cast("B"), 1)


def _unpack(payload: bytes, dtype: np.dtype[Any], shape: tuple[int, ...]) -> npt.NDArray[Any]:
    return np.frombuffer(zlib.decompress(payload), dtype=dtype).reshape(shape)


@dataclass(frozen=True)
class LabelDelta:
    """The voxels of ``bbox`` before and after an edit, compressed."""

    bbox: BBox
    dtype: str
    before: bytes
    after: bytes

    @property
    def shape(self) -> tuple[int, int, int]:
        """Shape of the bounding box."""
        k0, k1, j0, j1, i0, i1 = self.bbox
        return (k1 - k0, j1 - j0, i1 - i0)

    @property
    def nbytes(self) -> int:
        """Memory the delta holds (what an undo step costs)."""
        return len(self.before) + len(self.after)

    def region(self) -> tuple[slice, slice, slice]:
        """Index of the bounding box in the label array."""
        k0, k1, j0, j1, i0, i1 = self.bbox
        return slice(k0, k1), slice(j0, j1), slice(i0, i1)

    def values(self, which: str) -> npt.NDArray[Any]:
        """The ``before`` or ``after`` voxels."""
        payload = self.before if which == "before" else self.after
        return _unpack(payload, np.dtype(self.dtype), self.shape)

    @classmethod
    def between(cls, before: npt.NDArray[Any], after: npt.NDArray[Any], bbox: BBox) -> LabelDelta:
        """The delta that turns ``before`` into ``after`` (both the bbox's voxels)."""
        return cls(bbox, before.dtype.str, _pack(before), _pack(after))


class LabelMapDocument:
    """The live label array of one volume item; ``changed`` carries the bounding box edited."""

    def __init__(self, item_id: str, labels: npt.NDArray[Any]) -> None:
        self.item_id = item_id
        self.labels = labels
        self.changed: EventEmitter[[BBox]] = EventEmitter("changed")

    def write(self, delta: LabelDelta, which: str) -> None:
        """Put the delta's ``before`` or ``after`` voxels into the array."""
        self.labels[delta.region()] = delta.values(which)
        self.changed.emit(delta.bbox)


class LabelMapEdit(Command):
    """One edit of a label map (a brush dab, a threshold, a fill) as an undoable delta."""

    kind: ClassVar[str] = "labelmap.edit"

    def __init__(self, document: LabelMapDocument, delta: LabelDelta, text: str) -> None:
        self.document = document
        self.delta = delta
        self._text = text

    @property
    def text(self) -> str:
        return self._text

    def _change(self, which: str) -> Change:
        step_id = str(uuid.uuid4())
        row: dict[str, Any] = {
            "id": step_id,
            "item_id": self.document.item_id,
            "bbox": list(self.delta.bbox),
            "dtype": self.delta.dtype,
            "voxels": self.delta.after if which == "after" else self.delta.before,
        }
        return Change(TABLE, step_id, row)

    def do(self) -> Sequence[Change]:
        self.document.write(self.delta, "after")
        return [self._change("after")]

    def undo(self) -> Sequence[Change]:
        self.document.write(self.delta, "before")
        return [self._change("before")]

    def payload(self) -> dict[str, Any]:
        return {"bbox": list(self.delta.bbox), "bytes": self.delta.nbytes}


def apply_stored_delta(
    labels: npt.NDArray[Any], bbox: Sequence[int], dtype: str, voxels: bytes
) -> None:
    """Replay one persisted step onto ``labels``."""
    k0, k1, j0, j1, i0, i1 = bbox
    shape = (k1 - k0, j1 - j0, i1 - i0)
    labels[k0:k1, j0:j1, i0:i1] = _unpack(voxels, np.dtype(dtype), shape)
