"""One brush dab on a 512×512×1000 label map: time and undo memory, beside the naive approach.

The naive approach keeps a copy of the whole label map per undo step (measured in the same
run). Goals (issue 3): a dab < 5 ms; undo memory per step ≤ 2× the changed voxels.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tests.bench.common import report
from workspace.commands import CommandStack
from workspace.volume.brush import dab
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.labelmap_edit import LabelMapDocument, LabelMapEdit

GOAL_MS = 5.0


class _MemoryOnly:
    def persist(self, action: str, command: object, changes: object) -> None:
        """The in-memory edit alone (persisting is measured by bench_command_persist)."""


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the mean 2D dab time in ms."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth = 200 if args.quick else 1000
    geometry = VolumeGeometry((depth, 512, 512), (0.7, 0.7, 1.0))
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    document = LabelMapDocument("bench", labels)
    stack = CommandStack(_MemoryOnly())
    rows = []
    for sphere in (False, True):
        times, sizes, changed = [], [], []
        for n in range(50):
            center = (depth // 2, 100 + 6 * n, 256)
            start = time.perf_counter()
            delta = dab(labels, geometry, center, 5.0, 1 + n % 3, sphere=sphere)
            assert delta is not None
            stack.push(LabelMapEdit(document, delta, "paint"))
            times.append(time.perf_counter() - start)
            sizes.append(delta.nbytes)
            changed.append(int(np.count_nonzero(delta.values("before") != delta.values("after"))))
        name = "3D sphere r=5 mm" if sphere else "2D disc r=5 mm"
        ratio = max(s / c for s, c in zip(sizes, changed, strict=True))
        rows.append(
            (
                f"Caliper dab, {name}",
                f"{np.mean(times) * 1e3:.2f} ms",
                f"undo step <= {ratio:.2f}x changed voxels",
            )
        )
    start = time.perf_counter()
    copy = labels.copy()  # what keeping a whole copy per step costs
    naive_ms = (time.perf_counter() - start) * 1e3
    rows.insert(
        0,
        (
            "naive undo: copy the label map",
            f"{naive_ms:.1f} ms",
            f"{copy.nbytes / 1e6:.0f} MB per step",
        ),
    )
    disc_ms = float(rows[1][1].split()[0])
    report(
        f"Brush dab on a 512x512x{depth} label map", rows, "MET" if disc_ms < GOAL_MS else "NOT MET"
    )
    return disc_ms


if __name__ == "__main__":
    main()
