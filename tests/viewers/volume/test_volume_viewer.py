"""The volume viewer on an imported, segmented CT phantom: colours, linking, readout, edits."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag, hover, rendered
from viewers.base import viewer_class_for
from viewers.jobs import shared_runner
from viewers.volume.overlay import unpack_rgb
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from viewers.volume.window_level import AUTO
from workspace.workspace import Workspace

LIVER = (221, 130, 101)  # '#dd8265' at full opacity


def _open(qtbot, workspace: Workspace, item_id: str) -> VolumeViewer:
    viewer = viewer_class_for("volume")(workspace, workspace.item(item_id))
    assert isinstance(viewer, VolumeViewer)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    assert viewer.strip.isVisible() or viewer.volume is not None  # loads off the GUI thread
    assert viewer.wait_loaded()
    return viewer


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=24, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _inside_liver(viewer: VolumeViewer) -> tuple[int, int, int]:
    """A liver voxel whose 3x3x3 neighbourhood is all liver."""
    liver = viewer.document.labels == 1
    core = liver[1:-1, 1:-1, 1:-1].copy()
    for dk in (-1, 0, 1):
        for dj in (-1, 0, 1):
            for di in (-1, 0, 1):
                core &= np.roll(liver, (dk, dj, di), axis=(0, 1, 2))[1:-1, 1:-1, 1:-1]
    k, j, i = (int(v) + 1 for v in np.argwhere(core)[len(np.argwhere(core)) // 2])
    return k, j, i


def _close(color, rgb, tolerance=0) -> bool:
    return all(
        abs(a - b) <= tolerance
        for a, b in zip((color.red(), color.green(), color.blue()), rgb, strict=True)
    )


def test_segment_colour_at_the_right_pixel_in_every_view(qtbot, ct_viewer: VolumeViewer) -> None:
    ct_viewer.editing.set_opacity(1, 1.0)
    inside, outside = _inside_liver(ct_viewer), (2, 2, 2)
    ct_viewer.set_crosshair(inside)
    for view in View:
        slice_view = ct_viewer.views[view]
        image = rendered(slice_view)
        shift = QPointF(2, 2)  # beside the crosshair lines
        assert _close(image.pixelColor((slice_view.point_of(inside) + shift).toPoint()), LIVER), (
            view
        )
        other = image.pixelColor(slice_view.point_of(outside).toPoint())
        assert not _close(other, LIVER, 40), view
    surface_view = ct_viewer.surface_view
    assert surface_view.builder.wait_idle()
    ct_viewer.set_crosshair((0, 0, 0))  # out of the way of the check
    pixels = surface_view.image()
    k, j, i = inside
    row, col = surface_view.display_point(ct_viewer.volume.geometry.index_to_lps([i, j, k]))
    red, green, blue = (int(v) for v in pixels[row, col])
    assert red > 90 and red > green > blue  # the liver's orange, shaded
    corner = pixels[3, -4]
    assert abs(int(corner[2]) - int(corner[0])) < 40  # grey-blue background, not a surface


def test_surface_is_in_patient_coordinates(ct_viewer: VolumeViewer) -> None:
    surface_view = ct_viewer.surface_view
    assert surface_view.builder.wait_idle()
    labels = ct_viewer.document.labels
    geometry = ct_viewer.volume.geometry
    k, j, i = np.nonzero(labels == 2)  # spleen
    low = geometry.index_to_lps([i.min() - 0.5, j.min() - 0.5, k.min() - 0.5])
    high = geometry.index_to_lps([i.max() + 0.5, j.max() + 0.5, k.max() + 0.5])
    bounds = np.array(surface_view.surfaces[2].bounds()).reshape(3, 2)
    spacing = np.array(geometry.spacing)
    assert np.all(np.abs(bounds[:, 0] - np.minimum(low, high)) <= spacing)
    assert np.all(np.abs(bounds[:, 1] - np.maximum(low, high)) <= spacing)


def test_click_links_the_crosshair_and_reads_out_patient_coordinates(qtbot, ct_viewer) -> None:
    axial = ct_viewer.views[View.AXIAL]
    target = _inside_liver(ct_viewer)
    axial.set_index(target[0])
    qtbot.mouseClick(axial, Qt.MouseButton.LeftButton, pos=axial.point_of(target).toPoint())
    assert ct_viewer.crosshair == target
    assert ct_viewer.views[View.CORONAL].index == target[1]
    assert ct_viewer.views[View.SAGITTAL].index == target[2]
    k, j, i = target
    x, y, z = ct_viewer.volume.geometry.index_to_lps([i, j, k])
    value = int(ct_viewer.volume.voxels[target])
    text = ct_viewer.readout.text()
    assert f"[{i}, {j}, {k}]  {value} HU  LPS ({x:.1f}, {y:.1f}, {z:.1f}) mm  liver" == text
    assert axial.series_lines[-2:] == ["Se 2  24 im", "2024-03-15"]  # no patient by default
    assert axial.position_text() == f"{'S' if z >= 0 else 'I'} {abs(z):.1f} mm"
    hover(axial, axial.point_of((k, 1, 1)))
    assert ct_viewer.readout.text().startswith("[1, 1, ")


def test_hiding_a_segment_is_an_undoable_command(ct_viewer: VolumeViewer) -> None:
    ct_viewer.set_crosshair(_inside_liver(ct_viewer))
    row = ct_viewer.panel.row_of(1)
    assert row.text(0) == "liver"
    row.setCheckState(0, Qt.CheckState.Unchecked)
    assert not ct_viewer.document.segment(1).visible
    assert 1 not in ct_viewer.surface_view.actors
    axial = ct_viewer.views[View.AXIAL]
    rgb = unpack_rgb(axial.rendered())
    liver = axial.frame.extract(ct_viewer.document.labels, axial.index) == 1
    assert liver.any()
    assert (rgb[liver, 0] == rgb[liver, 2]).all()  # grey: no liver colour left
    ct_viewer.command_stack.undo()
    assert ct_viewer.document.segment(1).visible
    assert ct_viewer.panel.row_of(1).checkState(0) == Qt.CheckState.Checked
    assert 1 in ct_viewer.surface_view.actors


def test_opacity_slider_previews_then_commits_one_step(ct_viewer: VolumeViewer) -> None:
    slider = ct_viewer.panel.slider_of(2)
    stack = ct_viewer.command_stack
    before = stack.undo_text
    slider.setSliderDown(True)
    slider.setValue(80)
    slider.setValue(90)
    assert ct_viewer.document.segment(2).opacity == 0.5  # previewed only
    assert stack.undo_text == before
    slider.setSliderDown(False)  # emits sliderReleased
    assert ct_viewer.document.segment(2).opacity == 0.9
    stored = ct_viewer.workspace.document(ct_viewer.item.id)
    record = [a for a in stored.all() if a.kind == "segmentation"][-1]
    assert [s["opacity"] for s in record.data["segments"] if s["value"] == 2] == [0.9]


def test_presets_keys_and_window_drag(qtbot, ct_viewer: VolumeViewer) -> None:
    axial = ct_viewer.views[View.AXIAL]
    axial.setFocus()
    qtbot.keyClick(axial, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert (axial.window_level.window, axial.window_level.level) == (1500.0, -600.0)
    assert ct_viewer.views[View.CORONAL].window_level is axial.window_level
    assert ct_viewer.toolbar.presets.currentText() == "Lung"
    qtbot.keyClick(axial, Qt.Key.Key_W)
    assert ct_viewer.toolbar.window_mode.isChecked()
    drag(axial, Qt.MouseButton.LeftButton, [QPointF(100, 100), QPointF(120, 100)])
    assert ct_viewer.views[View.SAGITTAL].window_level.window > 1500.0
    assert ct_viewer.toolbar.presets.currentIndex() == -1  # a custom setting
    ct_viewer.apply_preset("Brain")
    assert (axial.window_level.window, axial.window_level.level) == (80.0, 40.0)
    qtbot.keyClick(axial, Qt.Key.Key_W)
    assert not ct_viewer.toolbar.window_mode.isChecked()


def test_maximise_by_double_click_key_and_toolbar(qtbot, ct_viewer: VolumeViewer) -> None:
    coronal = ct_viewer.views[View.CORONAL]
    qtbot.mouseDClick(coronal, Qt.MouseButton.LeftButton, pos=coronal.rect().center())
    assert ct_viewer.grid.maximised is coronal
    assert not ct_viewer.views[View.AXIAL].isVisible()
    qtbot.keyClick(coronal, Qt.Key.Key_Escape)
    assert ct_viewer.grid.maximised is None
    sagittal = ct_viewer.views[View.SAGITTAL]
    sagittal.setFocus()
    qtbot.keyClick(sagittal, Qt.Key.Key_M)
    assert ct_viewer.grid.maximised is sagittal
    qtbot.keyClick(sagittal, Qt.Key.Key_M)
    assert ct_viewer.grid.maximised is None
    ct_viewer.maximise("3d")
    assert ct_viewer.grid.maximised is ct_viewer.surface_view
    surface_view = ct_viewer.surface_view
    qtbot.waitUntil(lambda: surface_view.width() >= ct_viewer.grid.width() - 4)


def test_painting_is_one_undo_step_saved_and_shown_in_3d(qtbot, ct_viewer) -> None:
    pancreas = ct_viewer.schema.class_named("pancreas")
    ct_viewer.set_active_label(pancreas)
    ct_viewer.brush_radius_mm = 12.0
    ct_viewer.set_active_label(pancreas)
    axial = ct_viewer.views[View.AXIAL]
    k = 12
    axial.set_index(k)
    points = [axial.point_of((k, 40, i)) for i in (20, 22, 24, 26)]
    drag(axial, Qt.MouseButton.LeftButton, points)
    value = ct_viewer.document.segment_named("pancreas").value
    labels = ct_viewer.document.labels
    painted = int((labels == value).sum())
    assert labels[k, 40, 23] == value and painted > 4
    workspace = ct_viewer.workspace
    assert int((workspace.load_segmentation(ct_viewer.item.id).labels == value).sum()) == painted
    assert ct_viewer.surface_view.builder.wait_idle()
    assert ct_viewer.surface_view.surfaces[value].triangles > 0
    ct_viewer.command_stack.undo()  # the whole stroke at once
    assert int((labels == value).sum()) == 0
    assert ct_viewer.surface_view.builder.wait_idle()
    assert ct_viewer.surface_view.surfaces[value].triangles == 0
    ct_viewer.command_stack.redo()
    assert int((labels == value).sum()) == painted
    drag(axial, Qt.MouseButton.LeftButton, points[:1], Qt.KeyboardModifier.ShiftModifier)
    assert labels[k, 40, 20] == 0  # Shift erases


def test_a_locked_segment_is_not_painted(qtbot, ct_viewer: VolumeViewer) -> None:
    ct_viewer.panel.row_of(1).setCheckState(2, Qt.CheckState.Checked)
    assert ct_viewer.document.segment(1).locked
    ct_viewer.set_active_label(ct_viewer.schema.class_named("liver"))
    axial = ct_viewer.views[View.AXIAL]
    target = (12, 5, 5)
    axial.set_index(12)
    before = ct_viewer.document.labels.copy()
    with qtbot.waitSignal(ct_viewer.message) as said:
        drag(axial, Qt.MouseButton.LeftButton, [axial.point_of(target)])
    assert "locked" in said.args[0]
    assert np.array_equal(before, ct_viewer.document.labels)


def test_an_unsegmented_volume_is_stored_on_its_first_stroke(qtbot, viewer_workspace, tmp_path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", segmented=False)
    viewer = _open(qtbot, viewer_workspace, item_id)
    try:
        assert not viewer.editing.stored
        names = [s.name for s in viewer.document.segments]
        assert names == list(viewer.schema.class_names)
        viewer.set_active_label(viewer.schema.class_named("spleen"))
        axial = viewer.views[View.AXIAL]
        drag(axial, Qt.MouseButton.LeftButton, [axial.point_of((axial.index, 30, 40))])
        assert viewer.tool_control.busy  # the snapshot is sealed off the GUI thread first
        qtbot.waitUntil(lambda: not viewer.tool_control.busy, timeout=30_000)
        assert viewer.editing.stored
        stored = viewer_workspace.load_segmentation(item_id)
        assert stored.labels[axial.index, 30, 40] == 2
    finally:
        viewer.shutdown()


def test_closing_while_loading_is_harmless(qtbot, viewer_workspace, tmp_path) -> None:
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", segmented=False)
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item_id))
    job = viewer.loading
    viewer.shutdown()  # before the voxels arrive
    assert job.abandoned and job.wait(30_000)  # the load has ended on its worker,
    qtbot.waitUntil(lambda: job.is_finished, timeout=10_000)  # its outcome came back...
    assert viewer.loaded is None and not viewer.views  # ...and was dropped


def test_cancelling_the_load_says_so_in_the_strip(qtbot, viewer_workspace, tmp_path) -> None:
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", segmented=False)
    runner, gate = shared_runner(), threading.Event()
    busy = [runner.submit("busy", lambda _c: gate.wait(30)) for _ in range(runner.max_threads)]
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item_id))
    qtbot.addWidget(viewer)
    viewer.show()
    strip = viewer.strip
    assert strip.isVisible() and strip.label.text() == "Opening the volume"
    strip.cancel_button.click()  # the load waits for a worker: it will not start at all
    gate.set()
    qtbot.waitUntil(lambda: viewer.loading.is_finished, timeout=30_000)
    assert all(job.wait(30_000) for job in busy)
    assert viewer.loaded is None and not viewer.views
    assert strip.error_label.text().startswith("Not opened: cancelled.")
    assert not strip.progress.isVisible() and not strip.cancel_button.isVisible()
    viewer.shutdown()


def test_a_load_failure_is_one_line_in_the_strip(qtbot, viewer_workspace, tmp_path) -> None:
    from workspace.volume.geometry import VolumeGeometry
    from workspace.volume.model import LabelMap, Segment

    item_id = import_phantom(viewer_workspace, tmp_path / "ct", segmented=False)
    wrong = VolumeGeometry((4, 5, 6), (1.0, 1.0, 1.0))
    labels = LabelMap(np.ones(wrong.shape, np.uint8), wrong, [Segment(1, "a", "#112233")])
    viewer_workspace.save_segmentation(item_id, labels, "test")
    viewer = viewer_class_for("volume")(viewer_workspace, viewer_workspace.item(item_id))
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitUntil(lambda: viewer.loading.is_finished, timeout=30_000)
    text = viewer.strip.error_label.text()
    assert text.startswith("The volume could not be opened: its stored segmentation is")
    assert text.endswith("it is not a segmentation of this volume.") and "\n" not in text
    assert viewer.loaded is None and not viewer.strip.progress.isVisible()
    viewer.shutdown()


def test_without_opengl_the_slice_views_still_work(qtbot, monkeypatch, viewer_workspace, tmp_path):
    def no_gl(*args, **kwargs):
        raise RuntimeError("no OpenGL here")

    monkeypatch.setattr("viewers.volume.surface_view.SurfaceView", no_gl)
    item_id = import_phantom(viewer_workspace, tmp_path / "ct")
    viewer = _open(qtbot, viewer_workspace, item_id)
    assert viewer.surface_view is None
    assert "unavailable" in viewer.grid.views[3].text()
    viewer.set_crosshair((5, 20, 20))
    assert viewer.views[View.SAGITTAL].index == 20


def test_a_mirrored_permuted_volume_is_shown_in_radiological_layout(qtbot, viewer_workspace):
    """A volume handed over in memory, its i axis running to the patient's right and its j
    axis from superior to inferior: the segment still lands where the views say it is."""
    from viewers.volume.loader import Loaded
    from workspace.items import ItemSummary
    from workspace.volume.geometry import VolumeGeometry
    from workspace.volume.model import LabelMap, Segment, Volume

    direction = ((-1.0, 0.0, 0.0), (0.0, 0.0, 1.0), (0.0, -1.0, 0.0))  # i -> R, j -> I, k -> P
    geometry = VolumeGeometry((30, 40, 50), (1.0, 2.0, 1.5), (10.0, -20.0, 30.0), direction)
    voxels = np.full(geometry.shape, 40, dtype=np.int16)
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    labels[5:10, 8:14, 30:40] = 1  # k 5..9, j 8..13, i 30..39
    segment = Segment(1, "lesion", "#00ff00", opacity=1.0)
    item = ItemSummary("in-memory", "volume", "in memory", "")
    loaded = Loaded(Volume(voxels, geometry), LabelMap(labels, geometry, [segment]), {0: 1, 1: 1})
    viewer = VolumeViewer(viewer_workspace, item, preloaded=loaded)
    qtbot.addWidget(viewer)
    viewer.resize(900, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    inside = (7, 10, 35)
    viewer.set_crosshair(inside)
    for view in View:
        slice_view = viewer.views[view]
        image = rendered(slice_view)
        point = slice_view.point_of(inside) + QPointF(2, 2)
        assert _close(image.pixelColor(point.toPoint()), (0, 255, 0)), view
    assert viewer.views[View.AXIAL].labels_text == ("A", "P", "R", "L")
    assert viewer.views[View.CORONAL].labels_text == ("S", "I", "R", "L")
    assert viewer.views[View.SAGITTAL].labels_text == ("S", "I", "A", "P")
    axial = viewer.views[View.AXIAL]
    right_of = axial.point_of((inside[0], inside[1], inside[2] - 1))  # i - 1 is to the left
    assert right_of.x() > axial.point_of(inside).x()  # patient's left on the screen's right
    viewer.surface_view.builder.wait_idle()
    bounds = np.array(viewer.surface_view.surfaces[1].bounds()).reshape(3, 2)
    corners = geometry.index_to_lps([[29.5, 7.5, 4.5], [39.5, 13.5, 9.5]])
    assert np.allclose(bounds[:, 0], corners.min(axis=0), atol=1.0)
    assert np.allclose(bounds[:, 1], corners.max(axis=0), atol=1.0)


def test_help_lists_the_viewer_gestures() -> None:
    from viewers.base import viewer_gestures

    rows = {
        (text, keys) for category, text, keys in viewer_gestures() if category == "Volume viewer"
    }
    keys = {keys for _, keys in rows}
    assert {"Alt+1…Alt+9", "W", "Middle-drag", "Double-click, M, Esc"} <= keys


def test_an_mr_nifti_opens_on_its_own_intensities(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(7)
    voxels = rng.normal(600.0, 60.0, (12, 40, 40)).astype(np.float32)
    voxels[:, :, :6] = 0.0  # background
    sitk.WriteImage(sitk.GetImageFromArray(voxels), str(tmp_path / "t1.nii.gz"))
    (item,) = viewer_workspace.import_paths([tmp_path / "t1.nii.gz"])
    viewer = _open(qtbot, viewer_workspace, item.id)
    try:
        assert viewer.state.preset == AUTO
        assert viewer.toolbar.presets.currentText() == AUTO
        assert "Lung" not in viewer.state.presets  # no Hounsfield windows for an MR
        axial = viewer.views[View.AXIAL]
        grey = axial.window_level.apply(voxels[6])
        tissue = grey[:, 6:]
        assert 120 < float(tissue.mean()) < 230  # grey, with its texture visible
        assert float((tissue == 255).mean()) < 0.01  # not white (a CT window saturates it all)
        assert (grey[:, :6] == 0).all()
        page = viewer.tools.page("threshold")
        assert page.low_slider.minimum() == 0 and page.high_slider.maximum() >= int(voxels.max())
        assert 0.0 <= page.low.value() <= page.high.value() <= float(np.ceil(voxels.max()))
    finally:
        viewer.shutdown()


def test_the_crosshair_follows_scrolling_in_every_view(qtbot, ct_viewer: VolumeViewer) -> None:
    axial, coronal = ct_viewer.views[View.AXIAL], ct_viewer.views[View.CORONAL]
    start = ct_viewer.crosshair
    assert start is not None
    axial.setFocus()
    qtbot.keyClick(axial, Qt.Key.Key_Up)
    qtbot.keyClick(axial, Qt.Key.Key_Up)
    moved = ct_viewer.crosshair
    assert moved is not None and moved[1:] == start[1:]
    assert moved[0] == axial.index != start[0]  # the crosshair is on the slice shown
    assert coronal.crosshair == moved and ct_viewer.views[View.SAGITTAL].crosshair == moved
    if ct_viewer.surface_view is not None:  # the 3D lines cross at the new voxel
        geometry = ct_viewer.volume.geometry
        first_line_end = ct_viewer.surface_view.crosshair.lines.GetPoints().GetPoint(0)
        _, j, k = geometry.lps_to_index(first_line_end)
        assert (round(k), round(j)) == (moved[0], moved[1])
    qtbot.keyClick(coronal, Qt.Key.Key_End)
    assert ct_viewer.crosshair[coronal.frame.fixed_axis] == coronal.slice_count - 1


def test_patient_details_show_only_when_the_settings_allow(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    from workspace.settings import SHOW_PATIENT_DETAILS

    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=4, rows=16, cols=16)
    name = str(viewer_workspace.item(item_id).meta["patient_name"]).replace("^", " ")
    hidden = _open(qtbot, viewer_workspace, item_id)
    assert not any(name in line for line in hidden.views[View.AXIAL].series_lines)
    hidden.shutdown()
    viewer_workspace.set_setting(SHOW_PATIENT_DETAILS, True)
    shown = _open(qtbot, viewer_workspace, item_id)
    assert shown.views[View.AXIAL].series_lines[0].startswith(name)
    shown.shutdown()


def test_a_single_image_opens_in_one_large_view(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(np.arange(40 * 30, dtype=np.int16).reshape(1, 40, 30))
    sitk.WriteImage(image, str(tmp_path / "radiograph.nii.gz"))
    (item,) = viewer_workspace.import_paths([tmp_path / "radiograph.nii.gz"])
    viewer = _open(qtbot, viewer_workspace, item.id)
    try:
        axial = viewer.views[View.AXIAL]
        assert viewer.grid.maximised is axial
        assert not axial.isHidden() and viewer.views[View.CORONAL].isHidden()
        qtbot.waitUntil(axial.isVisible)
        assert axial.width() > viewer.width() / 2
    finally:
        viewer.shutdown()
