"""Compaction through a real encrypted profile: reads stay exact, undo crosses it, kills are safe.

The ground truth is always the long way round: the segmentation record's own snapshot with
every stored row after it replayed, which compaction never changes.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from storage.blob_format import is_random_id
from storage.models import LabelMapSnapshotRecord
from storage.profile import Profile
from tests.conftest import PASSPHRASE
from workspace.annotation_rows import read_annotations
from workspace.commands import CommandStack
from workspace.demo_data import generate_ct_series
from workspace.segmentation import compaction
from workspace.segmentation.compaction import backlog, compact
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext, paint
from workspace.segmentation.snapshots import (
    KEEP_COMPACTIONS,
    KIND,
    newest_record,
    replay_deltas,
    unpack_labels,
)
from workspace.segmentation.store import load_segmentation
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap
from workspace.workspace import Workspace

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def ct_item(profile_dir: Path, tmp_path: Path) -> str:
    folder = tmp_path / "ct"
    generate_ct_series(folder, slices=16, rows=48, cols=48, patient_id="C1", seed=5)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder])
        workspace.open_segmentation(item.id)  # stores the empty segmentation
        return item.id
    finally:
        workspace.lock()


def the_long_way(profile: Profile, item_id: str) -> np.ndarray:
    """The record's own snapshot with every row after it replayed (no compacted snapshot)."""
    with profile.database.read() as session:
        record = newest_record(read_annotations(session, item_id, KIND))
    assert record is not None
    data = record.data
    geometry = VolumeGeometry.from_json(data["geometry"])
    base = unpack_labels(profile.blobs.get(data["snapshot"]), data["dtype"], geometry)
    return replay_deltas(profile.database, item_id, base, int(data.get("after_seq", 0)))


def replayed_rows(profile: Profile, item_id: str) -> int:
    with profile.database.read() as session:
        found = backlog(session, item_id)
    assert found is not None
    return found.rows


def dab(workspace: Workspace, item_id: str, context: ToolContext, n: int) -> None:
    k, j, i = n % 12, (n * 7) % 40, (n * 11) % 40
    mask = np.ones((3, 8, 8), dtype=np.bool_)
    box = (k, k + 3, j, j + 8, i, i + 8)
    value = context.document.segments[n % 2].value
    if (context.document.labels[k : k + 3, j : j + 8, i : i + 8] == value).all():
        value = context.document.segments[(n + 1) % 2].value  # always a change
    command = paint(context, mask, value, f"dab {n}", box)
    assert command is not None
    workspace.command_stack(item_id).push(command)


def _dabbed_and_compacted(
    workspace: Workspace, item_id: str, edits: int
) -> tuple[SegmentationDocument, CommandStack, list[np.ndarray]]:
    """``edits`` dabs with the background compactor stopped, compacted after every third;
    the item's segmentation, its stack, and the labels before the first and after each dab."""
    workspace.compactor.stop()
    document = workspace.open_segmentation(item_id)
    context = ToolContext(document, segment=document.segments[0].value)
    states = [document.labels.copy()]
    for n in range(edits):
        dab(workspace, item_id, context, n)
        states.append(document.labels.copy())
        if n % 3 == 2:
            assert compact(workspace.profile, item_id)
    return document, workspace.command_stack(item_id), states


def test_compaction_folds_the_rows_and_reads_back_exactly(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        workspace.compactor.stop()  # compact by hand here
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        for n in range(10):
            dab(workspace, ct_item, context, n)
        assert replayed_rows(workspace.profile, ct_item) == 10
        assert compact(workspace.profile, ct_item)
        assert replayed_rows(workspace.profile, ct_item) == 0  # opening replays nothing now
        assert not compact(workspace.profile, ct_item)  # nothing left to fold
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, document.labels)
        assert np.array_equal(the_long_way(workspace.profile, ct_item), document.labels)
        for n in range(10, 13):
            dab(workspace, ct_item, context, n)
        assert replayed_rows(workspace.profile, ct_item) == 3  # only the rows since
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, document.labels)
    finally:
        workspace.lock()


def test_undo_and_redo_across_compactions_restore_exactly(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document, stack, states = _dabbed_and_compacted(workspace, ct_item, 8)
        for expected in reversed(states[:-1]):  # undo every edit, across three snapshots
            stack.undo()
            assert np.array_equal(document.labels, expected)
            stored = load_segmentation(workspace.profile, ct_item).labels
            assert np.array_equal(stored, expected)
        assert compact(workspace.profile, ct_item)
        for expected in states[1:5]:
            stack.redo()
            assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, expected)
        assert compact(workspace.profile, ct_item)
        stack.undo()
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, states[3])
        assert np.array_equal(the_long_way(workspace.profile, ct_item), states[3])
    finally:
        workspace.lock()


