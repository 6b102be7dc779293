"""Compaction: fold a segmentation's stored edits into a new snapshot, in the background.

Every edit step is a ``labelmap_deltas`` row, and reading a segmentation replays the rows after
its snapshot; without compaction, opening and exporting would cost more with every edit.
:func:`compact` reads the segmentation as it stands (snapshot plus rows, one read transaction),
seals it as a new snapshot blob, then records in one ``labelmap_snapshots`` row that this blob
is the record's snapshot with the rows up to ``after_seq`` folded in. Readers start from it and
replay only later rows (:func:`workspace.segmentation.snapshots.read_segmentation`).

Nothing is rewritten or deleted, so compaction is safe at any moment:

- crash-safe: killed before the row commits, the blob is an unused orphan and the old
  snapshot and rows read as before; the row commits whole or not at all;
- undo-safe: the record and every row stay. Undoing a label edit writes a new row (the voxels
  of its box as the undo left them), replayed after the compacted snapshot like any edit;
  undoing a step that replaced the record (an import, a save) brings back a record that the
  compacted snapshot does not continue, which is then read from its own snapshot and rows;
- concurrency-safe: rows written while it runs have later ``seq``s and are replayed after it.

:class:`Compactor` runs it on one worker thread: when enough rows have piled up since the
newest snapshot (:data:`MAX_ROWS`, or rows covering more voxels than :data:`MAX_REPLAY` times
the map, which reading them would unpack) and when an item is closed (any row at all).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import LabelMapDeltaRecord, LabelMapSnapshotRecord
from storage.profile import Profile
from workspace.annotation_rows import read_annotations
from workspace.errors import WorkspaceError
from workspace.segmentation.delta import bbox_shape
from workspace.segmentation.snapshots import (
    DAMAGE,
    KIND,
    last_delta_seq,
    newest_compaction,
    newest_record,
    pack_snapshot,
    read_segmentation,
)
from workspace.volume.geometry import VolumeGeometry

LOG = logging.getLogger(__name__)
#: Rows after the newest snapshot that make a compaction worth its cost.
MAX_ROWS = 32
#: Rows whose boxes hold more voxels than this many label maps make one too.
MAX_REPLAY = 0.5


@dataclass(frozen=True)
class Backlog:
    """What reading an item's segmentation replays today."""

    rows: int  # rows after the newest snapshot
    voxels: int  # voxels those rows write
    map_voxels: int  # voxels of the label map

    def worth_compacting(self) -> bool:
        """True when the rows cost enough to read that a new snapshot pays off."""
        return self.rows >= MAX_ROWS or self.voxels > MAX_REPLAY * self.map_voxels


def backlog(session: Session, item_id: str) -> Backlog | None:
    """The rows reading the item's segmentation would replay (None if it has none)."""
    record = newest_record(read_annotations(session, item_id, KIND))
    if record is None:
        return None
    data = record.data
    start = int(data.get("after_seq", 0))
    compacted = newest_compaction(session, item_id, data["snapshot"], start)
    if compacted is not None:
        start = compacted.after_seq
    boxes = session.scalars(
        select(LabelMapDeltaRecord.bbox).where(
            LabelMapDeltaRecord.item_id == item_id, LabelMapDeltaRecord.seq > start
        )
    ).all()
    shape = VolumeGeometry.from_json(data["geometry"]).shape
    voxels = sum(int(np.prod(bbox_shape(box))) for box in boxes)
    return Backlog(len(boxes), voxels, int(np.prod(shape)))


def _never() -> bool:
    return False


def compact(profile: Profile, item_id: str, cancelled: Callable[[], bool] = _never) -> bool:
    """Fold the item's stored edits into a new snapshot; False when there was nothing to fold
    (or ``cancelled()`` turned true first). DamagedSegmentationError if it does not read."""
    with profile.database.read() as session:
        record = newest_record(read_annotations(session, item_id, KIND))
        if record is None:
            return False
        base, base_seq = record.data["snapshot"], int(record.data.get("after_seq", 0))
        compacted = newest_compaction(session, item_id, base, base_seq)
        upto = last_delta_seq(session, item_id)
        if upto <= (base_seq if compacted is None else compacted.after_seq) or cancelled():
            return False
        labels = read_segmentation(profile.blobs, session, item_id, record).labels
    if cancelled():
        return False
    digest = profile.blobs.put(pack_snapshot(labels))
    del labels
    if cancelled():
        return False  # the sealed blob stays unused
    with profile.database.write() as session:
        session.add(
            LabelMapSnapshotRecord(
                id=str(uuid.uuid4()),
                item_id=item_id,
                base=base,
                base_seq=base_seq,
                after_seq=upto,
                snapshot=digest,
            )
        )
    return True


class Compactor:
    """Compacts items' segmentations on one background thread, one request at a time.

    :meth:`edited` after an item's edits were stored (compacts when the backlog is worth it),
    :meth:`closed` when an item is closed (compacts any backlog). Failures are logged, never
    raised (a damaged segmentation is reported when it is opened or exported): the rows stay
    readable, so the next request simply tries again.
    """

    def __init__(self, profile: Profile) -> None:
        self._profile = profile
        self._lock = threading.Condition()
        self._queue: dict[str, bool] = {}  # item id -> forced (closed)
        self._busy = False
        self._stopped = False
        self._thread: threading.Thread | None = None

    def edited(self, item_id: str) -> None:
        """The item's stored edits changed: compact when enough have piled up."""
        self._request(item_id, forced=False)

    def closed(self, item_id: str) -> None:
        """The item was closed: fold whatever edits it has left into a snapshot."""
        self._request(item_id, forced=True)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no request is queued or running; False on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._queue and not self._busy, timeout)

    def stop(self) -> None:
        """Drop queued requests, let a running compaction give up, and wait for the thread."""
        with self._lock:
            self._stopped = True
            self._queue.clear()
            self._lock.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _request(self, item_id: str, *, forced: bool) -> None:
        with self._lock:
            if self._stopped:
                return
            self._queue[item_id] = self._queue.get(item_id, False) or forced
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="caliper-compaction", daemon=True
                )
                self._thread.start()
            self._lock.notify_all()

    def _run(self) -> None:
        _lower_priority()
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._queue or self._stopped)
                if self._stopped:
                    self._thread = None
                    self._lock.notify_all()
                    return
                item_id, forced = next(iter(self._queue.items()))
                del self._queue[item_id]
                self._busy = True
            try:
                self._compact(item_id, forced)
            except (WorkspaceError, StorageError, *DAMAGE) as exc:  # damaged, disk full, locked
                LOG.info("The segmentation of item %s was not compacted: %s", item_id, exc)
            except Exception:  # a failed compaction loses nothing: log it and go on
                LOG.exception("Compacting the segmentation of item %s failed", item_id)
            finally:
                with self._lock:
                    self._busy = False
                    self._lock.notify_all()

    def _compact(self, item_id: str, forced: bool) -> None:
        if not forced:
            with self._profile.database.read() as session:
                found = backlog(session, item_id)
            if found is None or not found.worth_compacting():
                return
        compact(self._profile, item_id, lambda: self._stopped)


def _lower_priority() -> None:
    """Let the calling thread yield the CPU to the window's thread (Linux: a thread has its own
    nice value; elsewhere it keeps the process's)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
