"""Opening an item's segmentation for editing, and rebuilding it from the store.

The stored form is the newest snapshot (a ``segmentation`` record naming a blob and the last
delta ``seq`` it includes) plus the ``labelmap_deltas`` rows written after it.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select

from storage.database import Database
from storage.models import LabelMapDeltaRecord
from workspace.annotations import Annotation
from workspace.errors import NoSegmentationError, WorkspaceError
from workspace.schema import LabelSchema
from workspace.segmentation.delta import Labels, apply_payload
from workspace.segmentation.document import SegmentationDocument
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.segmentation import (
    DAMAGE,
    KIND,
    damaged,
    load_segmentation,
    save_segmentation,
)

if TYPE_CHECKING:
    from workspace.workspace import Workspace


def _newest_record(annotations: list[Annotation]) -> Annotation | None:
    found = [a for a in annotations if a.kind == KIND]
    return found[-1] if found else None


def replay_deltas(database: Database, item_id: str, base: Labels, after_seq: int = 0) -> Labels:
    """``base`` (copied) with the item's stored deltas after ``after_seq`` applied in order.

    :class:`DamagedSegmentationError` if a stored delta cannot be decoded or does not fit.
    """
    labels = np.array(base, copy=True)
    query = (
        select(LabelMapDeltaRecord.bbox, LabelMapDeltaRecord.dtype, LabelMapDeltaRecord.voxels)
        .where(LabelMapDeltaRecord.item_id == item_id, LabelMapDeltaRecord.seq > after_seq)
        .order_by(LabelMapDeltaRecord.seq)
    )
    with database.read() as session:
        for bbox, dtype, voxels in session.execute(query):
            try:
                if np.dtype(dtype) != labels.dtype:
                    raise ValueError(f"an edit holds {dtype} labels, the map {labels.dtype}")
                apply_payload(labels, bbox, dtype, voxels)
            except DAMAGE as exc:
                raise damaged(item_id, exc) from None
    return labels


def replay(workspace: Workspace, item_id: str) -> Labels:
    """The item's label map rebuilt from the store alone: newest snapshot + the deltas after it."""
    record = _newest_record(workspace.annotations(item_id))
    if record is None:
        raise NoSegmentationError(f"Item {item_id} has no segmentation yet.")
    data = record.data
    try:
        geometry = VolumeGeometry.from_json(data["geometry"])
        raw = zlib.decompress(workspace.profile.blobs.get(data["snapshot"]))
        base = np.frombuffer(raw, dtype=np.dtype(data["dtype"])).reshape(geometry.shape)
        after_seq = int(data.get("after_seq", 0))
    except DAMAGE as exc:
        raise damaged(item_id, exc) from None
    return replay_deltas(workspace.profile.database, item_id, base, after_seq)


def open_segmentation(
    workspace: Workspace, item_id: str, schema: LabelSchema | None = None
) -> SegmentationDocument:
    """The item's segmentation, tied to its stored record; a new empty one is stored first.

    A new segmentation has one segment per class of ``schema`` (default: the item's schema).
    Storing it is not an undo step when the item's stack was still empty.
    """
    annotations = workspace.document(item_id)
    if _newest_record(annotations.all()) is None:
        item = workspace.item(item_id)
        if "volume" not in item.meta:
            raise WorkspaceError(f"Item {item_id} is not a stored volume.")
        geometry = VolumeGeometry.from_json(item.meta["volume"]["geometry"])
        empty = SegmentationDocument.new(item_id, geometry, schema or workspace.schema_for(item))
        stack = workspace.command_stack(item_id)
        fresh = not (stack.can_undo or stack.can_redo)
        save_segmentation(workspace, item_id, empty.label_map, source="empty")
        if fresh:
            stack.clear()
    record = _newest_record(annotations.all())
    assert record is not None
    return SegmentationDocument(
        item_id, load_segmentation(workspace, item_id), annotations, record.id
    )
