"""Polygons in the 3D view: a closed line in the label's colour through the vertices, following
every edit and undo, hidden with the measurement's tick in the list and with its label's
segment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import drag
from tests.viewers.volume.test_measurements_ui import _choose, _markups
from tests.viewers.volume.test_polygon_ui import LEFT, _outline, _square
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from viewers.volume.volume_viewer import VolumeViewer
from workspace.workspace import Workspace


@pytest.fixture
def ct_viewer(qtbot, viewer_workspace: Workspace, tmp_path: Path):
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=12, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    yield viewer
    viewer.shutdown()


def _yellow_near(viewer: VolumeViewer, lps) -> bool:
    """Whether the lesion's yellow is drawn within 2 pixels of LPS point ``lps`` in 3D."""
    surface_view = viewer.surface_view
    row, col = surface_view.display_point(lps)
    patch = surface_view.image()[row - 2 : row + 3, col - 2 : col + 3].astype(int)
    red, green, blue = patch[..., 0], patch[..., 1], patch[..., 2]
    return bool(np.any((red > 150) & (green > 150) & (blue < 120)))


def _lines(viewer: VolumeViewer) -> int:
    return viewer.measuring.landmarks_3d.lines.GetNumberOfCells()


def test_a_polygon_is_a_closed_line_in_3d_that_follows_edits(qtbot, ct_viewer) -> None:
    viewer: VolumeViewer = ct_viewer
    assert viewer.surface_view is not None and viewer.surface_view.builder.wait_idle()
    viewer.set_crosshair((0, 0, 0))  # out of the way
    viewer.set_active_label(viewer.schema.class_named("lesion"))
    _choose(qtbot, viewer, "polygon")
    axial = viewer.views[View.AXIAL]
    k = axial.index
    _outline(qtbot, axial, _square(k, 10, 30))
    (polygon,) = _markups(viewer, "polygon")
    corners = np.asarray(polygon.data["points"])
    top_middle = (corners[0] + corners[1]) / 2  # on the edge from (10,10) to (10,30)
    assert _lines(viewer) == 1
    assert _yellow_near(viewer, top_middle)
    # a vertex dragged: the line follows it; undo brings it back
    drag(axial, LEFT, [axial.point_of((k, 10, 10)), axial.point_of((k, 2, 2))])
    (moved,) = _markups(viewer, "polygon")
    assert _yellow_near(viewer, moved.data["points"][0])
    viewer.command_stack.undo()
    assert _yellow_near(viewer, top_middle)
    # unticked in the Measurements list: hidden in 3D (and in the slices)
    row = viewer.measuring.panel.row_of(polygon.id)
    row.setCheckState(0, Qt.CheckState.Unchecked)
    assert _lines(viewer) == 0 and not _yellow_near(viewer, top_middle)
    assert viewer.measuring.layer.shown() == []
    viewer.measuring.panel.row_of(polygon.id).setCheckState(0, Qt.CheckState.Checked)
    assert _lines(viewer) == 1 and _yellow_near(viewer, top_middle)
    # a polygon labelled as a segment goes with that segment's visibility in 3D
    viewer.set_active_label(viewer.schema.class_named("spleen"))
    _outline(qtbot, axial, _square(k, 34, 44))
    assert _lines(viewer) == 2
    spleen = viewer.document.segment(2)
    assert spleen.name == "spleen"
    viewer.editing.set_visible(2, False)
    assert _lines(viewer) == 1
    viewer.command_stack.undo()
    assert _lines(viewer) == 2
    # deleted: gone from 3D; undo: back
    viewer.measuring.editing.delete(polygon.id)
    assert _lines(viewer) == 1 and not _yellow_near(viewer, top_middle)
    viewer.command_stack.undo()
    assert _lines(viewer) == 2 and _yellow_near(viewer, top_middle)
