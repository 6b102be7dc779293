"""Brush and eraser as undoable deltas: exact voxels, memory per step, persisted and replayed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PASSPHRASE
from workspace.demo_data import generate_ct_series
from workspace.volume.brush import dab
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.labelmap_edit import LabelMapDocument, LabelMapEdit
from workspace.volume.model import LabelMap, Segment
from workspace.volume.segmentation import load_segmentation, save_segmentation
from workspace.workspace import Workspace

GEOMETRY = VolumeGeometry((20, 40, 50), (0.5, 1.0, 2.0))


def test_disc_honours_anisotropic_spacing() -> None:
    labels = np.zeros(GEOMETRY.shape, dtype=np.uint8)
    delta = dab(labels, GEOMETRY, (10, 20, 25), 3.0, 1)
    assert delta is not None
    LabelMapDocument("item", labels).write(delta, "after")
    painted = np.argwhere(labels == 1)
    assert set(painted[:, 0]) == {10}  # a disc in one axial slice
    assert painted[:, 2].max() - painted[:, 2].min() == 12  # ±6 columns of 0.5 mm
    assert painted[:, 1].max() - painted[:, 1].min() == 6  # ±3 rows of 1 mm
    assert labels.sum() == np.count_nonzero(
        ((np.arange(50)[None, :] - 25) * 0.5) ** 2 + ((np.arange(40)[:, None] - 20) * 1.0) ** 2
        <= 9.0
    )


def test_sphere_spans_slices_and_eraser_clears_only_its_segment() -> None:
    labels = np.zeros(GEOMETRY.shape, dtype=np.uint8)
    labels[:, :, :5] = 2
    document = LabelMapDocument("item", labels)
    document.write(dab(labels, GEOMETRY, (10, 20, 3), 4.0, 1, sphere=True), "after")
    assert set(np.argwhere(labels == 1)[:, 0]) == {8, 9, 10, 11, 12}  # ±2 slices of 2 mm
    document.write(dab(labels, GEOMETRY, (10, 20, 3), 10.0, 1, sphere=True, erase=True), "after")
    assert not (labels == 1).any()
    assert (labels[:, :, :5] == 2).sum() > 0
    assert dab(labels, GEOMETRY, (10, 20, 30), 1.0, 1, erase=True) is None  # nothing to erase


def test_stroke_undone_and_redone_100_times_is_exact_and_memory_is_local(profile) -> None:
    from workspace.commands import CommandStack

    class NoSink:
        def persist(self, action, command, changes) -> None:
            pass

    big = VolumeGeometry((200, 512, 512), (0.7, 0.7, 1.0))
    labels = np.zeros(big.shape, dtype=np.uint8)
    document = LabelMapDocument("item", labels)
    stack = CommandStack(NoSink())
    edits = []
    for n in range(5):
        delta = dab(labels, big, (100, 200 + 10 * n, 250), 5.0, 1)
        edits.append(LabelMapEdit(document, delta, "paint"))
        stack.push(edits[-1])
    expected = labels.copy()
    changed = int((expected != 0).sum())
    for _ in range(100):
        for _ in range(5):
            stack.undo()
        assert not labels.any()
        for _ in range(5):
            stack.redo()
    assert np.array_equal(labels, expected)
    step_bytes = [edit.delta.nbytes for edit in edits]  # what each undo step holds
    assert max(step_bytes) <= 2 * changed  # grows with what changed, not with the volume
    assert labels.nbytes > 1000 * max(step_bytes)


def test_edits_persist_and_replay_after_reopen(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ct"
    generate_ct_series(
        folder, slices=10, rows=32, cols=32, patient_name="Brush^Test", patient_id="B1", seed=9
    )
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    (item,) = workspace.import_paths([folder])
    geometry = workspace.load_volume(item.id).geometry
    start = LabelMap(np.zeros(geometry.shape, np.uint8), geometry, [Segment(1, "liver", "#dd8265")])
    save_segmentation(workspace, item.id, start, source="empty")
    labels = load_segmentation(workspace, item.id).labels.copy()
    document = LabelMapDocument(item.id, labels)
    stack = workspace.command_stack(item.id)
    for center in ((5, 10, 10), (5, 12, 14), (6, 20, 20)):
        stack.push(LabelMapEdit(document, dab(labels, geometry, center, 4.0, 1), "paint"))
    stack.undo()
    stack.undo()
    stack.redo()
    expected = labels.copy()
    workspace.lock()
    reopened = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        assert np.array_equal(load_segmentation(reopened, item.id).labels, expected)
        assert reopened.profile.audit.verify().ok
    finally:
        reopened.lock()


def test_radius_must_be_positive() -> None:
    with pytest.raises(ValueError, match="radius"):
        dab(np.zeros(GEOMETRY.shape, np.uint8), GEOMETRY, (1, 1, 1), 0.0, 1)
