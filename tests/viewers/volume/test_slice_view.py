"""One slice view on a synthetic volume: gestures, mapping, painting of the image."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.viewers.volume.qt_input import drag, hover, rendered, wheel
from viewers.volume.overlay import Overlay
from viewers.volume.reslice import View, slice_frame
from viewers.volume.slice_view import Mode, SliceView
from viewers.volume.window_level import WindowLevel
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment

GEOMETRY = VolumeGeometry((12, 30, 40), (0.8, 0.8, 3.0), (-16.0, -12.0, 0.0))


@pytest.fixture
def view(qtbot) -> SliceView:
    voxels = np.full(GEOMETRY.shape, -1000, dtype=np.int16)
    voxels[:, 10:20, 10:30] = 40
    widget = SliceView(slice_frame(GEOMETRY, View.AXIAL), voxels, GEOMETRY)
    qtbot.addWidget(widget)
    widget.resize(400, 300)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_image_is_drawn_aspect_correct_with_grey_where_the_voxels_are(view: SliceView) -> None:
    rect = view.image_rect()
    assert rect.width / rect.height == pytest.approx((40 * 0.8) / (30 * 0.8))
    image = rendered(view)
    soft = view.point_of((6, 15, 20))
    air = view.point_of((6, 2, 2))
    assert image.pixelColor(soft.toPoint()).red() == 128
    assert image.pixelColor(air.toPoint()).red() == 0


def test_wheel_keys_and_home_end_move_through_slices(qtbot, view: SliceView) -> None:
    start = view.index
    centre = QPointF(200, 150)
    wheel(view, centre, 2)
    assert view.index == start + 2
    wheel(view, centre, -1)
    assert view.index == start + 1
    for key, expected in (
        (Qt.Key.Key_Down, start),
        (Qt.Key.Key_B, start - 1),
        (Qt.Key.Key_F, start),
        (Qt.Key.Key_PageUp, start + 5),
        (Qt.Key.Key_Home, 0),
        (Qt.Key.Key_End, 11),
    ):
        qtbot.keyClick(view, key)
        assert view.index == expected, key


def test_ctrl_wheel_zooms_about_the_mouse_and_r_resets(qtbot, view: SliceView) -> None:
    anchor = view.point_of((6, 5, 35))
    wheel(view, anchor, 3, Qt.KeyboardModifier.ControlModifier)
    assert view.viewport.zoom == pytest.approx(1.15**3)
    assert view.voxel_at(anchor) == (6, 5, 35)
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert view.viewport.zoom == 1.0


def test_right_drag_zooms_and_middle_drag_pans(view: SliceView) -> None:
    drag(view, Qt.MouseButton.RightButton, [QPointF(200, 150), QPointF(200, 100)])
    assert view.viewport.zoom > 1.3
    before = view.point_of((6, 15, 20))
    drag(view, Qt.MouseButton.MiddleButton, [QPointF(100, 100), QPointF(130, 90)])
    after = view.point_of((6, 15, 20))
    assert (after.x() - before.x(), after.y() - before.y()) == pytest.approx((30, -10), abs=0.5)


def test_left_click_reports_the_voxel_and_hover_follows(qtbot, view: SliceView) -> None:
    target = view.point_of((6, 12, 33))
    with qtbot.waitSignal(view.cursor_moved) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=target.toPoint())
    assert clicked.args == [(6, 12, 33)]
    with qtbot.waitSignal(view.hovered) as hovered:
        hover(view, view.point_of((6, 3, 4)))
    assert hovered.args == [(6, 3, 4)]


def test_window_level_drag(view: SliceView) -> None:
    view.set_window(WindowLevel(400, 40))
    view.mode = Mode.WINDOW_LEVEL
    seen: list[tuple[float, float]] = []
    view.window_changed.connect(lambda w, level: seen.append((w, level)))
    drag(view, Qt.MouseButton.LeftButton, [QPointF(100, 100), QPointF(164, 100 - 32)])
    window, level = seen[-1]
    assert window == pytest.approx(400 + 64 * 400 / 256)
    assert level == pytest.approx(40 - 32 * 400 / 256)


def test_paint_stroke_is_reported_once_on_release(view: SliceView) -> None:
    view.mode = Mode.PAINT
    strokes: list[tuple[list, bool]] = []
    view.stroke_finished.connect(lambda voxels, erase: strokes.append((voxels, erase)))
    points = [view.point_of((6, 15, c)) for c in (10, 12, 14)]
    drag(view, Qt.MouseButton.LeftButton, points)
    assert strokes == [([(6, 15, 10), (6, 15, 12), (6, 15, 14)], False)]
    drag(view, Qt.MouseButton.LeftButton, points[:1], Qt.KeyboardModifier.ShiftModifier)
    assert strokes[-1] == ([(6, 15, 10)], True)


def test_overlay_colour_and_crosshair(view: SliceView) -> None:
    labels = np.zeros(GEOMETRY.shape, dtype=np.uint8)
    labels[6, 20:25, 5:9] = 1
    view.set_overlay(
        labels, Overlay.for_labels([Segment(1, "a", "#00ff00", opacity=1.0)], labels.dtype)
    )
    view.set_crosshair((6, 22, 7))
    image = rendered(view)
    point = view.point_of((6, 21, 6))
    color = image.pixelColor(point.toPoint())
    assert (color.red(), color.green(), color.blue()) == (0, 255, 0)
    assert view.shows((6, 7, 0, 1, 0, 1)) and not view.shows((7, 9, 0, 1, 0, 1))
    centre = view.point_of((6, 22, 7))
    line = image.pixelColor(int(centre.x()) + 20, int(centre.y()))
    assert line.red() > 150 and line.blue() < 60  # the crosshair's yellow over black
    assert view.patient_at(centre) == pytest.approx(GEOMETRY.index_to_lps([7, 22, 6]))
