"""The slide viewer on a generated pyramid in a real profile: zoom, pan, keys, rotation, the
overview, the level chosen, pixels drawn from the right tile, the label only when allowed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QPainter

from tests.viewers.slide.conftest import HEIGHT, WIDTH, settle
from tests.viewers.volume.qt_input import drag, rendered, wheel
from viewers.base import viewer_class_for
from viewers.slide.slide_view import SlideMouseEvent
from viewers.slide.slide_viewer import SlideViewer
from viewers.slide.transform import SlideTransform
from workspace.slides.label import set_labels_shown


def _pixel(view, point: QPointF) -> np.ndarray:
    colour = rendered(view).pixelColor(int(point.x()), int(point.y()))
    return np.array([colour.red(), colour.green(), colour.blue()], int)


def _slide_pixel(view, x: float, y: float) -> np.ndarray:
    return view.reader.read_region(0, int(x), int(y), 1, 1)[0, 0].astype(int)


def _shown_matches_slide(view, point: QPointF) -> bool:
    """The widget pixel at ``point`` shows the level-0 pixel under its centre."""
    at = view.transform.to_slide(QPointF(int(point.x()) + 0.5, int(point.y()) + 0.5))
    return np.abs(_pixel(view, point) - _slide_pixel(view, at.x(), at.y())).max() <= 3


def test_slide_items_open_in_the_slide_viewer(open_viewer) -> None:
    viewer = open_viewer("plain.tif")
    assert viewer_class_for("slide") is SlideViewer
    view = viewer.view
    assert view.transform.scale < 1  # fitted: the whole 1500 × 1100 slide shows
    rect = view.transform.visible_rect()
    assert rect.contains(0, 0) and rect.contains(WIDTH, HEIGHT)
    assert view.level == 1  # 1500 px fitted into 620: the ½ level has the detail shown
    assert "level 1" in viewer.readout.text() and "×" in viewer.readout.text()


def test_pixels_come_from_the_tile_at_that_place(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    assert view.level == 0
    settle(qtbot, view)
    for wx, wy in [(view.width() / 2, view.height() / 2), (40, 30), (300, 250)]:
        assert _shown_matches_slide(view, QPointF(wx, wy))


def test_coarser_tiles_stand_in_until_finer_ones_arrive(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    settle(qtbot, view)  # the coarsest level is decoded
    view.loader.cache.clear()
    coarse = list(view.visible_tiles(2))
    view.loader.request(coarse)
    qtbot.waitUntil(lambda: all(key in view.loader.cache for key in coarse))
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    image = rendered(view)  # level-0 tiles are not decoded yet: level 2 drawn scaled up
    centre = image.pixelColor(view.width() // 2, view.height() // 2)
    expected = _slide_pixel(view, 700, 500)
    assert abs(centre.red() - expected[0]) < 40  # the right picture, coarser
    settle(qtbot, view)


def test_wheel_zooms_around_the_cursor_and_changes_level(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    point = QPointF(150, 120)
    before = view.transform.to_slide(point)
    scale = view.transform.scale
    for _ in range(6):
        wheel(view, point, 1)
    after = view.transform.to_slide(point)
    assert view.transform.scale == pytest.approx(scale * 1.25**6)
    assert (after.x(), after.y()) == pytest.approx((before.x(), before.y()), abs=1e-6)
    assert view.level == view.reader.best_level(1 / view.transform.scale) < 2
    settle(qtbot, view)


def test_drag_and_keys_pan_zoom_and_fit(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    view.set_transform(SlideTransform(700, 500, 0.5, 0, view.width(), view.height()))
    drag(view, Qt.MouseButton.LeftButton, [QPointF(300, 200), QPointF(250, 180), QPointF(200, 150)])
    assert (view.transform.cx, view.transform.cy) == pytest.approx((900, 600))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.transform.cx == pytest.approx(900 + view.width() * 0.2 / 0.5)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.transform.cy == pytest.approx(600 - view.height() * 0.2 / 0.5)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.transform.scale == pytest.approx(1.0)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.transform.scale == pytest.approx(0.25)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert (view.transform.cx, view.transform.cy) == (WIDTH / 2, HEIGHT / 2)
    settle(qtbot, view)


def test_rotation_turns_the_picture(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_R)
    assert view.transform.quarter_turns == 1
    right_of_centre = QPointF(view.width() / 2 + 100, view.height() / 2)
    at = view.transform.to_slide(right_of_centre)  # clockwise: the slide's top is on the right
    assert (at.x(), at.y()) == pytest.approx((700, 400))
    settle(qtbot, view)
    assert _shown_matches_slide(view, right_of_centre)
    assert _shown_matches_slide(view, QPointF(37, 411))
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClick(view, Qt.Key.Key_R, Qt.KeyboardModifier.ShiftModifier)
    assert view.transform.quarter_turns == 3


def test_overview_click_moves_the_view(open_viewer, qtbot) -> None:
    viewer = open_viewer("plain.tif")
    qtbot.waitUntil(lambda: viewer.overview.image is not None)
    overview, view = viewer.overview, viewer.view
    view.set_transform(SlideTransform(200, 200, 1.0, 0, view.width(), view.height()))
    target = overview.to_widget(QPointF(1200, 800))
    qtbot.mouseClick(overview, Qt.MouseButton.LeftButton, pos=target.toPoint())
    assert (view.transform.cx, view.transform.cy) == pytest.approx((1200, 800), abs=WIDTH / 200)
    drag(overview, Qt.MouseButton.LeftButton, [target, overview.to_widget(QPointF(300, 400))])
    assert (view.transform.cx, view.transform.cy) == pytest.approx((300, 400), abs=WIDTH / 200)
    settle(qtbot, view)


def test_scale_bar_and_magnification_follow_the_zoom(open_viewer, qtbot) -> None:
    viewer = open_viewer("plain.tif")  # 0.5 µm per pixel: 20× at full resolution
    view = viewer.view
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    assert viewer.readout.text().startswith("20× · 0.5 µm/px · level 0")
    view.zoom(0.25)
    assert viewer.readout.text().startswith("5× · 2 µm/px · level 2")
    settle(qtbot, view)


def test_label_hidden_unless_the_profile_allows_it(open_viewer, viewer_workspace, qtbot) -> None:
    hidden = open_viewer("aperio.svs")
    assert "Hidden" in hidden.label_images.text()
    assert hidden.label_images.pixmap().isNull()
    assert hidden.associated_job is None  # not even read
    set_labels_shown(viewer_workspace.profile, True)
    shown = open_viewer("aperio.svs")
    qtbot.waitUntil(lambda: not shown.label_images.pixmap().isNull(), timeout=10_000)
    assert not shown.macro_image.pixmap().isNull()
    plain = open_viewer("plain.tif")
    assert "no label" in plain.label_images.text()


class _Tool:
    def __init__(self) -> None:
        self.events: list[tuple[str, float, float]] = []

    def mouse_press(self, event: SlideMouseEvent) -> bool:
        self.events.append(("press", event.x, event.y))
        return True

    def mouse_move(self, event: SlideMouseEvent) -> bool:
        self.events.append(("move", event.x, event.y))
        return True

    def mouse_release(self, event: SlideMouseEvent) -> bool:
        self.events.append(("release", event.x, event.y))
        return True


def test_tools_get_slide_coordinates_and_overlays_paint_after_tiles(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    view.set_transform(SlideTransform(700, 500, 2.0, 0, view.width(), view.height()))
    tool = _Tool()
    view.tool = tool
    centre = QPointF(view.width() / 2, view.height() / 2)
    drag(view, Qt.MouseButton.LeftButton, [centre, centre + QPointF(20, 10)])
    assert tool.events == [("press", 700, 500), ("move", 710, 505), ("release", 710, 505)]
    assert (view.transform.cx, view.transform.cy) == (700, 500)  # the tool used the drag

    def overlay(painter: QPainter, transform: SlideTransform) -> None:
        painter.setTransform(transform.qtransform())
        painter.fillRect(695, 495, 10, 10, Qt.GlobalColor.green)

    view.overlays.append(overlay)
    settle(qtbot, view)
    assert list(_pixel(view, centre)) == [0, 255, 0]


def test_tile_cache_is_bounded_in_megabytes(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    view.loader.cache.limit = 3 * 256 * 256 * 4  # three tiles
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    settle_keys = list(view.visible_tiles(0))
    view.loader.request(settle_keys)
    qtbot.waitUntil(lambda: view.loader.pending == 0)
    assert len(view.loader.cache) <= 3
    assert view.loader.cache.size <= view.loader.cache.limit


def test_requests_the_view_has_left_are_dropped(open_viewer, qtbot) -> None:
    view = open_viewer("plain.tif").view
    first = [(0, c, r) for r in range(5) for c in range(6)]  # all 30 level-0 tiles
    view.loader.request(first)
    view.loader.request([(2, 0, 0)])  # the view moved on at once
    qtbot.waitUntil(lambda: view.loader.pending == 0)
    decoded = [key for key in first if key in view.loader.cache]
    assert len(decoded) <= len(first) // 2  # only those a worker had already started
    assert (2, 0, 0) in view.loader.cache


def test_a_damaged_slide_says_so_once_and_the_view_goes_on(
    viewer_workspace, slide_files, qtbot
) -> None:
    (item,) = viewer_workspace.import_paths([slide_files["plain.tif"]])
    (segment,) = [f for f in viewer_workspace.item_files(item.id) if f.name.startswith("segment-")]
    path = viewer_workspace.profile.blobs.path_of(segment.digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    viewer = SlideViewer(viewer_workspace, item)
    qtbot.addWidget(viewer)
    messages: list[str] = []
    viewer.message.connect(messages.append)
    viewer.resize(900, 600)
    viewer.show()
    view = viewer.view
    view.set_transform(SlideTransform(700, 500, 1.0, 0, view.width(), view.height()))
    qtbot.waitUntil(lambda: bool(messages))
    view.pan(-300, 0)
    qtbot.waitUntil(lambda: view.repaint() or view.loader.pending == 0)
    assert len(messages) == 1 and "integrity check" in messages[0]
    viewer.shutdown()


def test_the_overview_of_a_large_coarsest_level_is_thinned_out(
    viewer_workspace, tmp_path, qtbot
) -> None:
    from tests.slides.generate import write_pyramid
    from viewers.slide import overview

    write_pyramid(tmp_path / "two.tif", 2600, 1300, levels=1, mpp=0.5)  # one level only
    (item,) = viewer_workspace.import_paths([tmp_path / "two.tif"])
    with viewer_workspace.open_slide(item.id) as reader:
        image = overview.overview_image(reader)
        assert (image.width(), image.height()) == (867, 434)  # every 3rd pixel of 2600 × 1300
        for x, y in [(0, 0), (500, 200), (866, 433)]:
            colour = image.pixelColor(x, y)
            expected = reader.read_region(0, 3 * x, 3 * y, 1, 1)[0, 0]
            assert [colour.red(), colour.green(), colour.blue()] == list(expected)


def test_a_region_drawn_with_the_rectangle_tool_is_stored_and_drawn(open_viewer, qtbot) -> None:
    from workspace.annotation_kinds.names import SLIDE_SHAPE

    viewer = open_viewer("plain.tif")
    view = viewer.view
    settle(qtbot, view)
    viewer.set_active_label(viewer.schema.class_named("tumour"))
    qtbot.mouseClick(viewer.tool_bar.buttons["Rectangle"], Qt.MouseButton.LeftButton)
    assert view.tool is not None and view.tool.name == "rectangle"
    start, end = QPointF(300, 200), QPointF(420, 300)
    drag(view, Qt.MouseButton.LeftButton, [start, QPointF(360, 250), end])
    shapes = [a for a in viewer.workspace.document(viewer.item.id).all() if a.kind == SLIDE_SHAPE]
    (region,) = shapes
    assert region.label == "tumour"
    inside = rendered(view).pixelColor(360, 250)  # the outline is drawn, the inside shows tiles
    edge = rendered(view).pixelColor(300, 250)
    assert edge != inside
    viewer.command_stack.undo()
    assert not [a for a in viewer.workspace.document(viewer.item.id).all() if a.kind == SLIDE_SHAPE]
