"""Segmentation tools on a 512×512×500 CT, each beside the bare library call it wraps.

Each tool runs through its real code (``workspace.segmentation.tools``: editable area, the
undo delta cropped and compressed) and its command is pushed on an in-memory stack, which
writes the voxels: what the user waits for, minus the SQLCipher write. The baselines are
timed in the same run on the same data: numpy's and SimpleITK's ``BinaryThreshold`` for the
threshold, ``ConnectedThreshold`` for region grow (a small and a large region), and
``ConnectedComponent`` + ``RelabelComponent`` of the segment for islands.
Goal (issue 10): each tool ≤ 1.5× its library call.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from tests.bench.common import best_of, report
from workspace.commands import Change, Command, CommandStack
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.islands import IslandsOptions, IslandsTool
from workspace.segmentation.tools.region_grow import RegionGrowOptions, RegionGrowTool
from workspace.segmentation.tools.threshold import ThresholdOptions, ThresholdTool
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment, Volume

GOAL_RATIO = 1.5
#: (centre k, j, i as fractions of the shape, semi-axes in voxels, HU): a CT of ellipsoids.
ORGANS = (
    ((0.5, 0.45, 0.35), (0.35, 0.2, 0.22), 60),  # liver
    ((0.5, 0.4, 0.75), (0.15, 0.09, 0.08), 45),  # spleen
    ((0.5, 0.7, 0.5), (0.45, 0.05, 0.05), 700),  # spine
    ((0.3, 0.3, 0.6), (0.02, 0.02, 0.02), 200),  # a small enhancing lesion
)


class _MemoryOnly:
    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        """The in-memory edit alone."""


def synthetic_ct(depth: int) -> npt.NDArray[np.int16]:
    """Air, a body of soft tissue, organs of ellipsoids and a little noise (HU)."""
    shape = (depth, 512, 512)
    voxels = np.full(shape, -1000, dtype=np.int16)
    j, i = np.ogrid[:512, :512]
    body = ((j - 256) / 200.0) ** 2 + ((i - 256) / 240.0) ** 2 <= 1.0
    voxels[:, body] = 0
    for (ck, cj, ci), (ak, aj, ai), hu in ORGANS:
        k0, k1 = int((ck - ak) * depth), int((ck + ak) * depth) + 1
        k, j, i = np.ogrid[k0:k1, :512, :512]
        ck_, cj_, ci_ = ck * depth, cj * 512, ci * 512
        distance = ((k - ck_) / (ak * depth)) ** 2 + ((j - cj_) / (aj * 512)) ** 2
        inside = distance + ((i - ci_) / (ai * 512)) ** 2 <= 1.0
        voxels[k0:k1][inside] = hu
    rng = np.random.default_rng(3)
    voxels += rng.integers(-15, 16, size=shape[1:], dtype=np.int16)  # same noise each slice
    return voxels


def _document(voxels: npt.NDArray[Any]) -> tuple[SegmentationDocument, Volume]:
    geometry = VolumeGeometry(voxels.shape, (0.7, 0.7, 1.0))
    labels = np.zeros(voxels.shape, dtype=np.uint8)
    segments = [Segment(1, "a", "#ff0000"), Segment(2, "b", "#00ff00")]
    document = SegmentationDocument("bench", LabelMap(labels, geometry, segments))
    return document, Volume(voxels, geometry)


def _tool_time(
    document: SegmentationDocument,
    volume: Volume,
    tool: Tool[Any],
    at: Pointer | None,
    repeats: int,
    reset: Callable[[], None],
) -> float:
    """Best time of ``tool.apply`` + the in-memory push; the labels are reset between runs."""
    tool.activate(ToolContext(document, volume, segment=1))

    def run() -> None:
        command = tool.apply(at)
        assert command is not None
        CommandStack(_MemoryOnly()).push(command)

    best = float("inf")
    for _ in range(repeats):
        reset()
        best = min(best, best_of(1, run))
    tool.deactivate()
    return best


def _row(name: str, tool_s: float, base_s: float, base_name: str) -> tuple[str, str, str]:
    return (name, f"{tool_s:.3f} s", f"{tool_s / base_s:.2f}x {base_name} ({base_s:.3f} s)")


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark; returns each tool's ratio to its baseline."""
    import SimpleITK as sitk  # noqa: N813

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth, repeats = (100, 1) if args.quick else (500, 3)
    voxels = synthetic_ct(depth)
    document, volume = _document(voxels)
    labels = document.labels

    def clear() -> None:
        labels[...] = 0

    image = sitk.GetImageFromArray(voxels)
    rows: list[tuple[str, str, str]] = []
    ratios: dict[str, float] = {}

    low, high = -100.0, 300.0  # soft tissue: the whole body, the hardest case
    numpy_s = best_of(repeats, lambda: (voxels >= low) & (voxels <= high))
    sitk_s = best_of(repeats, lambda: sitk.BinaryThreshold(image, low, high, 1, 0))
    rows.append(("numpy threshold (v >= lo) & (v <= hi)", f"{numpy_s:.3f} s", "baseline"))
    low_i, high_i = np.int16(low), np.int16(high)  # what the tool compares with (exact)
    numpy_int_s = best_of(repeats, lambda: (voxels >= low_i) & (voxels <= high_i))
    rows.append(("  (numpy, int16 bounds)", f"{numpy_int_s:.3f} s", "info"))
    rows.append(("SimpleITK BinaryThreshold", f"{sitk_s:.3f} s", "baseline"))
    tool_s = _tool_time(
        document, volume, ThresholdTool(ThresholdOptions(low, high)), None, repeats, clear
    )
    ratios["threshold"] = tool_s / min(numpy_s, sitk_s)
    rows.append(_row("Caliper threshold (apply + push)", tool_s, min(numpy_s, sitk_s), "faster"))

    for name, seed, (lo, hi) in (
        ("small", (int(0.3 * depth), int(0.3 * 512), int(0.6 * 512)), (150.0, 300.0)),
        ("large", (depth // 2, int(0.45 * 512), int(0.35 * 512)), (40.0, 100.0)),
    ):
        index = [seed[2], seed[1], seed[0]]

        def grow(lo: float = lo, hi: float = hi, index: list[int] = index) -> Any:
            return sitk.ConnectedThreshold(image, seedList=[index], lower=lo, upper=hi)

        base_s = best_of(repeats, grow)
        grown = int(sitk.GetArrayFromImage(grow()).sum())
        rows.append((f"SimpleITK ConnectedThreshold, {name}", f"{base_s:.3f} s", f"{grown} vx"))
        grower = RegionGrowTool(RegionGrowOptions(low=lo, high=hi))
        tool_s = _tool_time(document, volume, grower, Pointer(seed), repeats, clear)
        ratios[f"region grow {name}"] = tool_s / base_s
        rows.append(_row(f"Caliper region grow, {name} (apply + push)", tool_s, base_s, "CT"))

    def speckled() -> None:
        labels[...] = 0
        labels[voxels > 12] = 1  # the organs and bone, and speckles of noise in soft tissue

    speckled()
    segment = sitk.GetImageFromArray((labels == 1).view(np.uint8))

    def islands() -> Any:
        return sitk.RelabelComponent(sitk.ConnectedComponent(segment), sortByObjectSize=True)

    base_s = best_of(repeats, islands)
    rows.append(("SimpleITK ConnectedComponent + Relabel", f"{base_s:.3f} s", "baseline"))
    islands_tool = IslandsTool(IslandsOptions("keep_largest"))
    tool_s = _tool_time(document, volume, islands_tool, None, repeats, speckled)
    ratios["islands"] = tool_s / base_s
    rows.append(_row("Caliper islands keep largest (apply + push)", tool_s, base_s, "CC+Relabel"))

    met = max(ratios.values()) <= GOAL_RATIO
    report(
        f"Segmentation tools on a 512x512x{depth} int16 CT (goal <= {GOAL_RATIO:g}x the library)",
        rows,
        ("MET: " if met else "NOT MET: ") + ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items()),
    )
    return ratios


if __name__ == "__main__":
    main()
