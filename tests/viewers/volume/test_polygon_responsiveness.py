"""Outlining and editing a polygon on a 4096 × 3072 radiograph never stalls the window.

The values inside a polygon of that size take 0.15-0.4 s to read; they used to be read on
the GUI thread at every placement and vertex move. Here the mouse input is played from the
event loop (one event per 30 ms timer tick, so each event's handling shows in the 20 ms
heartbeat), and the heartbeat runs until the values of the placed and of the moved polygon
are stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.qt_input import move, press, release
from tests.viewers.volume.test_measurements_ui import _choose, _stored
from tests.viewers.volume.test_polygon_ui import LEFT, _click, _double_click
from tests.viewers.volume.test_responsiveness import MAX_STALL_S, Heartbeat
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

ROWS, COLS = 3072, 4096  # a radiograph
TICK_MS = 30


class Script:
    """Runs its steps one per timer tick, from the event loop."""

    def __init__(self, steps: list[Callable[[], None]]) -> None:
        self.steps = list(steps)
        self.longest = 0.0  # the longest step (s)
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._next)
        self.timer.start()

    @property
    def done(self) -> bool:
        return not self.steps

    def _next(self) -> None:
        if not self.steps:
            self.timer.stop()
            return
        start = time.perf_counter()
        self.steps.pop(0)()
        self.longest = max(self.longest, time.perf_counter() - start)


def _values_stored(viewer, points: int) -> bool:
    stored = _stored(viewer, "polygon")
    return (
        len(stored) == 1
        and len(stored[0].data["points_kji"]) == points
        and stored[0].data.get("values") is not None
    )


def test_placing_and_dragging_a_polygon_on_a_4k_radiograph_never_stalls(
    qtbot, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    item_id = import_phantom(
        viewer_workspace, tmp_path / "cr", slices=1, rows=ROWS, cols=COLS, segmented=False
    )
    viewer = _open(qtbot, viewer_workspace, item_id)
    try:
        axial = viewer.views[View.AXIAL]
        _choose(qtbot, viewer, "polygon")
        corners = [(0, 100, 100), (0, 150, 3900), (0, 2900, 3700), (0, 1500, 60)]
        heartbeat = Heartbeat()
        heartbeat.start()
        place = Script(
            [lambda c=c: _click(qtbot, axial, c) for c in corners[:-1]]
            + [lambda: _double_click(qtbot, axial, corners[-1])]
        )
        qtbot.waitUntil(lambda: place.done and _values_stored(viewer, 4), timeout=30_000)
        placed = _stored(viewer, "polygon")[0]
        path = [axial.point_of((0, 2900 - 60 * n, 3700 - 60 * n)) for n in range(12)]
        drag = Script(
            [lambda: press(axial, LEFT, path[0])]
            + [lambda p=p: move(axial, LEFT, p) for p in path[1:]]
            + [lambda: release(axial, LEFT, path[-1])]
        )
        qtbot.waitUntil(
            lambda: (
                drag.done
                and _values_stored(viewer, 4)
                and _stored(viewer, "polygon")[0].data["values"] != placed.data["values"]
            ),
            timeout=30_000,
        )
        heartbeat.stop()
        moved = _stored(viewer, "polygon")[0]
        assert moved.data["area_mm2"] < placed.data["area_mm2"]
        assert viewer.command_stack.undo_text == "edit polygon"
        gaps = np.sort(np.diff(heartbeat.beats))
        longest_step = max(place.longest, drag.longest)
        assert gaps[-1] < MAX_STALL_S, (gaps[-5:], longest_step)
    finally:
        viewer.shutdown()
