"""Reading, saving and opening an item's segmentation in a profile.

These take the profile and, to edit, the item's :class:`~workspace.item_editing.ItemEditing`
(its live annotations and undo stack); the :class:`~workspace.workspace.Workspace` delegates
to them. Saving is a ``segmentation`` record pushed through the stack, so it is audited and
undoable; the snapshot it names is sealed into the blob store first.
"""

from __future__ import annotations

from storage.profile import Profile
from workspace.annotation_rows import read_annotations
from workspace.annotations import AddAnnotation, Annotation, UpdateAnnotation
from workspace.errors import NoSegmentationError, WorkspaceError
from workspace.item_editing import ItemEditing
from workspace.items import ItemSummary
from workspace.schema import LabelSchema
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.snapshots import (
    KIND,
    last_delta_seq,
    newest_record,
    pack_snapshot,
    read_segmentation,
    record_data,
)
from workspace.task_lock import TaskReadOnlyError, edit_lock
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap


def load_segmentation(profile: Profile, item_id: str) -> LabelMap:
    """The item's stored segmentation (record and edits read in one transaction).

    :class:`NoSegmentationError` if it has none; :class:`DamagedSegmentationError` if it does
    not read back as saved (never an empty map instead).
    """
    with profile.database.read() as session:
        record = newest_record(read_annotations(session, item_id, KIND))
        if record is None:
            raise NoSegmentationError(f"Item {item_id} has no segmentation yet.")
        return read_segmentation(profile.blobs, session, item_id, record)


def seal_labels(profile: Profile, labels: LabelMap) -> str:
    """Seal a snapshot of ``labels`` into the blob store; its digest (no record, no undo step:
    the compressing and sealing, which may run on a worker thread)."""
    return profile.blobs.put(pack_snapshot(labels.labels))


def save_segmentation(
    profile: Profile,
    editing: ItemEditing,
    labels: LabelMap,
    source: str,
    sealed: str | None = None,
) -> str:
    """Store ``labels`` as the item's segmentation (a new snapshot); returns the record id.

    ``sealed`` is the digest :func:`seal_labels` gave for these very labels (not sealed again).
    :class:`TaskReadOnlyError` before anything is sealed when the item's task is read-only.
    """
    item_id = editing.item_id
    with profile.database.read() as session:
        reason = edit_lock(session, item_id)
        after_seq = last_delta_seq(session, item_id)
    if reason is not None:
        raise TaskReadOnlyError(reason)
    digest = sealed if sealed is not None else seal_labels(profile, labels)
    data = record_data(labels, digest, source, after_seq)
    existing = newest_record(editing.document.all())
    if existing is None:
        record = Annotation(item_id, KIND, None, data, author=profile.user)
        editing.stack.push(AddAnnotation(editing.document, record))
        return record.id
    editing.stack.push(UpdateAnnotation(editing.document, existing.id, data=data))
    return existing.id


def open_segmentation(
    profile: Profile, editing: ItemEditing, item: ItemSummary, schema: LabelSchema
) -> SegmentationDocument:
    """The item's segmentation, tied to its stored record; a new empty one is stored first.

    A new segmentation has one segment per class of ``schema``. Storing it is not an undo
    step when the item's stack was still empty.
    """
    if newest_record(editing.document.all()) is None:
        if "volume" not in item.meta:
            raise WorkspaceError(f"Item {item.id} is not a stored volume.")
        geometry = VolumeGeometry.from_json(item.meta["volume"]["geometry"])
        empty = SegmentationDocument.new(item.id, geometry, schema)
        fresh = not (editing.stack.can_undo or editing.stack.can_redo)
        save_segmentation(profile, editing, empty.label_map, source="empty")
        if fresh:
            editing.stack.clear()
    record = newest_record(editing.document.all())
    assert record is not None
    with profile.database.read() as session:
        label_map = read_segmentation(profile.blobs, session, item.id, record)
    return SegmentationDocument(item.id, label_map, editing.document, record.id)
