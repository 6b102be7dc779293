"""A 24-hour 12-lead ECG (500 Hz, int16, ~518 M samples) drawn at every zoom, beside pyqtgraph.

Caliper builds a min/max pyramid over the record (:mod:`workspace.waveform.pyramid`) and draws
a :class:`viewers.waveform.trace_view.TraceView` of the 12 leads, 1600 pixels wide, into an
image: one frame is the exact envelope of every pixel column read for all leads at once, and one
polyline a lead. The baseline, in the same run on the same samples, is pyqtgraph's own
downsampled plot (what mne-qt-browser builds on): one ``PlotDataItem`` a lead with
``setDownsampling(auto=True, method='peak')`` and ``setClipToView(True)``, sharing one time
axis, rendered into an image of the same size. A frame is timed from the change of the visible
window to the finished image, at windows spread over the record. Goals (issue 11): any zoom
< 16 ms a frame; raw samples + pyramid <= 1.2x the raw samples. ``--quick``: a 1-hour record.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import tracemalloc
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from tests.bench.common import report

RATE = 500
LEADS = 12
WIDTH, HEIGHT = 1600, 900
GOAL_MS = 16.0
GOAL_MEMORY = 1.2


def _record(seconds: int) -> npt.NDArray[np.int16]:
    """Twelve ECG-like leads: beats at a varying rate, baseline wander, noise; leads x samples."""
    rng = np.random.default_rng(11)
    minute = np.arange(60 * RATE) / RATE
    beats = np.cumsum(rng.uniform(0.7, 1.0, 80))
    beats = beats[beats < 60]
    shape = np.zeros(minute.size)
    for beat in beats:
        shape += 1.0 * np.exp(-(((minute - beat) / 0.012) ** 2))  # QRS
        shape += 0.25 * np.exp(-(((minute - beat - 0.25) / 0.05) ** 2))  # T
        shape += 0.12 * np.exp(-(((minute - beat + 0.16) / 0.03) ** 2))  # P
    noise = rng.normal(0, 12, 1 << 20).astype(np.int16)
    count = seconds * RATE
    samples = np.empty((LEADS, count), dtype=np.int16)
    for lead in range(LEADS):
        gain = rng.uniform(0.3, 1.2) * (-1 if lead in (3, 6) else 1)
        wander = 80 * np.sin(2 * np.pi * (0.1 + 0.03 * lead) * minute)
        one_minute = (1000 * gain * shape + wander).astype(np.int16)
        samples[lead] = np.resize(one_minute, count)
        samples[lead] += np.resize(np.roll(noise, 7919 * lead), count)
    return samples


def _windows(total: float, quick: bool) -> list[tuple[str, float]]:
    if quick:
        return [("1 s", 1), ("10 s", 10), ("1 min", 60), ("10 min", 600), ("1 h", total)]
    return [("1 s", 1), ("10 s", 10), ("1 min", 60), ("1 h", 3600), ("24 h", total)]


def _frame_times(
    show: Callable[[float, float], object], total: float, duration: float, frames: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each frame, windows of ``duration`` spread over the
    record. CPU time is this process's own: on a shared machine it shows the work a frame
    costs, where wall-clock time also counts the waits for a core."""
    starts = np.random.default_rng(5).permutation(np.linspace(0, total - duration, frames))
    wall, cpu = [], []
    for start in starts:
        begin, begin_cpu = time.perf_counter(), time.process_time()
        show(float(start), duration)
        wall.append((time.perf_counter() - begin) * 1e3)
        cpu.append((time.process_time() - begin_cpu) * 1e3)
    return wall, cpu


def _application() -> object:
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtWidgets import QApplication

    return QApplication.instance() or QApplication([])


def _ours(samples: npt.NDArray[np.int16]) -> tuple[Callable[[float, float], object], dict]:
    """Build the pyramid and a TraceView; returns its frame function and the build figures."""
    from PySide6.QtGui import QImage

    from viewers.waveform.trace_view import TraceView
    from workspace.waveform.pyramid import LodPyramid

    tracemalloc.start()
    begin, begin_cpu = time.perf_counter(), time.process_time()
    pyramid = LodPyramid.build(samples)
    build, build_cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    view = TraceView(pyramid, RATE, [f"lead {n + 1}" for n in range(LEADS)])
    view.resize(WIDTH, HEIGHT)
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)

    def show(start: float, duration: float) -> None:
        view.set_span(start, duration)
        view.render(image)

    figures = {"build": build, "build_cpu": build_cpu, "levels": pyramid.nbytes, "peak": peak}
    return show, {**figures, "view": view}


