"""The shapes overlay at speed: level of detail keeps tiny shapes visible, an edit shows at once
and repairs only its place, a zoom reuses the layer scaled then settles to the exact drawing;
the spatial index and cells behind it stay exact through edits."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QTransform
from pytestqt.qtbot import QtBot

from tests.slides.generate import write_svs
from viewers.slide.tools.base import ToolSession
from viewers.slide.tools.overlay import ShapeOverlay
from workspace.annotation_kinds import slide_shapes as shapes
from workspace.annotations import AnnotationDocument, DeleteAnnotation
from workspace.commands import CommandStack
from workspace.slides.shape_index import REBUILD_AFTER, ShapeIndex
from workspace.slides.shape_lod import (
    LevelCells,
    downsample,
    level_of,
    outlines,
    shapely_geometries,
)
from workspace.workspace import Workspace

SIZE = 200
TUMOUR = QColor("#c8001e")


@dataclass
class View:
    """The slide view's mapping: ``(cx, cy)`` level-0 at the widget's centre, ``scale``."""

    cx: float
    cy: float
    scale: float

    def qtransform(self) -> QTransform:
        t = QTransform()
        t.translate(SIZE / 2, SIZE / 2)
        t.scale(self.scale, self.scale)
        t.translate(-self.cx, -self.cy)
        return t

    def visible_rect(self) -> QRectF:
        inverse, _ = self.qtransform().inverted()
        return inverse.mapRect(QRectF(0, 0, SIZE, SIZE))


@pytest.fixture
def tools(viewer_workspace: Workspace, tmp_path: Path, qapp: object) -> ToolSession:
    slide = tmp_path / "case.svs"
    write_svs(slide, 800, 600, mpp=0.5)
    (item,) = viewer_workspace.import_paths([slide], lambda p, m: None)
    return ToolSession(
        viewer_workspace.document(item.id),
        viewer_workspace.command_stack(item.id),
        schema=viewer_workspace.schema_for(item),
    )


def _add(tools: ToolSession, ring: list[tuple[float, float]], label: str = "tumour") -> str:
    shape = shapes.polygon(tools.item_id, ring, label)
    assert tools.push(lambda: shapes.add_shape(tools.document, shape))
    return shape.id


def _square(x: float, y: float, side: float) -> list[tuple[float, float]]:
    return [(x, y), (x + side, y), (x + side, y + side), (x, y + side)]


def _frame(overlay: ShapeOverlay, view: View) -> np.ndarray:
    """One frame of the overlay alone: the image's pixels (rows × columns × BGRA)."""
    image = QImage(SIZE, SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    overlay(painter, view)
    painter.end()
    return np.frombuffer(image.constBits(), np.uint8).reshape(SIZE, SIZE, 4).copy()


def _coloured(pixels: np.ndarray, colour: QColor) -> np.ndarray:
    """Where the pixels are ``colour`` (opaque, within a few levels)."""
    target = np.array([colour.blue(), colour.green(), colour.red(), 255])
    return np.all(np.abs(pixels.astype(int) - target) <= 8, axis=2)


def test_a_region_under_a_pixel_is_still_drawn_at_low_zoom(tools: ToolSession) -> None:
    _add(tools, _square(400, 300, 3))  # 0.06 screen pixels at scale 0.02
    overlay = ShapeOverlay(tools)
    far = _coloured(_frame(overlay, View(400, 300, 0.02)), TUMOUR)
    rows, columns = np.nonzero(far)
    assert len(rows) >= 1  # a dot, where the shape is
    assert abs(rows.mean() - 100) <= 2 and abs(columns.mean() - 100) <= 2
    near = _coloured(_frame(overlay, View(401.5, 301.5, 40)), TUMOUR)
    assert near.sum() > 400  # zoomed in: the square's outline, 120 pixels a side
    assert not near[95:105, 95:105].any()  # and not filled


def test_outlines_are_simplified_within_half_a_screen_pixel() -> None:
    from shapely import Polygon, hausdorff_distance

    circle = Polygon(
        [(5000 + 1000 * math.cos(t), 5000 + 1000 * math.sin(t)) for t in np.linspace(0, 6.28, 2000)]
    )
    level = level_of(0.1)  # 10 level-0 pixels a screen pixel: level 3, downsample 8
    found = outlines([circle], [circle.bounds], level)
    assert 10 < len(found.xy) < 200 and found.starts.sum() == 1
    drawn = Polygon(found.xy)
    assert hausdorff_distance(drawn, circle) <= 0.5 * downsample(level)
    tiny = outlines([Polygon(_square(0, 0, 5))], [(0, 0, 5, 5)], level)
    assert len(tiny.xy) == 0 and tiny.dots.tolist() == [[2.5, 2.5]]


def test_geometries_built_in_bulk_equal_shapely_shapes() -> None:
    from shapely import equals_exact

    square, hole = _square(0, 0, 10), [(2, 2), (4, 2), (4, 4)]
    geometries = [
        shapes.checked_geometry({"type": "Polygon", "coordinates": [[*square, square[0]]]}),
        {"type": "Polygon", "coordinates": [[*square, square[0]], [*hole, hole[0]]]},
        {"type": "MultiPolygon", "coordinates": [[[*square, square[0]]], [[*hole, hole[0]]]]},
        {"type": "LineString", "coordinates": [[0, 0], [5, 5], [7, 1]]},
        {"type": "Point", "coordinates": [3, 4]},
        {"type": "MultiPoint", "coordinates": [[3, 4], [5, 6]]},
        {"type": "LineString", "coordinates": [[1, 0], [5, 6]]},
    ]
    built = shapely_geometries(geometries)
    for geometry, made in zip(geometries, built, strict=True):
        assert equals_exact(made, shapes.shapely_geometry(geometry), 0)


def test_an_edit_shows_at_once_and_repairs_only_its_place(
    tools: ToolSession, viewer_workspace: Workspace
) -> None:
    first = _add(tools, _square(100, 100, 50))
    _add(tools, _square(600, 400, 50), "stroma")
    overlay = ShapeOverlay(tools)
    view = View(400, 300, 0.25)
    before = _frame(overlay, view)
    layer = overlay._layer  # the cached drawing, to show it is repaired, not redrawn
    square = (slice(48, 65), slice(23, 40))  # the first square's place on screen
    assert _coloured(before, TUMOUR)[square].any()

    tools.push(lambda: DeleteAnnotation(tools.document, first))
    after = _frame(overlay, view)  # no waiting: the very next frame
    assert not _coloured(after, TUMOUR).any()
    stroma = ~_coloured(before, TUMOUR)
    assert np.array_equal(after[stroma], before[stroma])  # the rest untouched
    assert overlay._layer is layer

    viewer_workspace.command_stack(tools.item_id).undo()
    assert np.array_equal(_frame(overlay, view), before)
    tools.push(lambda: shapes.move_vertex(tools.document, first, [0, 2], (300, 300)))
    moved = _coloured(_frame(overlay, view), TUMOUR)
    assert moved[97:103, 72:78].any()  # the dragged corner reaches (300, 300)
    assert overlay._layer is layer


def test_zooming_reuses_the_layer_then_settles_to_the_exact_drawing(
    tools: ToolSession, qtbot: QtBot
) -> None:
    for n in range(40):
        _add(tools, _square(40 + 18 * n, 100 + 11 * n, 12), ("tumour", "stroma")[n % 2])
    repaints: list[int] = []
    tools.repaint = lambda: repaints.append(1)
    overlay = ShapeOverlay(tools)
    _frame(overlay, View(400, 300, 0.25))
    zoomed = View(400, 300, 0.3)
    scaled = _frame(overlay, zoomed)
    assert _coloured(scaled, TUMOUR).any()  # the layer, scaled, shows the shapes meanwhile
    expected = _frame(ShapeOverlay(tools), zoomed)
    assert not np.array_equal(scaled, expected)
    repaints.clear()
    qtbot.waitUntil(lambda: bool(repaints), timeout=5000)  # the zoom settled
    # the exact layer is drawn a slice at a time between frames, then replaces the scaled one
    qtbot.waitUntil(lambda: np.array_equal(_frame(overlay, zoomed), expected), timeout=5000)
    assert not overlay.drawing


def test_the_selection_is_drawn_on_top_without_redrawing_the_layer(tools: ToolSession) -> None:
    first = _add(tools, _square(100, 100, 50))
    overlay = ShapeOverlay(tools)
    view = View(400, 300, 0.25)
    plain = _frame(overlay, view)
    layer = overlay._layer
    tools.select([first])
    white = _coloured(_frame(overlay, view), QColor("#ffffff"))
    assert white[48:65, 23:40].any()
    tools.select([])
    assert np.array_equal(_frame(overlay, view), plain)
    assert overlay._layer is layer


class _NoSink:
    def persist(self, action: str, command: object, changes: object) -> None:
        """In memory only."""


def test_the_index_and_cells_stay_exact_through_many_edits() -> None:
    rng = random.Random(5)
    document = AnnotationDocument("slide")
    stack = CommandStack(_NoSink())
    index = ShapeIndex(document)
    cells = LevelCells(2)
    assert index.visible((0, 0, 1, 1)) == []
    added: list[str] = []

    def check() -> None:
        boxes = index.boxes()
        for _ in range(5):
            x, y = rng.uniform(0, 9000), rng.uniform(0, 9000)
            rect = (x, y, x + rng.uniform(10, 4000), y + rng.uniform(10, 4000))
            meets = [
                i
                for i, b in boxes.items()
                if b[0] <= rect[2] and b[2] >= rect[0] and b[1] <= rect[3] and b[3] >= rect[1]
            ]
            assert index.visible(rect) == meets  # the document's order
            near = set(cells.meeting(rect))
            assert {cells.cell_of[i] for i in meets} <= near

    for n in range(REBUILD_AFTER + 60):
        x, y, side = rng.uniform(0, 10_000), rng.uniform(0, 10_000), rng.uniform(1, 300)
        shape = shapes.polygon("slide", _square(x, y, side), "tumour")
        stack.push(shapes.add_shape(document, shape))
        added.append(shape.id)
        cells.place(shape.id, index.bounds(shape.id))
        if n % 50 == 0:
            check()
    for gone in rng.sample(added, 80):
        stack.push(DeleteAnnotation(document, gone))
        cells.place(gone, None)
    stack.undo()  # one comes back, at the end of the document
    back = document.all()[-1].id
    cells.place(back, index.bounds(back))
    check()
    assert list(index.boxes()) == [a.id for a in document.all()]


def test_an_edit_drops_only_the_outlines_of_its_cell(tools: ToolSession) -> None:
    first = _add(tools, _square(10, 10, 20))
    other = _add(tools, _square(270, 10, 20), "stroma")  # the next cell: 256 pixels at level 0
    overlay = ShapeOverlay(tools)
    view = View(150, 50, 1.0)  # the layer reaches 0-300
    _frame(overlay, view)
    (level,) = overlay._levels.values()  # the outlines cached per level and cell
    assert {level.cells.cell_of[first], level.cells.cell_of[other]} == set(level.drawn)
    kept = dict(level.drawn)
    tools.push(lambda: shapes.move_vertex(tools.document, first, [0, 2], (40, 40)))
    _frame(overlay, view)
    assert [c for c in kept if level.drawn.get(c) is kept[c]] == [level.cells.cell_of[other]]


def test_outlines_are_one_device_pixel_on_a_high_dpi_screen(tools: ToolSession) -> None:
    _add(tools, _square(100, 100, 50))
    image = QImage(2 * SIZE, 2 * SIZE, QImage.Format.Format_ARGB32_Premultiplied)
    image.setDevicePixelRatio(2)
    image.fill(0)
    painter = QPainter(image)
    ShapeOverlay(tools)(painter, View(125, 125, 1.0))  # the square fills 50 of 200 pixels
    painter.end()
    pixels = np.frombuffer(image.constBits(), np.uint8).reshape(2 * SIZE, 2 * SIZE, 4)
    red = _coloured(pixels, TUMOUR)
    row = red[2 * SIZE // 2]  # across the middle: the left and right edges
    assert row.sum() == 2  # one device pixel each, not a 2×-scaled logical pixel
    assert abs(np.flatnonzero(row)[0] - 2 * 75) <= 1


def test_turning_fill_on_shows_at_the_next_frame(tools: ToolSession) -> None:
    _add(tools, _square(100, 100, 50))
    overlay = ShapeOverlay(tools)
    view = View(125, 125, 1.0)
    assert _frame(overlay, view)[100, 100, 3] == 0  # the middle: outline only
    overlay.fill = True
    assert _frame(overlay, view)[100, 100, 3] > 0  # now shaded
    overlay.refresh()
    assert _frame(overlay, view)[100, 100, 3] > 0


def test_a_level_filled_at_once_equals_one_shape_at_a_time() -> None:
    rng = random.Random(11)
    boxes = []
    for n in range(3000):
        x, y, side = rng.uniform(-500, 20_000), rng.uniform(-500, 20_000), rng.uniform(1, 400)
        boxes.append((f"s{n}", (x, y, x + side, y + side * rng.uniform(0.2, 2))))
    for level in (0, 3, 6):
        at_once, one_by_one = LevelCells(level), LevelCells(level)
        at_once.fill(boxes)
        for annotation_id, box in boxes:
            one_by_one.place(annotation_id, box)
        assert at_once.cell_of == one_by_one.cell_of
        assert at_once.members == one_by_one.members  # the drawing order kept in each cell
        assert at_once.reach == one_by_one.reach
        everywhere = (-1000.0, -1000.0, 21_000.0, 21_000.0)
        cells = at_once.meeting(everywhere)
        assert cells == one_by_one.meeting(everywhere)
        assert all(at_once.bounds(c) == one_by_one.bounds(c) for c in cells)


def test_geometries_are_built_once_per_version_of_a_shape(tools: ToolSession) -> None:
    from workspace.slides.outline_jobs import GeometryCache

    first = _add(tools, _square(10, 10, 20))
    cache = GeometryCache()
    (built,) = cache.geometries([tools.document.get(first)])
    (again,) = cache.geometries([tools.document.get(first)])
    assert again is built  # the same annotation: kept
    tools.push(lambda: shapes.move_vertex(tools.document, first, [0, 2], (40, 40)))
    (moved,) = cache.geometries([tools.document.get(first)])
    assert moved is not built and moved.bounds == (10.0, 10.0, 40.0, 40.0)
