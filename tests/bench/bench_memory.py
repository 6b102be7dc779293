"""Peak memory of opening a CT volume with one label map, beside their raw size.

A 512×512×500 CT series is imported into an encrypted profile and given a label map (three
segments, stored as the segmentation snapshot). A new process then opens the item the way the
viewer's loader does (``Workspace.load_volume``, then
:meth:`workspace.workspace.Workspace.load_segmentation`) and reports how far its peak RSS
(``VmHWM``) rose, and the peak of Python/numpy allocations (tracemalloc). The baseline is the
raw size of the two arrays, measured in the same run. Goal (issue 3): peak increase ≤ 1.5× raw.
The viewer's per-segment voxel counts (``viewers.volume.loader.label_counts``) are shown too.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from tests.bench.common import FAST_KDF, PASSPHRASE, report
from workspace.demo_data import generate_ct_series
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

GOAL = 1.5
REPO = Path(__file__).resolve().parents[2]
MB = 1e6


def _prepare(root: Path, slices: int) -> tuple[Path, str]:
    """A profile holding one imported CT series with a three-segment label map."""
    folder = root / "ct"
    generate_ct_series(
        folder, slices=slices, rows=512, cols=512, patient_name="Bench^Memory", patient_id="MEM"
    )
    profile_dir = root / "profile"
    workspace = Workspace.create(profile_dir, PASSPHRASE, user="bench", kdf=FAST_KDF)
    try:
        (item,) = workspace.import_paths([folder])
        volume = workspace.load_volume(item.id)
        labels = np.zeros(volume.geometry.shape, dtype=np.uint8)
        labels[(volume.voxels > -100) & (volume.voxels < 100)] = 1  # soft tissue
        labels[volume.voxels >= 300] = 2  # bone
        labels[slices // 3 : slices // 2, 200:300, 200:300] = 3  # a box lesion
        segments = [Segment(1, "soft", "#dd8265"), Segment(2, "bone", "#f1d691")]
        segments.append(Segment(3, "lesion", "#9d6ca2"))
        workspace.save_segmentation(item.id, LabelMap(labels, volume.geometry, segments), "bench")
    finally:
        workspace.lock()
    return profile_dir, item.id


def _child(profile_dir: Path, item_id: str) -> dict[str, int]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench.memory_child", str(profile_dir), item_id],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
        check=True,
    )
    return {
        name: int(value)
        for name, value in (line.split() for line in result.stdout.splitlines() if line)
    }


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the peak RSS increase as a multiple of the raw size."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="512x512x60 instead of x500")
    args = parser.parse_args(argv)
    slices = 60 if args.quick else 500
    if not Path("/proc/self/clear_refs").exists():
        print("\n== Peak memory: skipped (needs Linux /proc)")
        return 0.0
    with tempfile.TemporaryDirectory(prefix="caliper-bench-") as tmp:
        profile_dir, item_id = _prepare(Path(tmp), slices)
        runs = [_child(profile_dir, item_id) for _ in range(1 if args.quick else 2)]
    raw = runs[0]["RAW"]
    rss = min(run["HWM_PEAK"] - run["RSS_BEFORE"] for run in runs)
    traced = min(run["TRACED_PEAK"] for run in runs)
    counts = min(run["COUNTS_HWM_PEAK"] - run["RSS_BEFORE"] for run in runs)
    ratio = rss / raw
    report(
        f"Open a 512x512x{slices} CT volume + one label map (new process, peak memory)",
        [
            (
                "raw volume + label map",
                f"{raw / MB:,.0f} MB",
                "baseline: int16 voxels + uint8 labels",
            ),
            (
                "peak RSS increase (VmHWM)",
                f"{rss / MB:,.0f} MB",
                f"{ratio:.2f}x baseline (goal <= {GOAL}x): load_volume + load_segmentation",
            ),
            (
                "peak traced (tracemalloc)",
                f"{traced / MB:,.0f} MB",
                f"{traced / raw:.2f}x baseline: Python and numpy allocations only",
            ),
            (
                "... + viewer label_counts",
                f"{counts / MB:,.0f} MB",
                f"{counts / raw:.2f}x baseline: viewers.volume.loader (np.bincount)",
            ),
        ],
        "MET" if ratio <= GOAL else "NOT MET",
    )
    return ratio


if __name__ == "__main__":
    main()
