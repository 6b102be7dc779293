"""Soak: a 24 h × 12 lead × 500 Hz record scrolled and zoomed for many steps (a script).

    xvfb-run -a python -m tests.viewers.waveform.soak [HOURS] [STEPS]

Prints the pyramid's build time and memory beside the raw samples', and the longest
heartbeat gap and slowest frame while zooming from seconds to the whole record and back.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtWidgets import QApplication

from tests.viewers.waveform.responsiveness import beat_marks, longest_stall_ms, synthetic_record
from viewers.waveform.signal_view import SignalView


def main(argv: list[str]) -> int:
    """Build, open, soak, report."""
    hours = float(argv[0]) if argv else 24.0
    steps = int(argv[1]) if len(argv) > 1 else 3000
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
    stall, slowest = longest_stall_ms(view, steps)
    print(f"{steps} steps: longest heartbeat gap {stall:.0f} ms, slowest frame {slowest:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
