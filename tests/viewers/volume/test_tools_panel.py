"""The Tools panel on a segmented CT phantom: each tool driven through its widgets gives the
label map the workspace tool gives, as one undo step; renaming and recolouring persist."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QLineEdit

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import double_click, drag, rendered
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from viewers.volume.slice_view import Mode
from viewers.volume.volume_viewer import VolumeViewer
from workspace.segmentation.area import EditableArea, EditRule
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.islands import IslandsOptions
from workspace.segmentation.tools.paint import BrushOptions
from workspace.segmentation.tools.region_grow import RegionGrowOptions
from workspace.segmentation.tools.registry import create_tool
from workspace.segmentation.tools.threshold import ThresholdOptions
from workspace.volume.model import LabelMap
from workspace.workspace import Workspace

LIVER, SPLEEN, KIDNEY_LEFT = 1, 2, 4
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=24, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _select(qtbot, viewer: VolumeViewer, value: int) -> None:
    """Click segment ``value``'s name in the Segments list."""
    tree = viewer.panel.tree
    row = viewer.panel.row_of(value)
    rect = tree.visualRect(tree.model().index(tree.indexOfTopLevelItem(row), 0))
    qtbot.mouseClick(tree.viewport(), LEFT, pos=QPoint(rect.right() - 4, rect.center().y()))
    assert viewer.target_value() == value


def _finish(qtbot, viewer: VolumeViewer) -> None:
    """Wait for the tool just applied: whole-volume tools run as background jobs."""
    qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=30_000)


def _choose(qtbot, viewer: VolumeViewer, tool_id: str) -> None:
    qtbot.mouseClick(viewer.tools.buttons[tool_id], LEFT)
    assert viewer.tools.tool == tool_id


def _expected(
    viewer: VolumeViewer,
    tool_id: str,
    options: Any,
    value: int,
    at: Pointer | None = None,
    rule: EditRule = EditRule.OVERWRITE_ALL,
) -> np.ndarray:
    """The labels the workspace tool gives, run on a copy of the viewer's segmentation."""
    document = viewer.document
    copy = SegmentationDocument(
        "copy", LabelMap(document.labels.copy(), document.geometry, list(document.segments))
    )
    tool = create_tool(tool_id)
    tool.options = options
    tool.activate(ToolContext(copy, viewer.volume, segment=value, area=EditableArea(rule)))
    command = tool.apply(at)
    assert command is not None
    command.do()
    return copy.labels


