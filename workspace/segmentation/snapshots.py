"""A volume's stored segmentation: a compressed snapshot plus the edits after it, and its reader.

The snapshot (the label array, compressed by :mod:`~workspace.segmentation.codec`) lives in
the encrypted blob store; the segmentation record is an annotation of kind ``segmentation``
naming the snapshot, its dtype, geometry and segments, and ``after_seq``: the last
``labelmap_deltas`` row it already holds. Edits made since are the rows after it
(:mod:`workspace.segmentation.delta` writes them). Compaction
(:mod:`workspace.segmentation.compaction`) folds those rows into newer snapshots beside the
record, in ``labelmap_snapshots``, and prunes what no reader can need any more.
:func:`read_segmentation` is the one reader: the newest compacted snapshot continuing the
record that reads back (else the record's own, while no row it needs was pruned), then the
rows after it replayed in order. Anything that does not read back as it was saved is a
:class:`DamagedSegmentationError`, never an empty map.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.blobs import BlobStore
from storage.database import Database
from storage.errors import StorageError
from storage.models import LabelMapDeltaRecord, LabelMapSnapshotRecord
from workspace.annotations import Annotation
from workspace.errors import DamagedSegmentationError
from workspace.segmentation import codec
from workspace.segmentation.delta import Labels, apply_payload
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

KIND = "segmentation"
CODEC = codec.CODEC
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
           "#bcf60c", "#fabebe", "#008080"]  # fmt: skip

#: Compacted snapshots kept per record: the newest, and the one before it to fall back on
#: (rows up to the older one's ``after_seq`` may then be pruned, see compaction).
KEEP_COMPACTIONS = 2

#: What reading a damaged record, snapshot or delta raises (turned into one sentence).
DAMAGE = (KeyError, TypeError, ValueError, IndexError, MemoryError, zlib.error)


def damaged(item_id: str, problem: BaseException) -> DamagedSegmentationError:
    """The error for item ``item_id``'s stored segmentation failing to read back."""
    if isinstance(problem, KeyError):
        reason = f"its record has no {problem.args[0]!r}" if problem.args else "a missing entry"
    else:
        reason = str(problem) or type(problem).__name__
    return DamagedSegmentationError(
        f"The stored segmentation of item {item_id} is damaged ({reason})"
        "; it is neither shown nor exported. Import a saved copy with "
        f"`caliper import FILE --segmentation-of {item_id}`."
    )


def newest_record(annotations: Iterable[Annotation]) -> Annotation | None:
    """The item's segmentation record among its annotations (None if it has none)."""
    found = [a for a in annotations if a.kind == KIND]
    return found[-1] if found else None


def record_data(labels: LabelMap, snapshot: str, source: str, after_seq: int) -> dict[str, Any]:
    """The ``data`` of a segmentation record for ``labels`` sealed as blob ``snapshot``."""
    return {
        "snapshot": snapshot,
        "codec": CODEC,
        "dtype": np.dtype(labels.labels.dtype).str,
        "geometry": labels.geometry.to_json(),
        "segments": [asdict(s) for s in labels.segments],
        "source": source,
        "after_seq": after_seq,
    }


def last_delta_seq(session: Session, item_id: str) -> int:
    """The ``seq`` of the item's newest stored edit (0 when none)."""
    query = select(func.max(LabelMapDeltaRecord.seq)).where(LabelMapDeltaRecord.item_id == item_id)
    return int(session.scalar(query) or 0)


def apply_deltas(session: Session, item_id: str, labels: Labels, after_seq: int = 0) -> None:
    """Replay, in place and in order, the item's stored edits after ``after_seq``.

    :class:`DamagedSegmentationError` if one cannot be decoded or does not fit ``labels``.
    """
    query = (
        select(LabelMapDeltaRecord.bbox, LabelMapDeltaRecord.dtype, LabelMapDeltaRecord.voxels)
        .where(LabelMapDeltaRecord.item_id == item_id, LabelMapDeltaRecord.seq > after_seq)
        .order_by(LabelMapDeltaRecord.seq)
    )
    for bbox, dtype, voxels in session.execute(query):
        try:
            if np.dtype(dtype) != labels.dtype:
                raise ValueError(f"an edit holds {dtype} labels, the map {labels.dtype}")
            apply_payload(labels, bbox, dtype, voxels)
        except DAMAGE as exc:
            raise damaged(item_id, exc) from None


