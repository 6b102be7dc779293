"""Adding, duplicating and removing segments: one undo step each, persisted in a real profile;
removing clears the segment's voxels and undo brings them back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PASSPHRASE
from tests.workspace.segmentation.conftest import LIVER, SPLEEN, make_document
from workspace.demo_data import generate_ct_series
from workspace.segmentation.delta import LabelDelta, LabelMapEdit
from workspace.segmentation.document import AddSegment, SetSegmentLock
from workspace.segmentation.segment_edits import (
    DuplicateSegment,
    RemoveSegment,
    new_segment,
    unique_name,
)
from workspace.segmentation.snapshots import PALETTE
from workspace.workspace import Workspace


def test_new_segments_take_a_free_value_an_unused_name_and_colour() -> None:
    document = make_document(segments=[LIVER, SPLEEN])
    segment = new_segment(document)
    assert segment.value == 3 and segment.name == "Segment 3"
    assert segment.color not in {LIVER.color, SPLEEN.color} and segment.color in PALETTE
    assert unique_name(document, "liver") == "liver 2"
    assert unique_name(document, "kidney") == "kidney"


def test_duplicate_copies_the_settings_under_a_new_value(stack) -> None:
    document = make_document(segments=[LIVER, SPLEEN])
    stack.push(SetSegmentLock(document, LIVER.value, True))
    stack.push(DuplicateSegment(document, LIVER.value))
    copy = document.segments[-1]
    assert (copy.value, copy.name, copy.color, copy.locked) == (3, "liver copy", LIVER.color, False)
    assert stack.undo_text == "duplicate liver"
    stack.push(DuplicateSegment(document, LIVER.value))
    assert document.segments[-1].name == "liver copy 2"
    stack.undo()
    stack.undo()
    assert [s.value for s in document.segments] == [1, 2]


def test_remove_clears_the_voxels_and_undo_restores_both(stack) -> None:
    document = make_document(segments=[LIVER, SPLEEN])
    labels = document.labels
    labels[2:5, 3:9, 4:10] = LIVER.value
    labels[6:8, 1:4, 1:4] = SPLEEN.value
    before = labels.copy()
    changed: list[object] = []
    document.events.labels_changed.connect(changed.append)
    stack.push(RemoveSegment(document, LIVER.value))
    assert [s.name for s in document.segments] == ["spleen"]
    assert not (labels == LIVER.value).any()
    assert (labels == SPLEEN.value).sum() == (before == SPLEEN.value).sum()
    assert changed == [(2, 5, 3, 9, 4, 10)]
    assert stack.undo_text == "remove liver"
    stack.undo()
    assert np.array_equal(labels, before)
    assert [s.name for s in document.segments] == ["liver", "spleen"]


def test_a_locked_segment_is_not_removed(stack) -> None:
    document = make_document(segments=[LIVER])
    stack.push(SetSegmentLock(document, LIVER.value, True))
    with pytest.raises(ValueError, match="locked"):
        RemoveSegment(document, LIVER.value)
    assert [s.name for s in document.segments] == ["liver"]


def test_edits_persist_and_reopen(profile_dir: Path, tmp_path: Path) -> None:
    generate_ct_series(tmp_path / "ct", slices=6, rows=16, cols=16, seed=4)
    box = (slice(1, 3), slice(2, 6), slice(2, 6))
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([tmp_path / "ct"])
        document = workspace.open_segmentation(item.id)
        stack = workspace.command_stack(item.id)
        liver = document.segment_named("liver").value
        new = np.full((2, 4, 4), liver, dtype=document.labels.dtype)
        delta = LabelDelta.capture(document.labels, (1, 3, 2, 6, 2, 6), new)
        assert delta is not None
        stack.push(LabelMapEdit(document, delta, "paint"))
        stack.push(AddSegment(document, new_segment(document)))
        added = document.segments[-1]
        stack.push(DuplicateSegment(document, liver))
        stack.push(RemoveSegment(document, liver))
        assert not (document.labels == liver).any()
        stack.undo()  # undone and stored: segment and voxels back
    finally:
        workspace.lock()
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        reopened = workspace.open_segmentation(item.id)
        names = [s.name for s in reopened.segments]
        assert {"liver", added.name, "liver copy"} <= set(names)
        assert (reopened.labels[box] == liver).all()
        workspace.command_stack(item.id).push(RemoveSegment(reopened, liver))
    finally:
        workspace.lock()
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        again = workspace.open_segmentation(item.id)
        assert "liver" not in [s.name for s in again.segments]
        assert not (again.labels == liver).any()
    finally:
        workspace.lock()
