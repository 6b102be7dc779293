"""One 512² slice for display: reslice + window/level + label overlay, frames per second.

Baselines, measured in the same run: the straightforward numpy version (float window/level,
boolean-mask blend: the 6–7 ms of ENVIRONMENT.md) and a numpy version that already uses a
window/level lookup table but blends the overlay in float RGB. Caliper's pipeline
(:mod:`viewers.volume.pipeline`) does one table lookup for W/L and one for the blended colour,
into buffers it reuses. Goal (issue 3): ≥ 300 frames/s for one 512² view.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from tests.bench.common import report
from viewers.volume.overlay import Overlay, parse_color
from viewers.volume.pipeline import SlicePipeline
from viewers.volume.reslice import View, slice_frame
from viewers.volume.window_level import WindowLevel
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment

GOAL_FPS = 300.0
WINDOW, LEVEL = 400.0, 40.0
SEGMENTS = [
    Segment(1, "liver", "#dd8265"),
    Segment(2, "spleen", "#9d6ca2"),
    Segment(3, "kidney", "#b96653", opacity=0.7),
]
COLORS = np.array([(0, 0, 0)] + [parse_color(s.color) for s in SEGMENTS], dtype=np.float32)
ALPHA = np.array([0.0] + [s.opacity for s in SEGMENTS], dtype=np.float32)


def _naive(voxels: npt.NDArray[np.int16], labels: npt.NDArray[np.uint8], k: int) -> object:
    """Float window/level, then each segment blended through a boolean mask."""
    plane = voxels[k].astype(np.float32)
    low = LEVEL - WINDOW / 2
    grey = (np.clip((plane - low) / WINDOW, 0, 1) * 255).astype(np.uint8)
    rgb = np.stack([grey, grey, grey], axis=-1).astype(np.float32)
    for segment in SEGMENTS:
        mask = labels[k] == segment.value
        color = np.array(parse_color(segment.color), np.float32)
        rgb[mask] = rgb[mask] * (1 - segment.opacity) + color * segment.opacity
    return rgb.astype(np.uint8)


def _lut_float_blend(
    table: npt.NDArray[np.uint8],
    voxels: npt.NDArray[np.int16],
    labels: npt.NDArray[np.uint8],
    k: int,
) -> object:
    """A W/L lookup table, then a float RGB blend of every pixel with its label's colour."""
    grey = table[voxels[k].astype(np.int32) + 32768]
    values = labels[k]
    alpha = ALPHA[values][..., None]
    rgb = grey[..., None].astype(np.float32) * (1 - alpha) + COLORS[values] * alpha
    return rgb.astype(np.uint8)


def _fps(run: Callable[[int], object], frames: int) -> float:
    run(0)  # warm up (tables, buffers)
    start = time.perf_counter()
    for n in range(frames):
        run(n)
    return frames / (time.perf_counter() - start)


def _volume(depth: int) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint8]]:
    rng = np.random.default_rng(0)
    voxels = rng.integers(-1000, 1500, size=(depth, 512, 512), dtype=np.int16)
    labels = np.zeros(voxels.shape, dtype=np.uint8)
    labels[:, 100:300, 150:350] = 1
    labels[:, 320:420, 300:380] = 2
    labels[:, 200:260, 60:120] = 3
    return voxels, labels


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns Caliper's frames per second for the axial 512² view."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth = 128 if args.quick else 512
    frames = 200 if args.quick else 1000
    voxels, labels = _volume(depth)
    geometry = VolumeGeometry(voxels.shape, (0.7, 0.7, 0.7))
    overlay = Overlay.for_labels(SEGMENTS, labels.dtype)
    window_level = WindowLevel(WINDOW, LEVEL)
    ours: dict[View, float] = {}
    jump = 0.0
    for view in View:
        pipeline = SlicePipeline(slice_frame(geometry, view), voxels)
        pipeline.set_labels(labels, overlay)
        pipeline.window_level = window_level
        count = pipeline.frame.slice_count
        ours[view] = _fps(lambda n, p=pipeline, c=count: p.render(n % c), frames)
        if view is View.SAGITTAL:  # jumps are read without the slab cache
            jumps = np.random.default_rng(1).permutation(count)
            jump = _fps(
                lambda n, p=pipeline, j=jumps, c=count: p.render(int(j[n % c])), frames // 4
            )
    naive = _fps(lambda n: _naive(voxels, labels, n % depth), frames // 4)
    table = window_level.table(np.dtype(np.int16))
    assert table is not None
    shifted = np.roll(table, 32768)  # indexed by value + 32768
    lut = _fps(lambda n: _lut_float_blend(shifted, voxels, labels, n % depth), frames // 4)
    axial = ours[View.AXIAL]
    size = {View.AXIAL: "512x512", View.CORONAL: f"{depth}x512", View.SAGITTAL: f"{depth}x512"}
    report(
        f"Slice display: reslice + W/L + 3-segment overlay, 512x512x{depth} CT, scrolling",
        [
            ("naive numpy, axial 512x512 (baseline)", f"{naive:,.0f} fps", f"{1e3 / naive:.2f} ms"),
            ("numpy W/L table + float blend, axial", f"{lut:,.0f} fps", f"{1e3 / lut:.2f} ms"),
            *[
                (f"Caliper, {view.value} {size[view]}", f"{fps:,.0f} fps", f"{1e3 / fps:.2f} ms")
                for view, fps in ours.items()
            ],
            ("Caliper, sagittal, random jumps", f"{jump:,.0f} fps", f"{1e3 / jump:.2f} ms"),
        ],
        f"{'MET' if min(ours.values()) >= GOAL_FPS else 'NOT MET'} (goal >= {GOAL_FPS:.0f} fps "
        f"for a 512x512 view; axial {axial / naive:.0f}x the naive baseline)",
    )
    return axial


if __name__ == "__main__":
    main()
