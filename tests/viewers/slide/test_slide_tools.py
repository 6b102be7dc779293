"""The slide annotation tools on a real stored slide: gestures become stored, undoable shapes,
and the overlay paints only what is in view."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QTransform

from storage.profile import Profile
from tests.slides.generate import write_svs
from viewers.slide.tools.base import ToolSession
from viewers.slide.tools.drawing import (
    BrushTool,
    EllipseTool,
    FreehandTool,
    LineTool,
    PointTool,
    PolygonTool,
    RectangleTool,
)
from viewers.slide.tools.editing import SelectTool, subtract_selected, union_selected
from viewers.slide.tools.overlay import ShapeOverlay
from workspace.annotation_kinds.slide_shapes import area_um2
from workspace.workspace import Workspace


@dataclass
class Event:
    """A view mouse event: level-0 position and the Qt event."""

    x: float
    y: float
    event: QMouseEvent


def _mouse(kind: QEvent.Type, x: float, y: float, shift: bool = False) -> Event:
    left = Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else left
    modifiers = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
    event = QMouseEvent(kind, QPointF(x, y), QPointF(x, y), left, buttons, modifiers)
    return Event(x, y, event)


def _drag(tool, points: list[tuple[float, float]], shift: bool = False) -> None:
    (x, y), *rest = points
    assert tool.mouse_press(_mouse(QEvent.Type.MouseButtonPress, x, y, shift))
    for x, y in rest:
        tool.mouse_move(_mouse(QEvent.Type.MouseMove, x, y))
    tool.mouse_release(_mouse(QEvent.Type.MouseButtonRelease, x, y))


def _key(key: Qt.Key, ctrl: bool = False) -> QKeyEvent:
    modifiers = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    return QKeyEvent(QEvent.Type.KeyPress, key, modifiers)


@pytest.fixture
def session(profile: Profile, tmp_path: Path, qapp) -> tuple[ToolSession, Workspace, str]:
    slide = tmp_path / "case.svs"
    write_svs(slide, 800, 600, mpp=0.5)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([slide], lambda p, m: None)
    errors: list[str] = []
    tools = ToolSession(
        workspace.document(item.id),
        workspace.command_stack(item.id),
        schema=workspace.schema_for(item),
        current_class="tumour",
        on_error=errors.append,
    )
    return tools, workspace, item.id


def _stored(profile: Profile, item_id: str) -> list:
    return [a for a in Workspace(profile).annotations(item_id) if a.kind == "slide_shape"]


def test_each_tool_adds_one_stored_undoable_shape(session, profile: Profile) -> None:
    tools, workspace, item_id = session
    _drag(RectangleTool(tools), [(10.5, 20.25), (110.5, 70.25)])
    _drag(EllipseTool(tools), [(200, 200), (300, 260)])
    _drag(LineTool(tools), [(0, 0), (30, 40)])
    _drag(FreehandTool(tools), [(400, 400), (500, 400), (500, 500), (400, 500)])
    tools.current_class = "lymphocyte"
    PointTool(tools).mouse_press(_mouse(QEvent.Type.MouseButtonPress, 5.25, 6.75))
    polygon = PolygonTool(tools)
    tools.current_class = "stroma"
    for x, y in [(600, 100), (700, 100), (700, 200)]:
        polygon.mouse_press(_mouse(QEvent.Type.MouseButtonPress, x, y))
    assert polygon.key_press(_key(Qt.Key.Key_Return))

    stored = _stored(profile, item_id)
    assert [a.data["shape"] for a in stored] == [
        "rectangle",
        "ellipse",
        "line",
        "polygon",
        "point",
        "polygon",
    ]
    rectangle = stored[0]
    assert rectangle.data["box"] == [10.5, 20.25, 100.0, 50.0]
    assert area_um2(rectangle, (0.5, 0.5)) == pytest.approx(100 * 50 * 0.25)
    assert stored[4].data["geometry"] == {"type": "Point", "coordinates": [5.25, 6.75]}

    stack = workspace.command_stack(item_id)
    stack.undo()
    assert len(_stored(profile, item_id)) == 5


def test_brush_paints_a_region_and_grows_the_selected_one(session, profile: Profile) -> None:
    tools, workspace, item_id = session
    brush = BrushTool(tools)
    brush.radius_pixels = 10
    _drag(brush, [(100, 100), (200, 100)])
    (painted,) = _stored(profile, item_id)
    first_area = area_um2(painted, (1, 1))
    assert first_area == pytest.approx(100 * 20 + 3.14 * 100, rel=0.02)
    tools.select([painted.id])
    _drag(brush, [(200, 100), (200, 200)])
    (grown,) = _stored(profile, item_id)
    assert grown.id == painted.id and area_um2(grown, (1, 1)) > first_area * 1.3
    workspace.command_stack(item_id).undo()
    assert area_um2(_stored(profile, item_id)[0], (1, 1)) == pytest.approx(first_area)


def test_select_drag_vertex_union_and_subtract(session, profile: Profile) -> None:
    tools, workspace, item_id = session
    _drag(RectangleTool(tools), [(0, 0), (100, 100)])
    _drag(RectangleTool(tools), [(50, 0), (150, 100)])
    select = SelectTool(tools)
    assert select.mouse_press(_mouse(QEvent.Type.MouseButtonPress, 20, 50))
    select.mouse_release(_mouse(QEvent.Type.MouseButtonRelease, 20, 50))
    first = tools.selection[0]
    _drag(select, [(0, 0), (-10.5, -10.5)])  # drag the selected rectangle's corner
    moved = workspace.document(item_id).get(first)
    assert moved.data["geometry"]["coordinates"][0][0] == [-10.5, -10.5]
    assert moved.data["shape"] == "polygon"

    select.mouse_press(_mouse(QEvent.Type.MouseButtonPress, 140, 50, shift=True))
    assert len(tools.selection) == 2
    assert union_selected(tools)
    assert [a.id for a in _stored(profile, item_id)] == [first]
    workspace.command_stack(item_id).undo()
    assert len(_stored(profile, item_id)) == 2
    assert subtract_selected(tools)
    (cut,) = _stored(profile, item_id)
    assert cut.id == first
    before = area_um2(moved, (1, 1))
    assert area_um2(cut, (1, 1)) == pytest.approx(before - 50 * 100)
    assert not union_selected(tools)  # one region left: refused, reported, nothing changed


def _red_pixels(image: QImage) -> int:
    return sum(
        1
        for y in range(0, image.height(), 2)
        for x in range(0, image.width(), 2)
        if QColor(image.pixel(x, y)).red() > 150
    )


@dataclass
class View:
    """A plain transform for the overlay."""

    transform: QTransform
    width: int = 200
    height: int = 200

    def qtransform(self) -> QTransform:
        return self.transform

    def visible_rect(self) -> QRectF:
        inverse, _ = self.transform.inverted()
        return inverse.mapRect(QRectF(0, 0, self.width, self.height))


def test_overlay_draws_visible_shapes_and_follows_edits(session) -> None:
    tools, workspace, item_id = session
    _drag(RectangleTool(tools), [(10, 10), (90, 90)])
    overlay = ShapeOverlay(tools)
    image = QImage(200, 200, QImage.Format.Format_ARGB32_Premultiplied)

    def frame(transform: QTransform) -> int:
        image.fill(0)
        painter = QPainter(image)
        overlay(painter, View(transform))
        painter.end()
        return _red_pixels(image)

    assert frame(QTransform()) > 0  # the tumour rectangle's outline is red
    assert frame(QTransform.fromTranslate(-1000, -1000)) == 0  # out of view
    assert frame(QTransform.fromTranslate(-5, 0)) > 0  # a pan reuses the layer
    workspace.command_stack(item_id).undo()
    assert frame(QTransform.fromTranslate(-5, 0)) == 0  # the edit redraws
