"""One 512² slice for display: reslice + window/level + label overlay, frames per second.

Baseline: the straightforward numpy version (float window/level, masked overlay), measured in
the same run. Goal (issue 3): ≥ 300 frames/s for Caliper's pipeline.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tests.bench.common import report
from viewers.volume.reslice import View, WindowLevel, color_table, compose, slice_frame
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment

GOAL_FPS = 300.0


def _naive(voxels: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    plane = voxels[k].astype(np.float32)
    grey = (np.clip((plane - (40 - 200)) / 400, 0, 1) * 255).astype(np.uint8)
    rgb = np.stack([grey, grey, grey], axis=-1).astype(np.float32)
    mask = labels[k] > 0
    rgb[mask] = rgb[mask] * 0.5 + np.array([221, 130, 101], np.float32) * 0.5
    return rgb.astype(np.uint8)


def _fps(run: object, frames: int) -> float:
    start = time.perf_counter()
    for n in range(frames):
        run(n)  # type: ignore[operator]
    return frames / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns Caliper's frames per second (axial view)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth = 60 if args.quick else 200
    rng = np.random.default_rng(0)
    voxels = rng.integers(-1000, 1500, size=(depth, 512, 512), dtype=np.int16)
    labels = np.zeros(voxels.shape, dtype=np.uint8)
    labels[:, 100:300, 150:350] = 1
    geometry = VolumeGeometry(voxels.shape, (0.7, 0.7, 1.0))
    table = color_table([Segment(1, "liver", "#dd8265")])
    window = WindowLevel(400, 40)
    frames = 200 if args.quick else 1000
    results = {}
    for view in View:
        frame = slice_frame(geometry, view)
        count = voxels.shape[frame.fixed_axis]

        def ours(n: int, frame=frame, count=count) -> np.ndarray:  # type: ignore[no-untyped-def]
            index = n % count
            plane = frame.extract(voxels, index)
            return compose(window.apply(plane), frame.extract(labels, index), table)

        results[view] = _fps(ours, frames)
    naive = _fps(lambda n: _naive(voxels, labels, n % depth), frames)
    axial = results[View.AXIAL]
    report(
        f"Slice display, 512x512 view of a 512x512x{depth} CT with one segment",
        [
            ("naive numpy (baseline), axial", f"{naive:,.0f} fps", f"{1000 / naive:.2f} ms"),
            *[
                (f"Caliper, {view.value}", f"{fps:,.0f} fps", f"{1000 / fps:.2f} ms")
                for view, fps in results.items()
            ],
        ],
        f"{'MET' if min(results.values()) >= GOAL_FPS else 'NOT MET'} (goal >= {GOAL_FPS:.0f} fps)",
    )
    return axial


if __name__ == "__main__":
    main()