def _pyqtgraph(samples: npt.NDArray[np.int16]) -> tuple[Callable[[float, float], object], dict]:
    """pyqtgraph's peak-downsampled, clipped plot of the same leads; its frame function."""
    import pyqtgraph as pg
    from PySide6.QtGui import QImage, QPainter

    tracemalloc.start()
    widget = pg.PlotWidget()
    widget.resize(WIDTH, HEIGHT)
    plot = widget.getPlotItem()
    plot.hideAxis("left")  # traces only, as Caliper's view draws
    plot.hideAxis("bottom")
    times = np.arange(samples.shape[1], dtype=np.float64) / RATE  # one axis, shared
    spacing = 2000.0
    for lead in range(LEADS):
        item = pg.PlotDataItem(times, samples[lead], pen=pg.mkPen("k", width=1))
        plot.addItem(item)  # before the settings: they look for the item's view box
        item.setDownsampling(auto=True, method="peak")
        item.setClipToView(True)
        item.setPos(0, -lead * spacing)  # stacked without copying the samples
    plot.setYRange(-LEADS * spacing, spacing, padding=0)
    plot.disableAutoRange()
    widget.show()
    image = QImage(WIDTH, HEIGHT, QImage.Format.Format_RGB32)

    def show(start: float, duration: float) -> None:
        plot.setXRange(start, start + duration, padding=0)
        painter = QPainter(image)
        widget.render(painter)
        painter.end()

    show(0.0, samples.shape[1] / RATE)  # the whole record once: its largest temporaries
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return show, {"peak": peak, "widget": widget}


def _summary(times: list[float]) -> str:
    return f"{statistics.median(times):.1f} ms"


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns Caliper's slowest median frame (ms)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    _application()
    seconds = 3600 if args.quick else 24 * 3600
    frames, baseline_frames = (10, 4) if args.quick else (30, 6)
    begin = time.perf_counter()
    samples = _record(seconds)
    made = time.perf_counter() - begin
    raw = samples.nbytes
    ours, built = _ours(samples)
    theirs, setup = _pyqtgraph(samples)
    rows = [
        (f"record: {LEADS} leads x {seconds // 3600} h x {RATE} Hz", f"{samples.size:,}", "int16"),
        ("raw samples", f"{raw / 2**20:,.0f} MiB", f"generated in {made:.1f} s"),
        ("Caliper pyramid build", f"{built['build']:.2f} s", f"CPU {built['build_cpu']:.2f} s"),
        (
            "Caliper pyramid levels",
            f"{built['levels'] / 2**20:,.0f} MiB",
            f"{built['levels'] / raw:.3f}x raw; raw + levels {1 + built['levels'] / raw:.3f}x raw"
            f"; build peak {built['peak'] / 2**20:,.0f} MiB",
        ),
        (
            "pyqtgraph extra memory (baseline)",
            f"{setup['peak'] / 2**20:,.0f} MiB",
            "its shared float64 time axis, items, one whole-record frame",
        ),
    ]
    slowest = slowest_cpu = 0.0
    for label, duration in _windows(float(seconds), args.quick):
        mine, mine_cpu = _frame_times(ours, float(seconds), duration, frames)
        base, base_cpu = _frame_times(theirs, float(seconds), duration, baseline_frames)
        slowest = max(slowest, statistics.median(mine))
        slowest_cpu = max(slowest_cpu, statistics.median(mine_cpu))
        ratio = statistics.median(base) / statistics.median(mine)
        rows.append(
            (
                f"{label} window, {LEADS} x {WIDTH} px: Caliper",
                _summary(mine),
                f"max {max(mine):.1f} ms, CPU {_summary(mine_cpu)} ({frames} frames)",
            )
        )
        rows.append(
            (
                f"{label} window: pyqtgraph peak (baseline)",
                _summary(base),
                f"max {max(base):.1f} ms, CPU {_summary(base_cpu)} ({baseline_frames} frames)"
                f"; {ratio:.1f}x Caliper",
            )
        )
    memory_ok = 1 + built["levels"] / raw <= GOAL_MEMORY
    met = slowest < GOAL_MS and memory_ok
    load = os.getloadavg()[0]
    rows.append(("load average (1 min) at the end", f"{load:.1f}", f"{os.cpu_count()} cores"))
    report(
        f"Waveform: {LEADS}-lead {seconds // 3600} h record at {RATE} Hz, any zoom, "
        f"{WIDTH}x{HEIGHT} px",
        rows,
        f"{'MET' if met else 'NOT MET'} (goal: median frame < {GOAL_MS:.0f} ms at every zoom: "
        f"slowest {slowest:.1f} ms wall-clock, {slowest_cpu:.1f} ms CPU; raw + pyramid <= "
        f"{GOAL_MEMORY}x raw: {'yes' if memory_ok else 'no'})",
    )
    return slowest


if __name__ == "__main__":
    main()
