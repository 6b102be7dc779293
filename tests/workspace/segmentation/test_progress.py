"""Tools run in the background: progress reported, cancel stops them with nothing changed, and a
command prepared ahead does and persists exactly what an unprepared one does."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import LIVER, RecordingSink
from workspace.commands import CommandStack
from workspace.segmentation.delta import LabelMapEdit, decompress
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.progress import EditCancelledError, Progress, slabs
from workspace.segmentation.tools.fill_between import FillBetweenTool
from workspace.segmentation.tools.threshold import ThresholdOptions, ThresholdTool


def test_slabs_cover_the_axis_once_and_report_each_step() -> None:
    steps: list[tuple[int, int]] = []
    parts = list(slabs(10, 1 << 20, Progress(lambda done, total: steps.append((done, total)))))
    assert [(p.start, p.stop) for p in parts] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert steps == [(0, 10), (2, 10), (4, 10), (6, 10), (8, 10), (10, 10)]


def test_a_cancelled_threshold_stops_and_changes_nothing(context: ToolContext) -> None:
    before = context.document.labels.copy()
    tool = ThresholdTool(ThresholdOptions(low=0, high=30))
    tool.activate(replace(context, segment=LIVER.value, progress=Progress(cancelled=lambda: True)))
    with pytest.raises(EditCancelledError):
        tool.apply()
    assert np.array_equal(context.document.labels, before)


def test_fill_between_reports_its_slices(context: ToolContext) -> None:
    labels = context.document.labels
    labels[2, 10:20, 10:20] = LIVER.value
    labels[12, 12:22, 12:22] = LIVER.value
    steps: list[tuple[int, int]] = []
    tool = FillBetweenTool()
    progress = Progress(lambda done, total: steps.append((done, total)))
    tool.activate(replace(context, segment=LIVER.value, progress=progress))
    assert tool.apply() is not None
    assert steps == [(n, 11) for n in range(10)]  # slices 2..12: the pair, then each gap slice


def test_a_prepared_edit_does_and_persists_what_an_unprepared_one_does(
    context: ToolContext,
) -> None:
    results = []
    for prepared in (False, True):
        context.document.labels[...] = 0
        tool = ThresholdTool(ThresholdOptions(low=0, high=30))
        tool.activate(replace(context, segment=LIVER.value))
        command = tool.apply()
        assert isinstance(command, LabelMapEdit)
        if prepared:
            command.prepare()
        sink = RecordingSink()
        stack = CommandStack(sink)
        stack.push(command)
        (_, _, (change,)) = sink.steps[0]
        row = change.values
        assert row is not None
        voxels = decompress(row["voxels"], row["dtype"], command.delta.shape)
        done = context.document.labels.copy()
        stack.undo()
        assert not context.document.labels.any()
        stack.redo()
        assert np.array_equal(context.document.labels, done)
        results.append((done, voxels))
    assert np.array_equal(results[0][0], results[1][0])
    assert np.array_equal(results[0][1], results[1][1])