def test_undoing_a_save_is_read_from_its_own_snapshot(profile_dir: Path, ct_item) -> None:
    """A compacted snapshot continues one record: undoing the save that made that record
    brings back the older one, read as it always was."""
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        workspace.compactor.stop()
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        for n in range(4):
            dab(workspace, ct_item, context, n)
        assert compact(workspace.profile, ct_item)
        array = np.zeros_like(document.labels)
        array[4:12, 10:30, 10:30] = document.segments[1].value
        imported = LabelMap(array, document.geometry, list(document.segments))
        workspace.save_segmentation(ct_item, imported, source="imported.nii.gz")
        for n in range(4, 6):
            dab(workspace, ct_item, context, n)
        assert compact(workspace.profile, ct_item)
        expected = the_long_way(workspace.profile, ct_item)
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, expected)
        stack = workspace.command_stack(ct_item)
        stack.undo()
        stack.undo()
        stack.undo()  # the save
        expected = the_long_way(workspace.profile, ct_item)
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, expected)
    finally:
        workspace.lock()


def test_a_lost_compacted_snapshot_falls_back_to_the_rows(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        workspace.compactor.stop()
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        for n in range(5):
            dab(workspace, ct_item, context, n)
        assert compact(workspace.profile, ct_item)
        with workspace.profile.database.read() as session:
            digest = session.scalars(select(LabelMapSnapshotRecord.snapshot)).one()
        workspace.profile.blobs.path_of(digest).unlink()
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, document.labels)
    finally:
        workspace.lock()


def test_the_compactor_runs_in_the_background(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        for n in range(compaction.MAX_ROWS - 1):
            dab(workspace, ct_item, context, n)
        assert workspace.compactor.wait(timeout=30)
        assert replayed_rows(workspace.profile, ct_item) == compaction.MAX_ROWS - 1  # not yet
        dab(workspace, ct_item, context, compaction.MAX_ROWS)
        assert workspace.compactor.wait(timeout=30)
        assert replayed_rows(workspace.profile, ct_item) == 0
        dab(workspace, ct_item, context, 0)
        workspace.item_closed(ct_item)  # closing folds in even one row
        assert workspace.compactor.wait(timeout=30)
        assert replayed_rows(workspace.profile, ct_item) == 0
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, document.labels)
    finally:
        workspace.lock()


def test_a_whole_volume_edit_is_compacted_at_once(profile_dir: Path, ct_item) -> None:
    """One row covering the map costs as much to replay as a snapshot: it is folded in."""
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        everywhere = np.ones(document.labels.shape, dtype=np.bool_)
        command = paint(context, everywhere, document.segments[0].value, "fill")
        assert command is not None
        workspace.command_stack(ct_item).push(command)
        assert workspace.compactor.wait(timeout=30)
        assert replayed_rows(workspace.profile, ct_item) == 0
    finally:
        workspace.lock()


def _child(profile_dir: Path, item_id: str, *extra: str) -> subprocess.Popen[str]:
    env = {**os.environ, "CALIPER_PASSPHRASE": PASSPHRASE, "PYTHONPATH": str(REPO)}
    module = "tests.workspace.segmentation.compact_child"
    return subprocess.Popen(
        [sys.executable, "-m", module, str(profile_dir), item_id, *extra],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )


def _kill_when(proc: subprocess.Popen[str], wanted: str, after: float) -> list[str]:
    """Kill ``proc`` ``after`` seconds after it printed ``wanted``; the lines it printed."""
    lines: list[str] = []
    seen = threading.Event()
    assert proc.stdout is not None
    stdout = proc.stdout

    def reader() -> None:
        for line in stdout:
            lines.append(line.strip())
            if line.startswith(wanted):
                seen.set()

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    assert seen.wait(timeout=60), f"the child never printed {wanted}: {lines}"
    if after:
        time.sleep(after)  # a random moment in the loop, not a wait for a result
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    thread.join(timeout=5)
    assert proc.returncode == -signal.SIGKILL, "the child died on its own"
    return lines


