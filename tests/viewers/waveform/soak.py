"""Soak: a 24 h × 12 lead × 500 Hz record scrolled and zoomed for many steps (a script).

    xvfb-run -a python -m tests.viewers.waveform.soak [HOURS] [STEPS] [--gc-tuned] [--heap N]

Prints the pyramid's build time and memory beside the raw samples', and the longest
heartbeat gap and slowest frame while zooming from seconds to the whole record and back,
with the garbage collections made meanwhile. ``--heap N`` keeps N long-lived objects (an
application's worth: annotations, ORM rows, Qt wrappers) so full collections cost what they
do in the app; ``--gc-tuned`` settles the heap as the app does after opening an item
(:mod:`app.gc_tuning`).
"""

from __future__ import annotations

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
    tuned = "--gc-tuned" in argv
    heap_size = int(argv[argv.index("--heap") + 1]) if "--heap" in argv else 0
    numbers = [a for a in argv if not a.startswith("--")]
    if heap_size:
        numbers.remove(str(heap_size))
    hours = float(numbers[0]) if numbers else 24.0
    steps = int(numbers[1]) if len(numbers) > 1 else 3000
    heap: list[Any] = [{"id": n, "data": {"sample": n, "label": "N"}} for n in range(heap_size)]
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
    if tuned:
        raise_thresholds()
        print(f"heap settled in {settle_heap():.0f} ms")
    with GcPauses() as pauses:
        stall, slowest = longest_stall_ms(view, steps)
    print(f"{steps} steps: longest heartbeat gap {stall:.0f} ms, slowest frame {slowest:.1f} ms")
    print(f"collections while soaking ({'tuned' if tuned else 'default'}): {pauses.summary()}")
    del heap
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
