"""Panning over tiles never decoded never stalls the GUI thread more than 100 ms: tiles are
decoded on worker threads and a coarser tile stands in meanwhile (a 20 ms heartbeat proves it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPointF, Qt

from app.gc_tuning import settle_heap
from tests.bench.bench_slide_tiles import write_big_pyramid
from tests.viewers.slide.conftest import settle
from tests.viewers.volume.qt_input import move, press, release
from tests.viewers.volume.test_responsiveness import MAX_STALL_S, Heartbeat
from viewers.slide.slide_viewer import SlideViewer
from viewers.slide.transform import SlideTransform

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

SIZE = 8192


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    """Unfreeze the heap after the test (the rest of the session collects as usual)."""
    yield
    gc.unfreeze()


def test_panning_over_uncached_tiles_never_stalls(
    viewer_workspace, tmp_path, qtbot, unfrozen_after
) -> None:
    path = tmp_path / "big.tif"
    write_big_pyramid(path, SIZE)
    (item,) = viewer_workspace.import_paths([path])
    viewer = SlideViewer(viewer_workspace, item)
    qtbot.addWidget(viewer)
    viewer.resize(1100, 700)
    viewer.show()
    qtbot.waitExposed(viewer)
    view = viewer.view
    view.set_transform(SlideTransform(800, 800, 1.0, 0, view.width(), view.height()))
    settle(qtbot, view)
    settle_heap()
    heartbeat = Heartbeat()
    heartbeat.start()
    left = Qt.MouseButton.LeftButton
    for _ in range(8):  # 8 drags of 15 × 48 px: across ~22 columns of tiles never decoded
        point = QPointF(view.width() - 20, view.height() - 20)
        press(view, left, point)
        for _ in range(15):
            point = point - QPointF(48, 12)
            move(view, left, point)
            qtbot.wait(16)
        release(view, left, point)
    heartbeat.stop()
    assert view.transform.cx > 800 + 3000
    assert heartbeat.longest_stall() < MAX_STALL_S
    settle(qtbot, view)  # and the tiles where it stopped do arrive
    viewer.shutdown()