def _check_reads_exactly(profile_dir: Path, item_id: str, lines: list[str]) -> None:
    """What is stored reads back as the child's last durable state, or as the step it was
    persisting when killed (its rows may have committed or not)."""
    marks = [line.split() for line in lines if line.startswith(("STATE ", "NEXT "))]
    last_state = max(n for n, (kind, _) in enumerate(marks) if kind == "STATE")
    allowed = {digest for _, digest in marks[last_state:]}
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        stored = load_segmentation(profile, item_id).labels
        assert hashlib.sha256(stored.tobytes()).hexdigest() in allowed
    finally:
        profile.lock()


@pytest.mark.slow
def test_a_killed_compaction_leaves_the_segmentation_readable(
    profile_dir: Path, ct_item: str
) -> None:
    # Killed between sealing the new snapshot and committing its row: the orphan is ignored.
    lines = _kill_when(_child(profile_dir, ct_item, "hold"), "SEALED", 0.0)
    assert "COMPACTED" not in lines
    _check_reads_exactly(profile_dir, ct_item, lines)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        assert replayed_rows(profile, ct_item) > 0  # nothing was folded in
    finally:
        profile.lock()
    # Killed at random moments of edit + compaction rounds.
    rng = random.Random(20261203)
    compacted = 0
    for _ in range(6):
        lines = _kill_when(_child(profile_dir, ct_item), "COMPACTING", rng.uniform(0.0, 0.4))
        compacted += lines.count("COMPACTED")
        _check_reads_exactly(profile_dir, ct_item, lines)
    assert compacted > 0  # some rounds did finish: the check covered compacted snapshots too
    assert compacted > KEEP_COMPACTIONS  # and pruned ones


def test_a_damaged_row_is_left_for_the_reader_to_report(
    profile_dir: Path, ct_item: str, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    import uuid

    from storage.models import LabelMapDeltaRecord
    from workspace.errors import DamagedSegmentationError

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        with workspace.profile.database.write() as session:
            garbage = LabelMapDeltaRecord(
                id=str(uuid.uuid4()),
                item_id=ct_item,
                bbox=[0, 1, 0, 1, 0, 1],
                dtype="|u1",
                voxels=b"\x00garbage",
            )
            session.add(garbage)
        with caplog.at_level(logging.INFO, logger=compaction.__name__):
            workspace.item_closed(ct_item)
            assert workspace.compactor.wait(timeout=30)
        assert "was not compacted" in caplog.text and "damaged" in caplog.text
        with pytest.raises(DamagedSegmentationError):
            load_segmentation(workspace.profile, ct_item)
        with workspace.profile.database.read() as session:
            assert session.scalars(select(LabelMapSnapshotRecord)).all() == []
    finally:
        workspace.lock()


def _stored(profile: Profile, item_id: str) -> tuple[list[int], list[tuple[str, int, int]]]:
    """The item's edit rows (their seqs) and compacted snapshots (base, base_seq, after_seq)."""
    from storage.models import LabelMapDeltaRecord

    with profile.database.read() as session:
        seqs = session.scalars(
            select(LabelMapDeltaRecord.seq).where(LabelMapDeltaRecord.item_id == item_id)
        ).all()
        snapshots = session.execute(
            select(
                LabelMapSnapshotRecord.base,
                LabelMapSnapshotRecord.base_seq,
                LabelMapSnapshotRecord.after_seq,
            ).where(LabelMapSnapshotRecord.item_id == item_id)
        ).all()
    return sorted(seqs), sorted((b, s, a) for b, s, a in snapshots)


def _snapshot_blobs(profile: Profile, item_id: str) -> set[str]:
    """The blobs the item's compacted snapshot rows name."""
    with profile.database.read() as session:
        return set(
            session.scalars(
                select(LabelMapSnapshotRecord.snapshot).where(
                    LabelMapSnapshotRecord.item_id == item_id
                )
            )
        )


def _private_blobs(profile: Profile) -> set[str]:
    """The random-id blobs the profile holds, by its index and on disk."""
    every = [b.digest for b in profile.blobs.digests()]
    files = {p for p in profile.blobs.root.glob("??/*") if p.is_file()}
    assert files == {profile.blobs.path_of(blob) for blob in every}  # no file left behind
    return {blob for blob in every if is_random_id(blob)}


def test_compaction_prunes_what_no_reader_needs(profile_dir: Path, ct_item) -> None:
    """Only the newest two compacted snapshots stay, and only the rows after the older one;
    undo still crosses them, and the audit trail is untouched."""
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        _, stack, states = _dabbed_and_compacted(workspace, ct_item, 12)
        audit = workspace.profile.audit
        head = audit.head()
        audited = len(audit.entries(limit=100_000))
        seqs, snapshots = _stored(workspace.profile, ct_item)
        assert len(snapshots) == KEEP_COMPACTIONS  # four compactions, two kept
        assert _private_blobs(workspace.profile) == _snapshot_blobs(workspace.profile, ct_item)
        older = min(after for _, _, after in snapshots)
        assert seqs == sorted(seqs) and min(seqs) > older  # the rows it holds are gone
        assert len(seqs) == 3  # the last compaction's three
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, states[-1])
        for expected in reversed(states[:-1]):  # undo every edit, across pruned snapshots
            stack.undo()
            stored = load_segmentation(workspace.profile, ct_item).labels
            assert np.array_equal(stored, expected)
        assert compact(workspace.profile, ct_item)
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, states[0])
        assert len(audit.entries(limit=100_000)) == audited + 12  # the undos, nothing removed
        assert audit.extends(head).ok and audit.verify().ok
    finally:
        workspace.lock()


