"""Undo deltas: cropped to what changed, exact on undo/redo, small, and replayable from rows."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import LIVER, RecordingSink, make_document
from workspace.commands import CommandStack
from workspace.segmentation.delta import TABLE, LabelDelta, LabelMapEdit, apply_payload
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.paint import BrushOptions, PaintTool
from workspace.volume.geometry import VolumeGeometry

BIG = VolumeGeometry((200, 512, 512), (0.7, 0.7, 1.0))  # 52 MB of uint8 labels


def test_capture_crops_to_the_changed_voxels_and_round_trips() -> None:
    labels = np.zeros((10, 10, 10), dtype=np.uint8)
    new = np.zeros((4, 4, 4), dtype=np.uint8)
    new[1, 2, 3] = 7  # voxel (3, 4, 5)
    new[2, 2, 2] = 7  # voxel (4, 4, 4)
    delta = LabelDelta.capture(labels, (2, 6, 2, 6, 2, 6), new)
    assert delta is not None
    assert delta.bbox == (3, 5, 4, 5, 4, 6)
    assert delta.changed == 2
    assert not labels.any()  # capturing changes nothing
    change = delta.change()  # old XOR new over the tight box
    assert change.shape == (2, 1, 2) and np.count_nonzero(change) == 2
    assert change[change != 0].tolist() == [7, 7]
    delta.write(labels, "new")
    assert labels[3, 4, 5] == 7 and labels[4, 4, 4] == 7 and labels.sum() == 14
    delta.write(labels, "old")
    assert not labels.any()


def test_capture_of_no_change_is_none_and_bad_inputs_are_refused() -> None:
    labels = np.ones((4, 4, 4), dtype=np.uint16)
    assert LabelDelta.capture(labels, (0, 2, 0, 2, 0, 2), np.ones((2, 2, 2), np.uint16)) is None
    with pytest.raises(ValueError, match="do not fit"):
        LabelDelta.capture(labels, (0, 2, 0, 2, 0, 2), np.ones((2, 2, 2), np.uint8))
    with pytest.raises(ValueError, match="do not fit"):
        LabelDelta.capture(labels, (0, 2, 0, 2, 0, 2), np.ones((2, 2, 3), np.uint16))


def test_uint16_labels_keep_their_values() -> None:
    labels = np.zeros((3, 3, 3), dtype=np.uint16)
    new = np.full((1, 1, 2), 40_000, dtype=np.uint16)
    delta = LabelDelta.capture(labels, (1, 2, 1, 2, 1, 3), new)
    assert delta is not None
    delta.write(labels, "new")
    assert labels[1, 1, 1:3].tolist() == [40_000, 40_000]


def test_every_step_is_a_row_and_the_rows_replay_the_live_map() -> None:
    document = make_document()
    sink = RecordingSink()
    stack = CommandStack(sink)
    tool = PaintTool(BrushOptions(radius_mm=3.0))
    tool.activate(ToolContext(document, segment=LIVER.value))
    for center in ((5, 10, 10), (5, 12, 14), (6, 20, 20)):
        command = tool.apply(Pointer(center))
        assert command is not None
        stack.push(command)
    stack.undo()
    stack.undo()
    stack.redo()
    assert [action for action, _, _ in sink.steps] == ["do", "do", "do", "undo", "undo", "redo"]
    replayed = np.zeros_like(document.labels)
    for _, kind, changes in sink.steps:
        assert kind == LabelMapEdit.kind
        (change,) = changes
        assert change.table == TABLE and change.values is not None
        row = change.values
        assert set(row) == {"id", "item_id", "bbox", "dtype", "voxels"}
        apply_payload(replayed, row["bbox"], row["dtype"], row["voxels"])
    assert replayed.any()
    assert np.array_equal(replayed, document.labels)


def _disc(geometry: VolumeGeometry, center: tuple[int, int, int], radius: float) -> np.ndarray:
    """The expected voxels of a 2D dab, straight from the definition."""
    si, sj, _ = geometry.spacing
    k, j, i = np.indices(geometry.shape, sparse=True)
    return (k == center[0]) & (
        ((j - center[1]) * sj) ** 2 + ((i - center[2]) * si) ** 2 <= radius**2
    )


def test_stroke_undone_and_redone_100_times_is_exactly_the_expected_map() -> None:
    document = make_document(BIG)
    stack = CommandStack(RecordingSink())
    tool = PaintTool(BrushOptions(radius_mm=5.0))
    tool.activate(ToolContext(document, segment=LIVER.value))
    centers = [(100, 200 + 4 * n, 250 + n) for n in range(12)]
    for center in centers:  # one command per dab, as the mouse moves
        command = tool.apply(Pointer(center))
        assert command is not None
        stack.push(command)
    expected = np.zeros(BIG.shape, dtype=np.bool_)
    for center in centers:
        expected |= _disc(BIG, center, 5.0)
    assert np.array_equal(document.labels == LIVER.value, expected)
    for _ in range(100):
        while stack.can_undo:
            stack.undo()
        assert not document.labels.any()
        while stack.can_redo:
            stack.redo()
    assert np.array_equal(document.labels == LIVER.value, expected)
    assert np.array_equal(document.labels != 0, expected)


class NullSink:
    def persist(self, action, command, changes) -> None:
        """Keeps nothing: only the undo history stays in memory."""


@pytest.mark.parametrize("sphere", [False, True])
@pytest.mark.parametrize("step", [1, 3, 20])
def test_undo_memory_per_dab_is_at_most_twice_the_changed_voxels(sphere: bool, step: int) -> None:
    document = make_document(BIG)
    stack = CommandStack(NullSink())
    tool = PaintTool(BrushOptions(radius_mm=5.0, sphere=sphere))
    tool.activate(ToolContext(document, segment=LIVER.value))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        edits = []
        for n in range(40):  # overlapping dabs (step 1, 3 voxels) or separate ones (20)
            j, i = divmod(step * n, 400)
            command = tool.apply(Pointer((100, 50 + j * 20 + i % 3, 50 + i)))
            assert isinstance(command, LabelMapEdit)
            stack.push(command)
            edits.append(command)
        retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    itemsize = document.labels.itemsize
    for edit in edits:
        assert edit.delta.nbytes <= 2 * edit.delta.changed * itemsize
    changed_bytes = sum(edit.delta.changed for edit in edits) * itemsize
    # What the 40 undo steps keep alive: their deltas plus about 1 KB of Python objects each,
    # nowhere near the 52 MB label map.
    assert retained < 2 * changed_bytes + 40 * 1536
    assert retained < document.labels.nbytes / 500


def test_a_dab_costs_the_same_on_a_small_and_a_large_map() -> None:
    sizes = []
    for geometry, center in (
        (VolumeGeometry((12, 40, 40), BIG.spacing), (6, 20, 20)),
        (BIG, (100, 300, 200)),
    ):
        document = make_document(geometry)
        tool = PaintTool(BrushOptions(radius_mm=5.0, sphere=True))
        tool.activate(ToolContext(document, segment=LIVER.value))
        command = tool.apply(Pointer(center))
        assert isinstance(command, LabelMapEdit)
        sizes.append((command.delta.shape, command.delta.changed, command.delta.nbytes))
    assert sizes[0] == sizes[1]
    tool.options = BrushOptions(radius_mm=15.0, sphere=True)
    bigger = tool.apply(Pointer((100, 200, 200)))
    assert isinstance(bigger, LabelMapEdit)
    assert bigger.delta.changed > 20 * sizes[0][1]
    assert bigger.delta.nbytes > sizes[0][2]
