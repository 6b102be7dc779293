"""The volume viewer on a real imported CT with a segmentation: colours land where they should."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from viewers.base import viewer_class_for
from viewers.volume.reslice import View, unpack_rgb
from viewers.volume.volume_viewer import VolumeViewer
from workspace.demo_data import generate_ct_series
from workspace.volume.model import LabelMap, Segment
from workspace.volume.segmentation import load_segmentation, save_segmentation
from workspace.workspace import Workspace

RED = "#ff0000"


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path) -> VolumeViewer:
    folder = tmp_path / "ct"
    generate_ct_series(
        folder, slices=20, rows=48, cols=40, patient_name="View^Test", patient_id="V1", seed=8
    )
    (item,) = viewer_workspace.import_paths([folder])
    volume = viewer_workspace.load_volume(item.id)
    labels = np.zeros(volume.geometry.shape, dtype=np.uint8)
    labels[8:12, 20:30, 10:20] = 3
    save_segmentation(
        viewer_workspace,
        item.id,
        LabelMap(labels, volume.geometry, [Segment(3, "lesion", RED, opacity=1.0)]),
        source="test",
    )
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item.id))
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(700, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.status.isVisible() or viewer.volume is not None  # loads off the GUI thread
    assert viewer.wait_loaded()
    return viewer


def test_segment_colour_at_the_right_pixel_in_every_view(ct_viewer: VolumeViewer) -> None:
    inside, outside = (10, 25, 15), (10, 5, 2)
    ct_viewer.set_crosshair(inside)
    for view in View:
        slice_view = ct_viewer.views[view]
        image = slice_view.grab().toImage()
        for voxel, is_red in ((inside, True), (outside, False)):
            point = slice_view.point_of(voxel)
            color = image.pixelColor(int(point.x()) + 1, int(point.y()) + 1)
            assert (color.red() > 200 and color.green() < 60) == is_red, (view, voxel, color)


def test_click_links_the_crosshair_and_reads_out_patient_coordinates(qtbot, ct_viewer) -> None:
    axial = ct_viewer.views[View.AXIAL]
    target = (10, 25, 15)
    point = axial.point_of(target)
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, pos=QPointF(point).toPoint())
    assert ct_viewer.views[View.CORONAL].index == 25
    assert ct_viewer.views[View.SAGITTAL].index == 15
    x, y, z = ct_viewer.volume.geometry.index_to_lps([15, 25, 10])
    assert f"LPS ({x:.1f}, {y:.1f}, {z:.1f})" in ct_viewer.readout.text()
    assert "lesion" in ct_viewer.readout.text()


def test_hiding_a_segment_removes_its_colour(ct_viewer: VolumeViewer) -> None:
    ct_viewer.set_crosshair((10, 25, 15))
    row = ct_viewer.segments.topLevelItem(0)
    assert row.text(0) == "lesion" and row.text(1) == str(4 * 10 * 10)
    row.setCheckState(0, Qt.CheckState.Unchecked)
    rendered = unpack_rgb(ct_viewer.views[View.AXIAL].rendered())
    assert not ((rendered[:, :, 0] > 200) & (rendered[:, :, 1] < 60)).any()


def test_presets_and_scrolling(ct_viewer: VolumeViewer) -> None:
    ct_viewer.presets.setCurrentText("Lung")
    axial = ct_viewer.views[View.AXIAL]
    assert (axial.window_level.window, axial.window_level.level) == (1500.0, -600.0)
    start = axial.index
    axial.set_index(start + 3)
    assert axial.index == start + 3
    axial.set_index(10_000)
    assert axial.index == axial.slice_count - 1


def test_painting_with_the_active_label_is_saved_and_undoable(qtbot, ct_viewer) -> None:
    liver = next(c for c in ct_viewer.schema.classes if c.name == "liver")
    ct_viewer.set_active_label(liver)
    ct_viewer.brush_radius_mm = 25.0  # the test CT has ~9 mm pixels
    axial = ct_viewer.views[View.AXIAL]
    target = (10, 5, 5)
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, pos=axial.point_of(target).toPoint())
    value = [c.name for c in ct_viewer.schema.classes].index("liver") + 1
    labels = ct_viewer.label_document.labels
    assert labels[target] == value
    painted = int((labels == value).sum())
    assert painted > 1
    workspace = ct_viewer.workspace
    assert int((load_segmentation(workspace, ct_viewer.item.id).labels == value).sum()) == painted
    ct_viewer.command_stack.undo()
    assert labels[target] == 0
    assert int((load_segmentation(workspace, ct_viewer.item.id).labels == value).sum()) == 0
    ct_viewer.command_stack.redo()
    assert labels[target] == value
    assert [s.name for s in ct_viewer.segmentation.segments] == ["lesion", "liver"]