def replay_deltas(database: Database, item_id: str, base: Labels, after_seq: int = 0) -> Labels:
    """``base`` (copied) with the item's stored edits after ``after_seq`` applied in order."""
    labels = np.array(base, copy=True)
    with database.read() as session:
        apply_deltas(session, item_id, labels, after_seq)
    return labels


def read_segmentation(
    blobs: BlobStore, session: Session, item_id: str, record: Annotation
) -> LabelMap:
    """The label map ``record`` stores: its snapshot with the edits after it (the one reader),
    from the newest compacted snapshot continuing it when there is one.

    :class:`DamagedSegmentationError` if the record, the snapshot or an edit cannot be read
    back (never an empty map instead).
    """
    data = record.data
    try:
        geometry = VolumeGeometry.from_json(data["geometry"])
        segments = [Segment(**s) for s in data["segments"]]
        after_seq = int(data.get("after_seq", 0))
        compacted = _compacted(blobs, session, item_id, record, geometry)
        if compacted is not None:
            labels, after_seq = compacted
        else:
            labels = unpack_labels(blobs.get(data["snapshot"]), data["dtype"], geometry)
    except DAMAGE as exc:
        raise damaged(item_id, exc) from None
    apply_deltas(session, item_id, labels, after_seq)
    return LabelMap(labels, geometry, segments)


def _compacted(
    blobs: BlobStore, session: Session, item_id: str, record: Annotation, geometry: VolumeGeometry
) -> tuple[Labels, int] | None:
    """The newest compacted snapshot continuing ``record`` that reads back, and the last row
    it holds; None when there is none, or when the only one does not read back (the record's
    own snapshot and every row after it then give the same labels, only slower: no row is
    pruned while fewer than :data:`KEEP_COMPACTIONS` exist)."""
    data = record.data
    found = compactions(session, item_id, data["snapshot"], int(data.get("after_seq", 0)))
    problem: BaseException | None = None
    for compacted in found:
        try:
            labels = unpack_labels(blobs.get(compacted.snapshot), data["dtype"], geometry)
        except (*DAMAGE, StorageError) as exc:
            problem = problem or exc
            continue
        return labels, compacted.after_seq
    if problem is not None and len(found) >= KEEP_COMPACTIONS:
        # rows the record's own snapshot would need may have been pruned: never guess
        raise damaged(item_id, problem)
    return None


def compactions(
    session: Session, item_id: str, base: str, base_seq: int, limit: int | None = None
) -> list[LabelMapSnapshotRecord]:
    """The compacted snapshots continuing the record of snapshot ``base`` and ``after_seq``
    ``base_seq``, newest first (at most ``limit``)."""
    query = (
        select(LabelMapSnapshotRecord)
        .where(
            LabelMapSnapshotRecord.item_id == item_id,
            LabelMapSnapshotRecord.base == base,
            LabelMapSnapshotRecord.base_seq == base_seq,
        )
        .order_by(LabelMapSnapshotRecord.after_seq.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def newest_compaction(
    session: Session, item_id: str, base: str, base_seq: int
) -> LabelMapSnapshotRecord | None:
    """The newest compacted snapshot continuing the record of snapshot ``base`` and
    ``after_seq`` ``base_seq`` (None when there is none)."""
    found = compactions(session, item_id, base, base_seq, limit=1)
    return found[0] if found else None


def pack_labels(array: npt.NDArray[Any]) -> bytes:
    """A label array's C-order bytes, zlib-compressed (how queue results carry it, readable by
    every Caliper version)."""
    return zlib.compress(np.ascontiguousarray(array).data.cast("B"), 1)


def pack_snapshot(array: npt.NDArray[Any]) -> bytes:
    """A label array's C-order bytes as a snapshot holds them (:func:`codec.pack`)."""
    return codec.pack(array)


def unpack_labels(
    payload: bytes | bytearray, dtype: str, geometry: VolumeGeometry
) -> npt.NDArray[Any]:
    """The label array of a snapshot or a queue result (either codec); ValueError if it does
    not fit ``geometry``."""
    labels = np.empty(geometry.shape, dtype=np.dtype(dtype))
    codec.unpack_into(payload, labels)
    return labels
