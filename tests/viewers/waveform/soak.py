"""Soak: a 24 h × 12 lead × 500 Hz record scrolled and zoomed for many steps (a script).

    xvfb-run -a python -m tests.viewers.waveform.soak [HOURS] [STEPS] [--gc-tuned] [--heap N]
        [--grow N]

Prints the pyramid's build time and memory beside the raw samples', and the longest
heartbeat gap and slowest frame while zooming from seconds to the whole record and back,
with the garbage collections made meanwhile. ``--heap N`` keeps N long-lived objects (an
application's worth: annotations, ORM rows, Qt wrappers) so full collections cost what they
do in the app, and ``--grow N`` keeps N more objects at each step (as an undo history, a log
or a cache grows), the net growth that sets full collections off in a long session;
``--gc-tuned`` settles the heap as the app does after opening an item (:mod:`app.gc_tuning`).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from PySide6.QtWidgets import QApplication

from app.gc_tuning import raise_thresholds, settle_heap
from tests.viewers.waveform.responsiveness import (
    GcPauses,
    beat_marks,
    longest_stall_ms,
    synthetic_record,
)
from viewers.waveform.signal_view import SignalView


def main(argv: list[str]) -> int:
    """Build, open, soak, report."""
    parser = argparse.ArgumentParser(prog="soak")
    parser.add_argument("hours", nargs="?", type=float, default=24.0)
    parser.add_argument("steps", nargs="?", type=int, default=3000)
    parser.add_argument("--gc-tuned", action="store_true")
    parser.add_argument("--heap", type=int, default=0)
    parser.add_argument("--grow", type=int, default=0)
    args = parser.parse_args(argv)
    hours, steps, grow = args.hours, args.steps, args.grow
    heap: list[Any] = [{"id": n, "data": {"sample": n, "label": "N"}} for n in range(args.heap)]
    kept: list[dict[str, Any]] = []

    def grow_step(step: int) -> None:
        kept.extend({"step": step, "data": {"n": [n]}} for n in range(grow))

    app = QApplication.instance() or QApplication([])
    began = time.perf_counter()
    record = synthetic_record(hours)
    built = time.perf_counter() - began
    raw = record.pyramid.samples.nbytes
    print(
        f"{hours:g} h: samples {raw / 2**20:.0f} MiB, pyramid {record.pyramid.nbytes / 2**20:.0f}"
        f" MiB ({record.pyramid.nbytes / raw:.3f}× raw), synthesis + build {built:.1f} s"
    )
    view = SignalView(record, {"N": "#2ca02c"}, ["n"])
    view.resize(1600, 900)
    view.show()
    app.processEvents()
    view.set_marks(beat_marks(record))
    view.fit_paper_speed()
    if args.gc_tuned:
        raise_thresholds()
        print(f"heap settled in {settle_heap():.0f} ms")
    pauses = GcPauses()
    stall, slowest = longest_stall_ms(view, steps, pauses, grow_step if grow else None)
    print(f"{steps} steps: longest heartbeat gap {stall:.0f} ms, slowest frame {slowest:.1f} ms")
    mode = "tuned" if args.gc_tuned else "default"
    print(f"collections while soaking ({mode}, heap {args.heap}, grow {grow}):")
    print(f"  {pauses.summary()}")
    del heap
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
