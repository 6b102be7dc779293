"""Compaction: fold a segmentation's stored edits into a new snapshot, in the background.

Every edit step is a ``labelmap_deltas`` row, and reading a segmentation replays the rows after
its snapshot; without compaction, opening and exporting would cost more with every edit.
:func:`compact` reads the segmentation as it stands (snapshot plus rows, one read transaction),
seals it as a new snapshot blob, then records in one ``labelmap_snapshots`` row that this blob
is the record's snapshot with the rows up to ``after_seq`` folded in. Readers start from it and
replay only later rows (:func:`workspace.segmentation.snapshots.read_segmentation`).

In the same transaction, what no reader can need any more is pruned (:func:`prune`): of the
record's compacted snapshots the newest two are kept (the older one to fall back on if the
newest does not read back), older ones are dropped, and so are the rows up to the older
kept one's ``after_seq``. Rows before the record and the snapshots of older records are
dropped too, but only when ``older_records`` says no undo step can bring such a record
back. Nothing else is touched (the record, the audit trail, the sync outbox). A compacted
snapshot is sealed under a random id (:func:`storage.blob_format.new_random_id`: it belongs to
its row alone, unlike a content-addressed blob that may be shared), so once the pruning has
committed, the blobs of the dropped snapshots are removed too: a profile does not grow by a
label map with every compaction. Those sealed before random ids (SHA-named) stay.
Compaction is safe at any moment:

- crash-safe: killed before the transaction commits, the new blob is an unused orphan (and
  killed after it, before the dropped blobs are removed, so are they) and the
  old snapshots and rows read as before; the new row and the pruning commit whole or not at
  all;
- undo-safe: undoing a label edit writes a new row (the voxels of its box as the undo left
  them, held by the command), replayed after the compacted snapshot like any edit. Undoing
  a step that replaced the record (an import, a save) brings back a record that the
  compacted snapshot does not continue, which is read from its own snapshots and rows:
  those are kept while an undo step may bring it back. Its rows after the newer record began
  are the newer record's edits, which undo has already reverted; pruning them changes
  nothing it reads back;
- concurrency-safe: rows written while it runs have later ``seq``s and are replayed after
  it; pruning checks, in its transaction, that the record is still the one compacted.

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
from typing import Any, cast

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from storage.blob_format import is_random_id, new_random_id
from storage.errors import StorageError
from storage.models import LabelMapDeltaRecord, LabelMapSnapshotRecord
from storage.profile import Profile
from workspace.annotation_rows import read_annotations
from workspace.errors import WorkspaceError
from workspace.segmentation.delta import bbox_shape
from workspace.segmentation.snapshots import (
    DAMAGE,
    KEEP_COMPACTIONS,
    KIND,
    compactions,
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


@dataclass(frozen=True)
class Pruned:
    """What one pruning dropped."""

    snapshots: int  # compacted snapshot rows
    rows: int  # edit rows
    blobs: tuple[str, ...] = ()  # the dropped snapshots' blobs that only they used


def prune(session: Session, item_id: str, base: str, base_seq: int, older_records: bool) -> Pruned:
    """Drop, in the caller's write transaction, what no reader of the item's record (snapshot
    ``base``, ``after_seq`` ``base_seq``) needs: its compacted snapshots but the newest
    :data:`KEEP_COMPACTIONS`, and the rows those kept hold (up to the older one's
    ``after_seq``). With ``older_records`` (no undo step can bring back an older record) also
    the rows before the record and the compacted snapshots of other records.

    Nothing is dropped when the record is no longer the item's newest (a save or an undo
    came in meanwhile).
    """
    record = newest_record(read_annotations(session, item_id, KIND))
    if record is None or (
        record.data.get("snapshot"),
        int(record.data.get("after_seq", 0)),
    ) != (base, base_seq):
        return Pruned(0, 0)
    found = compactions(session, item_id, base, base_seq)
    dropped = [c.id for c in found[KEEP_COMPACTIONS:]]
    snapshots = LabelMapSnapshotRecord
    if older_records:
        others = session.scalars(
            select(snapshots.id).where(
                snapshots.item_id == item_id,
                (snapshots.base != base) | (snapshots.base_seq != base_seq),
            )
        ).all()
        dropped.extend(others)
    blobs: tuple[str, ...] = ()
    if dropped:
        sealed = session.scalars(select(snapshots.snapshot).where(snapshots.id.in_(dropped)))
        blobs = tuple(sorted({b for b in sealed if is_random_id(b)}))
        session.execute(delete(snapshots).where(snapshots.id.in_(dropped)))
    # rows up to ``upto`` are held by both kept snapshots (or precede the record); those
    # before the record stay while an older record may come back
    upto = found[KEEP_COMPACTIONS - 1].after_seq if len(found) >= KEEP_COMPACTIONS else base_seq
    start = 0 if older_records else base_seq
    rows = 0
    if upto > start:
        deltas = LabelMapDeltaRecord
        covered = (deltas.item_id == item_id) & (deltas.seq > start) & (deltas.seq <= upto)
        result = cast(CursorResult[Any], session.execute(delete(deltas).where(covered)))
        rows = result.rowcount or 0
    return Pruned(len(dropped), rows, blobs)


def _never() -> bool:
    return False


def compact(
    profile: Profile,
    item_id: str,
    cancelled: Callable[[], bool] = _never,
    *,
    older_records: bool = False,
) -> bool:
    """Fold the item's stored edits into a new snapshot and prune what it makes needless
    (:func:`prune`); False when there was nothing to fold (or ``cancelled()`` turned true
    first). DamagedSegmentationError if it does not read.

    ``older_records``: no undo step can bring back an older segmentation record of the item
    (its rows and compacted snapshots may go too).
    """
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
    digest = profile.blobs.put(pack_snapshot(labels), blob_id=new_random_id())
    del labels
    if cancelled():
        profile.blobs.discard([digest])
        return False
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
        session.flush()
        pruned = prune(session, item_id, base, base_seq, older_records)
    profile.blobs.discard(pruned.blobs)  # after the commit: no row names them any more
    return True


class Compactor:
    """Compacts items' segmentations on one background thread, one request at a time.

    :meth:`edited` after an item's edits were stored (compacts when the backlog is worth it),
    :meth:`closed` when an item is closed (compacts any backlog). ``history(item_id)`` tells
    whether an undo step may bring back an older segmentation record of the item (then what
    only such a record reads is kept; by default it is). Failures are logged, never
    raised (a damaged segmentation is reported when it is opened or exported): the rows stay
    readable, so the next request simply tries again.
    """

    def __init__(
        self, profile: Profile, history: Callable[[str], bool] = lambda item_id: True
    ) -> None:
        self._profile = profile
        self._history = history  # whether an undo step may bring back an older record
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
        older_records = not self._history(item_id)
        compact(self._profile, item_id, lambda: self._stopped, older_records=older_records)


def _lower_priority() -> None:
    """Let the calling thread yield the CPU to the window's thread (Linux: a thread has its own
    nice value; elsewhere it keeps the process's)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    except (AttributeError, OSError):
        pass
