"""Panning a whole slide: time per frame of the slide view while it pans across a generated
≥ 50,000 × 50,000 JPEG pyramid read from the encrypted store (``--quick``: 8,192²).

Goal (issue 13): panning at 60 frames/s, i.e. a frame painted in < 16.7 ms. Each frame moves
the view 40 pixels and paints it at once (``repaint``) whether its tiles are decoded yet or
not (a coarser tile stands in); tiles are decoded on the view's worker threads meanwhile.
Two runs: over tiles never seen (cold), and back over the same stretch (from the tile cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from tests.bench.bench_slide_tiles import write_big_pyramid
from tests.bench.common import report, scratch_profile
from workspace.workspace import Workspace

GOAL_FRAME_S = 1 / 60
STEP = 40  # widget pixels per frame
VIEW = (1280, 800)


def _application() -> object:
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _pan(view: object, frames: int, direction: int) -> list[float]:
    """Pan ``frames`` frames; the time of each frame's paint (seconds)."""
    from PySide6.QtWidgets import QApplication

    times = []
    for _ in range(frames):
        view.pan(-STEP * direction, -STEP * direction * 0.25)  # type: ignore[attr-defined]
        view.repaint()  # type: ignore[attr-defined]
        times.append(view.last_paint_s)  # type: ignore[attr-defined]
        QApplication.processEvents()  # decoded tiles arrive between frames
    return times


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the median frame time while panning over new tiles (s)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    size = 8192 if args.quick else 51200
    frames = 120 if args.quick else 400
    _application()
    from PySide6.QtTest import QTest

    from viewers.slide.slide_view import SlideView
    from viewers.slide.transform import SlideTransform

    with (
        tempfile.TemporaryDirectory(prefix="caliper-slideview-") as tmp,
        scratch_profile() as profile,
    ):
        path = Path(tmp) / "slide.tif"
        write_big_pyramid(path, size)
        workspace = Workspace(profile)
        (item,) = workspace.import_paths([path])
        reader = workspace.open_slide(item.id, cache_mb=32)
        view = SlideView(reader, cache_mb=256)
        view.resize(*VIEW)
        view.show()
        view.raise_()
        QTest.qWaitForWindowExposed(view, 5000)  # under Xvfb: mapped before it is timed
        view.set_transform(SlideTransform(VIEW[0], VIEW[1], 1.0, 0, *VIEW))  # level 0
        view.repaint()
        start = time.perf_counter()
        cold = _pan(view, frames, 1)
        cold_s = time.perf_counter() - start
        warm = _pan(view, frames, -1)
        view.shutdown()
        reader.close()

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[int(q * (len(values) - 1))] * 1000

    painted = [t for t in cold if t > 0]
    if len(painted) < len(cold) // 2:  # the window was never shown (another one covers it?)
        print(f"Slide view: only {len(painted)} of {len(cold)} frames were painted; no figure")
        return 0.0
    cold, warm = painted, [t for t in warm if t > 0] or warm
    cold_median = statistics.median(cold)
    report(
        f"Slide view: panning a {size:,}² JPEG pyramid at full resolution, {VIEW[0]}×{VIEW[1]}",
        [
            ("paint, new tiles (median)", f"{ms(cold, 0.5):.2f} ms", f"{frames} frames"),
            ("paint, new tiles (95th pct)", f"{ms(cold, 0.95):.2f} ms", "coarser tiles stand in"),
            ("paint, cached tiles (median)", f"{ms(warm, 0.5):.2f} ms", "back the same way"),
            ("paint, cached tiles (95th pct)", f"{ms(warm, 0.95):.2f} ms", ""),
            ("whole pan, new tiles", f"{cold_s:.2f} s", f"{frames / cold_s:.0f} frames/s"),
        ],
        f"panning {1 / cold_median:.0f} frames/s painted "
        f"({'meets' if ms(cold, 0.95) / 1000 < GOAL_FRAME_S else 'MISSES'} 60 fps at the 95th pct)",
    )
    return cold_median


if __name__ == "__main__":
    main()
