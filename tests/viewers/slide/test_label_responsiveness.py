"""A large slide label (a 3,000 × 8,000 scan) is read and decoded on a worker: the GUI thread's
20 ms heartbeat never stalls 100 ms while it is shown, where reading it on the GUI thread (as
before) stalled it for the whole read (measured beside it, in the same run)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from tests.slides.generate import tissue
from tests.viewers.volume.test_responsiveness import MAX_STALL_S, Heartbeat
from viewers.slide.slide_viewer import ASSOCIATED_WIDTH, SlideViewer, associated_images
from workspace.slides.label import set_labels_shown

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

LABEL = (3000, 8000)  # rows, columns: a label scanned at the slide's resolution


def _svs_with_a_large_label(path: Path) -> None:
    """An Aperio-style SVS whose label is large and noisy (hard to deflate, slow to inflate)."""
    import tifffile

    width, height = 1024, 768
    image = tissue(height, width)
    rng = np.random.default_rng(3)
    label = rng.integers(0, 255, (*LABEL, 3), dtype=np.uint8)
    head = f"Aperio Image Library v12.0.15\r\n{width}x{height} [0,0 {width}x{height}] (256x256)"
    description = f"{head} JPEG/RGB Q=70|AppMag = 40|MPP = 0.25"
    options = {"compression": "jpeg", "photometric": "rgb", "metadata": None}
    with tifffile.TiffWriter(path) as tif:
        tif.write(image, tile=(256, 256), description=description, **options)
        tif.write(image[::8, ::8], description=f"{head} -> thumbnail", **options)
        tif.write(label, subfiletype=1, description="Aperio Image Library label", **options)


def _open_and_time(workspace, item, qtbot, until) -> tuple[float, float, bool]:
    """Open ``item`` in a viewer, and once it is on screen time the event loop with a 20 ms
    heartbeat until ``until(viewer)``: (longest stall, time taken) in seconds, and whether
    ``until`` held already when the timing began."""
    viewer = SlideViewer(workspace, item)
    qtbot.addWidget(viewer)
    viewer.resize(900, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    early = until(viewer)
    heartbeat = Heartbeat()
    heartbeat.start()
    qtbot.waitUntil(lambda: until(viewer), timeout=30_000)
    heartbeat.stop()
    viewer.shutdown()
    return heartbeat.longest_stall(), heartbeat.beats[-1] - heartbeat.beats[0], early


def test_a_large_label_never_stalls_the_event_loop(viewer_workspace, tmp_path, qtbot) -> None:
    path = tmp_path / "big-label.svs"
    _svs_with_a_large_label(path)
    (item,) = viewer_workspace.import_paths([path])
    profile = viewer_workspace.profile
    # the same viewer with the label hidden (its own work once on screen: the overview...)
    hidden, _, _ = _open_and_time(
        viewer_workspace, item, qtbot, lambda v: v.overview.image is not None
    )
    set_labels_shown(profile, True)
    with viewer_workspace.open_slide(item.id) as reader:  # the old way: on the calling thread
        start = time.perf_counter()
        associated_images(viewer_workspace, item, reader, ASSOCIATED_WIDTH)
        inline = time.perf_counter() - start

    stall, took, early = _open_and_time(
        viewer_workspace, item, qtbot, lambda v: not v.label_images.pixmap().isNull()
    )
    print(
        f"\nlarge label {LABEL[1]}x{LABEL[0]}: read on the GUI thread (before) {inline * 1000:.0f}"
        f" ms; on a worker: shown {took * 1000:.0f} ms after the viewer, longest GUI stall "
        f"{stall * 1000:.0f} ms (label hidden: {hidden * 1000:.0f} ms)"
    )
    assert not early  # the label was read while the heartbeat ran
    assert stall < MAX_STALL_S