def test_threshold_previews_then_applies_as_the_tool_does_and_undoes(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, SPLEEN)
    _choose(qtbot, viewer, "threshold")
    page = viewer.tools.page("threshold")
    page.low.setValue(0.0)
    page.high.setValue(100.0)
    viewer.tools.area.setCurrentIndex(2)  # leave other segments alone
    assert viewer.editing.area.rule is EditRule.ALLOW_OVERLAP
    axial = viewer.views[View.AXIAL]
    before = viewer.document.labels.copy()
    options = ThresholdOptions(0.0, 100.0)
    expected = _expected(viewer, "threshold", options, SPLEEN, rule=EditRule.ALLOW_OVERLAP)
    # the preview: exactly the voxels in range the tool gives the spleen, in every view
    voxels = viewer.volume.voxels
    in_range = (voxels >= 0) & (voxels <= 100)
    assert np.array_equal(
        expected == SPLEEN, (before == SPLEEN) | ((expected == SPLEEN) & in_range)
    )
    for view in viewer.views.values():
        mask = view.preview_mask()
        assert mask is not None
        slice_expected = view.frame.extract((expected == SPLEEN) & in_range, view.index)
        assert np.array_equal(mask, slice_expected), view.view
    previewed = np.argwhere(axial.preview_mask() & (axial.frame.extract(before, axial.index) == 0))
    row, col = (int(v) for v in previewed[len(previewed) // 2])
    voxel = axial.frame.voxel(axial.index, row, col)
    point = axial.point_of(voxel).toPoint()
    tinted = rendered(axial).pixelColor(point)
    assert np.array_equal(viewer.document.labels, before)  # a preview changes nothing
    stack = viewer.command_stack
    qtbot.mouseClick(page.apply_button, LEFT)
    _finish(qtbot, viewer)
    assert np.array_equal(viewer.document.labels, expected)
    assert (viewer.document.labels[before == LIVER] == LIVER).all()  # the rule held
    assert viewer.tools.tool is None and axial.preview_mask() is None
    plain = rendered(axial).pixelColor(point)
    assert tinted != plain  # the preview was drawn over the slice
    assert stack.undo_text.startswith("threshold spleen")
    stored = viewer.workspace.load_segmentation(viewer.item.id).labels
    assert np.array_equal(stored, expected)
    stack.undo()
    assert np.array_equal(viewer.document.labels, before)


def test_threshold_cancel_and_escape_change_nothing(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, SPLEEN)
    before = viewer.document.labels.copy()
    axial = viewer.views[View.AXIAL]
    axial.setFocus()
    qtbot.keyClick(axial, Qt.Key.Key_T)
    assert viewer.tools.tool == "threshold" and axial.preview_mask() is not None
    qtbot.mouseClick(viewer.tools.page("threshold").cancel_button, LEFT)
    assert viewer.tools.tool is None and axial.preview_mask() is None
    qtbot.keyClick(axial, Qt.Key.Key_T)
    qtbot.keyClick(axial, Qt.Key.Key_Escape)
    assert viewer.tools.tool is None and axial.preview_mask() is None
    assert np.array_equal(viewer.document.labels, before)


def test_region_grow_from_a_clicked_seed(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, KIDNEY_LEFT)
    _choose(qtbot, viewer, "region_grow")
    page = viewer.tools.page("region_grow")
    page.low.setValue(300.0)
    page.high.setValue(2000.0)
    axial = viewer.views[View.AXIAL]
    assert axial.mode is Mode.CLICK
    bone = np.argwhere(axial.frame.extract(viewer.volume.voxels, axial.index) > 300)
    row, col = (int(v) for v in bone[len(bone) // 2])
    seed = axial.frame.voxel(axial.index, row, col)
    expected = _expected(
        viewer,
        "region_grow",
        RegionGrowOptions(low=300.0, high=2000.0),
        KIDNEY_LEFT,
        Pointer(seed, axial.frame.fixed_axis),
    )
    qtbot.mouseClick(axial, LEFT, pos=axial.point_of(seed).toPoint())
    _finish(qtbot, viewer)
    labels = viewer.document.labels
    assert np.array_equal(labels, expected)
    assert labels[seed] == KIDNEY_LEFT and (labels == KIDNEY_LEFT).sum() > 100
    viewer.command_stack.undo()
    assert labels[seed] == 0


def test_islands_removes_a_small_island(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, LIVER)
    viewer.tools.brush_spin.setValue(3.0)
    labels = viewer.document.labels
    liver_before = int((labels == LIVER).sum())
    axial = viewer.views[View.AXIAL]
    empty = np.argwhere(axial.frame.extract(labels, axial.index) == 0)
    far = [p for p in empty if p[0] > 40]  # the posterior rows: the spine, away from the liver
    voxel = axial.frame.voxel(axial.index, int(far[0][0]), int(far[0][1]))
    drag(axial, LEFT, [axial.point_of(voxel)])
    island = int((labels == LIVER).sum()) - liver_before
    assert labels[voxel] == LIVER and 0 < island < 50
    _choose(qtbot, viewer, "islands")
    page = viewer.tools.page("islands")
    page.operation.setCurrentIndex(page.operation.findData("remove_small"))
    page.min_voxels.setValue(island + 1)
    expected = _expected(
        viewer, "islands", IslandsOptions("remove_small", min_voxels=island + 1), LIVER
    )
    qtbot.mouseClick(page.apply_button, LEFT)
    _finish(qtbot, viewer)
    assert np.array_equal(labels, expected)
    assert labels[voxel] == 0 and int((labels == LIVER).sum()) == liver_before
    viewer.command_stack.undo()
    assert labels[voxel] == LIVER


def test_brush_size_spin_sets_the_dab_radius(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    _select(qtbot, viewer, SPLEEN)
    axial = viewer.views[View.AXIAL]
    labels = viewer.document.labels
    centre = (axial.index, 24, 24)
    counts = []
    for radius in (8.0, 16.0):
        viewer.tools.brush_spin.setValue(radius)
        assert viewer.brush_radius_mm == radius and axial.brush_radius_mm == radius
        assert viewer.tools.brush_slider.value() == round(radius)
        expected = _expected(
            viewer, "paint", BrushOptions(radius_mm=radius), SPLEEN, Pointer(centre, 0)
        )
        drag(axial, LEFT, [axial.point_of(centre)])
        assert np.array_equal(labels, expected)
        counts.append(int((labels == SPLEEN).sum()))
        viewer.command_stack.undo()
    assert counts[1] > counts[0]
    axial.setFocus()
    qtbot.keyClick(axial, Qt.Key.Key_BracketRight)
    assert viewer.tools.brush_spin.value() == 17.0 and axial.brush_radius_mm == 17.0
    qtbot.keyClick(axial, Qt.Key.Key_E)
    assert viewer.tools.tool == "erase" and axial.brush_erases


def test_smoothing_and_logical_apply_one_step_each(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    labels = viewer.document.labels
    _select(qtbot, viewer, LIVER)
    stack = viewer.command_stack
    for tool_id in ("smoothing", "logical"):
        _choose(qtbot, viewer, tool_id)
        page = viewer.tools.page(tool_id)
        if tool_id == "smoothing":
            page.method.setCurrentIndex(page.method.findData("opening"))
            page.radius.setValue(max(viewer.volume.geometry.spacing) * 1.5)
        else:
            page.operation.setCurrentIndex(page.operation.findData("union"))
            page.modifier.setCurrentIndex(page.modifier.findData(SPLEEN))
        options = viewer.tool_control.make_tool(tool_id).options
        before = labels.copy()
        expected = _expected(viewer, tool_id, options, LIVER)
        qtbot.mouseClick(page.apply_button, LEFT)
        _finish(qtbot, viewer)
        assert np.array_equal(labels, expected), tool_id
        assert not np.array_equal(labels, before), tool_id
        stack.undo()
        assert np.array_equal(labels, before), tool_id


def test_fill_between_slices_of_a_new_segment(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    viewer.set_active_label(viewer.schema.class_named("pancreas"))
    assert viewer.target_value() is None  # added on the first edit
    viewer.tools.brush_spin.setValue(15.0)
    axial = viewer.views[View.AXIAL]
    for k in (6, 12):
        axial.set_index(k)
        drag(axial, LEFT, [axial.point_of((k, 24, 24))])
    value = viewer.document.segment_named("pancreas").value
    labels = viewer.document.labels
    assert viewer.target_value() == value and not (labels[7:12] == value).any()
    _choose(qtbot, viewer, "fill_between")
    page = viewer.tools.page("fill_between")
    assert page.chosen_view() is View.AXIAL
    options = viewer.tool_control.make_tool("fill_between").options
    assert options.axis == axial.frame.fixed_axis
    expected = _expected(viewer, "fill_between", options, value)
    qtbot.mouseClick(page.apply_button, LEFT)
    _finish(qtbot, viewer)
    assert np.array_equal(labels, expected)
    assert all((labels[k] == value).any() for k in range(7, 12))
    viewer.command_stack.undo()
    assert not (labels[7:12] == value).any()


def test_rename_and_recolour_are_undoable_and_persist(
    qtbot, monkeypatch, ct_viewer, viewer_workspace
) -> None:
    viewer = ct_viewer
    panel, tree = viewer.panel, viewer.panel.tree
    row = panel.row_of(SPLEEN)
    rect = tree.visualRect(tree.model().index(tree.indexOfTopLevelItem(row), 0))
    double_click(tree.viewport(), QPointF(rect.right() - 4, rect.center().y()))
    (editor,) = [e for e in tree.findChildren(QLineEdit) if e.isVisible()]  # name editor
    assert editor.text() == "spleen"
    editor.selectAll()
    qtbot.keyClicks(editor, "lien")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.document.segment(SPLEEN).name == "lien")  # queued commit
    assert viewer.document.segment(SPLEEN).visible
    monkeypatch.setattr(QColorDialog, "getColor", lambda *args: QColor("#00c0ff"))
    swatch = panel.swatch_rect(SPLEEN)
    assert swatch.width() > 4
    qtbot.mouseClick(tree.viewport(), LEFT, pos=swatch.center())
    assert viewer.document.segment(SPLEEN).color == "#00c0ff"
    assert panel.row_of(SPLEEN).text(0) == "lien"
    stack = viewer.command_stack
    stack.undo()
    assert viewer.document.segment(SPLEEN).color == "#9d6ca2"
    stack.redo()
    item_id = viewer.item.id
    viewer.shutdown()
    viewer.close()
    reopened = _open(qtbot, viewer_workspace, item_id)
    try:
        spleen = reopened.document.segment(SPLEEN)
        assert (spleen.name, spleen.color) == ("lien", "#00c0ff")
        assert reopened.panel.row_of(SPLEEN).text(0) == "lien"
    finally:
        reopened.shutdown()


def test_a_refused_rename_keeps_the_name(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    row = viewer.panel.row_of(SPLEEN)
    with qtbot.waitSignal(viewer.message) as said:
        row.setText(0, "liver")  # taken
    assert "repeat" in said.args[0]
    assert viewer.document.segment(SPLEEN).name == "spleen"
    assert viewer.panel.row_of(SPLEEN).text(0) == "spleen"


def test_tool_keys_choose_tools_and_click_modes(qtbot, ct_viewer) -> None:
    viewer = ct_viewer
    axial = viewer.views[View.AXIAL]
    assert viewer.tools.tool == "paint" and axial.mode is Mode.NAVIGATE  # nothing selected
    _select(qtbot, viewer, LIVER)
    assert axial.mode is Mode.PAINT
    axial.setFocus()
    for key, tool in (
        (Qt.Key.Key_G, "region_grow"),
        (Qt.Key.Key_I, "fill_between"),
        (Qt.Key.Key_K, "islands"),
        (Qt.Key.Key_S, "smoothing"),
        (Qt.Key.Key_O, "logical"),
        (Qt.Key.Key_P, "paint"),
    ):
        qtbot.keyClick(axial, key)
        assert viewer.tools.tool == tool, key
        assert not viewer.tools.page(tool).isHidden() or tool == "paint"
    qtbot.keyClick(axial, Qt.Key.Key_P)  # the chosen tool's key puts it down
    assert viewer.tools.tool is None and axial.mode is Mode.NAVIGATE
    _choose(qtbot, viewer, "islands")
    page = viewer.tools.page("islands")
    page.operation.setCurrentIndex(page.operation.findData("remove_selected"))
    assert axial.mode is Mode.CLICK and not page.apply_button.isEnabled()
    target = axial.point_of((axial.index, 1, 1))
    qtbot.mouseClick(axial, LEFT, pos=QPointF(target).toPoint())
    _finish(qtbot, viewer)
    assert "island" in viewer.tools.message.text()  # not on the liver: nothing removed
