"""Edits persisted through a real encrypted profile; the store alone rebuilds the label map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation
from workspace.demo_data import generate_ct_series
from workspace.segmentation import measurements
from workspace.segmentation.area import EditableArea
from workspace.segmentation.document import RenameSegment, SetSegmentOpacity
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.snapshots import replay_deltas
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.erase import EraserOptions, EraseTool
from workspace.segmentation.tools.islands import IslandsOptions, IslandsTool
from workspace.segmentation.tools.paint import BrushOptions, PaintTool
from workspace.segmentation.tools.threshold import ThresholdOptions, ThresholdTool
from workspace.workspace import Workspace


@pytest.fixture
def ct_item(profile_dir: Path, tmp_path: Path) -> str:
    folder = tmp_path / "ct"
    generate_ct_series(
        folder, slices=12, rows=32, cols=32, patient_name="Seg^Test", patient_id="S1", seed=3
    )
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder])
        return item.id
    finally:
        workspace.lock()


def test_edits_and_undo_redo_replay_exactly_after_reopening(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    document = workspace.open_segmentation(ct_item)
    stack = workspace.command_stack(ct_item)
    assert not stack.can_undo  # storing the new empty segmentation is not an undo step
    assert [s.name for s in document.segments][:2] == ["liver", "spleen"]
    liver = document.segment_named("liver").value
    context = ToolContext(document, workspace.load_volume(ct_item), segment=liver)
    spacing = document.geometry.spacing
    brush = PaintTool(BrushOptions(radius_mm=2.5 * max(spacing)))
    brush.activate(context)
    for center in ((3, 8, 8), (3, 8, 12), (5, 20, 20)):
        stack.push(brush.apply(Pointer(center)))
    brush.options = BrushOptions(radius_mm=2.0 * max(spacing), sphere=True)
    stack.push(brush.apply(Pointer((9, 24, 8))))
    stack.undo()
    stack.undo()
    stack.redo()
    context.area = EditableArea(intensity_range=(-50.0, 120.0))
    threshold = ThresholdTool(ThresholdOptions(low=-1000, high=3000))  # masked by the area
    threshold.activate(context)
    stack.push(threshold.apply())
    context.area = EditableArea()
    eraser = EraseTool(EraserOptions(radius_mm=1.5 * max(spacing)))
    eraser.activate(context)
    stack.push(eraser.apply(Pointer((3, 8, 10))))
    stack.undo()
    stack.redo()
    islands = IslandsTool(IslandsOptions("split", min_voxels=1))
    islands.activate(context)
    split = islands.apply()
    if split is not None:
        stack.push(split)
    stack.push(RenameSegment(document, liver, "hepar"))
    stack.push(SetSegmentOpacity(document, liver, 0.8))
    stack.undo()
    expected = document.labels.copy()
    segments = document.segments
    assert (expected == liver).sum() > 0
    assert np.array_equal(workspace.load_segmentation(ct_item).labels, expected)
    zeros = np.zeros_like(expected)
    assert np.array_equal(replay_deltas(workspace.profile.database, ct_item, zeros), expected)
    workspace.lock()

    reopened = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        stored = reopened.load_segmentation(ct_item)
        assert np.array_equal(stored.labels, expected)
        assert tuple(stored.segments) == segments
        assert stored.segment(liver).name == "hepar" and stored.segment(liver).opacity == 0.5
        again = reopened.open_segmentation(ct_item)
        assert np.array_equal(again.labels, expected) and again.segments == segments
        assert reopened.profile.audit.verify().ok
    finally:
        reopened.lock()


def test_a_snapshot_midway_then_more_edits(profile_dir: Path, ct_item) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        document = workspace.open_segmentation(ct_item)
        stack = workspace.command_stack(ct_item)
        context = ToolContext(document, segment=1)
        brush = PaintTool(BrushOptions(radius_mm=20.0))
        brush.activate(context)
        stack.push(brush.apply(Pointer((2, 10, 10))))
        workspace.save_segmentation(ct_item, document.label_map, source="checkpoint")
        stack.push(brush.apply(Pointer((4, 16, 16))))
        stack.undo()
        stack.redo()
        assert np.array_equal(workspace.load_segmentation(ct_item).labels, document.labels)
    finally:
        workspace.lock()


def test_measurements_are_stored_and_exported(profile_dir: Path, ct_item, tmp_path) -> None:
    import json

    from workspace.export.item_export import export_item

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item = workspace.item(ct_item)
        schema = workspace.schema_for(item)
        geometry = workspace.load_volume(ct_item).geometry
        stack, document = workspace.command_stack(ct_item), workspace.document(ct_item)
        ruler = measurements.ruler(
            ct_item, geometry, (1, 2, 3), (1, 12, 3), "lesion", schema=schema
        )
        study = measurements.classification(
            ct_item, schema, {"finding": "cyst", "laterality": "left", "severity": "mild"}
        )
        for annotation in (ruler, study):
            stack.push(AddAnnotation(document, annotation))
        (out,) = export_item(workspace, ct_item, "json", tmp_path / "m.json")
        report = json.loads(out.read_text())
        (length,) = report["measurements"]
        assert length["value"] == pytest.approx(10 * geometry.spacing[1], abs=1e-3)
        assert report["findings"] == [
            {"label": "cyst", "attributes": {"laterality": "left", "severity": "mild"}}
        ]
    finally:
        workspace.lock()


def test_a_damaged_stored_edit_is_an_error_everywhere_never_an_empty_map(
    profile_dir: Path, ct_item: str
) -> None:
    import uuid

    from storage.models import LabelMapDeltaRecord
    from workspace.errors import DamagedSegmentationError, NoSegmentationError

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        with pytest.raises(NoSegmentationError, match="no segmentation yet"):
            workspace.load_segmentation(ct_item)
        workspace.open_segmentation(ct_item)
        with workspace.profile.database.write() as session:
            session.add(
                LabelMapDeltaRecord(
                    id=str(uuid.uuid4()),
                    item_id=ct_item,
                    bbox=[0, 2, 0, 2, 0, 2],
                    dtype="|u1",
                    voxels=b"not a delta",
                )
            )
        for read in (workspace.load_segmentation, workspace.open_segmentation):
            with pytest.raises(DamagedSegmentationError, match="is damaged"):
                read(ct_item)
    finally:
        workspace.lock()