def test_a_damaged_newest_snapshot_falls_back_to_the_one_before(profile_dir: Path, ct_item) -> None:
    from workspace.errors import DamagedSegmentationError

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        workspace.compactor.stop()
        document = workspace.open_segmentation(ct_item)
        context = ToolContext(document, segment=document.segments[0].value)
        for n in range(9):
            dab(workspace, ct_item, context, n)
            if n % 3 == 2:
                assert compact(workspace.profile, ct_item)
        dab(workspace, ct_item, context, 9)  # a row after the newest snapshot
        with workspace.profile.database.read() as session:
            digests = session.scalars(
                select(LabelMapSnapshotRecord.snapshot).order_by(
                    LabelMapSnapshotRecord.after_seq.desc()
                )
            ).all()
        assert len(digests) == KEEP_COMPACTIONS
        workspace.profile.blobs.path_of(digests[0]).unlink()
        assert np.array_equal(load_segmentation(workspace.profile, ct_item).labels, document.labels)
        # both lost: the record's own snapshot misses pruned rows, so it is not guessed from
        workspace.profile.blobs.path_of(digests[1]).unlink()
        with pytest.raises(DamagedSegmentationError, match="damaged"):
            load_segmentation(workspace.profile, ct_item)
    finally:
        workspace.lock()


def _rounds(workspace: Workspace, item_id: str, context: ToolContext, rounds: int) -> None:
    """A few edits then a close, ``rounds`` times: one background compaction each."""
    for r in range(rounds):
        for n in range(5):  # fewer than MAX_ROWS: only the close compacts
            dab(workspace, item_id, context, 5 * r + n)
        workspace.item_closed(item_id)
        assert workspace.compactor.wait(timeout=60)


def test_an_older_record_is_kept_while_undo_may_bring_it_back(profile_dir: Path, ct_item) -> None:
    """After a save, the older record's rows and snapshots stay while the session can undo the
    save; a later session (no undo history) prunes them and reads the same labels."""
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document = workspace.open_segmentation(ct_item)
        _rounds(workspace, ct_item, ToolContext(document, segment=document.segments[0].value), 3)
        before_save, old_snapshots = _stored(workspace.profile, ct_item)
        assert len(old_snapshots) == KEEP_COMPACTIONS and len(before_save) == 5
        array = np.zeros_like(document.labels)
        array[4:12, 10:30, 10:30] = document.segments[1].value
        labels = LabelMap(array, document.geometry, list(document.segments))
        workspace.save_segmentation(ct_item, labels, source="imported.nii.gz")
        document = workspace.open_segmentation(ct_item)
        _rounds(workspace, ct_item, ToolContext(document, segment=document.segments[0].value), 3)
        seqs, snapshots = _stored(workspace.profile, ct_item)
        assert set(before_save) <= set(seqs)  # the older record's rows are all there
        assert set(old_snapshots) <= set(snapshots)  # and its compacted snapshots
        assert len(snapshots) == 2 * KEEP_COMPACTIONS
        assert len(seqs) == len(before_save) + 5
    finally:
        workspace.lock()
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)  # a new session: no undo history
    try:
        document = workspace.open_segmentation(ct_item)
        _rounds(workspace, ct_item, ToolContext(document, segment=document.segments[0].value), 1)
        seqs, snapshots = _stored(workspace.profile, ct_item)
        assert not set(before_save) & set(seqs)  # the older record's rows are gone
        assert not set(old_snapshots) & set(snapshots)
        assert len(snapshots) == KEEP_COMPACTIONS and len(seqs) == 5
        stored = load_segmentation(workspace.profile, ct_item).labels
        assert np.array_equal(stored, document.labels)
    finally:
        workspace.lock()
