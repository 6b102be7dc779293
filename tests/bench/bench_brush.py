"""One brush dab on a 512×512×1000 label map: time and undo memory, beside the naive approach.

The dab goes through the real tool (``workspace.segmentation.tools.paint``): the editable-area
check, the delta cropped to the changed voxels and compressed, and the in-place write. It is
timed in memory (the goal) and persisted through a real encrypted profile (one SQLCipher
transaction with its audit row per dab). The naive approach keeps a copy of the whole label map
per undo step, measured in the same run. Goals (issue 3): a dab < 5 ms; undo memory per step
≤ 2× the changed voxels.
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Sequence

import numpy as np

from storage.models import Item
from storage.profile import Profile
from tests.bench.common import best_of, report, scratch_profile
from workspace.annotations import now_iso
from workspace.commands import Change, Command, CommandStack
from workspace.persistence import StoreSink
from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.paint import BrushOptions, PaintTool
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment

GOAL_MS = 5.0
GOAL_RATIO = 2.0
DABS = 60


class _MemoryOnly:
    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        """The in-memory edit alone."""


def _dabs(tool: PaintTool, stack: CommandStack, depth: int, sphere: bool) -> tuple[list, list]:
    """Times (s) and undo steps of a stroke of overlapping dabs (3 voxels apart)."""
    tool.options = BrushOptions(radius_mm=5.0, sphere=sphere)
    times, edits = [], []
    row = 100 if not sphere else 300
    for n in range(DABS):
        start = time.perf_counter()
        command = tool.apply(Pointer((depth // 2, row + n // 40 * 20, 60 + 3 * (n % 40))))
        assert isinstance(command, LabelMapEdit)
        stack.push(command)
        times.append(time.perf_counter() - start)
        edits.append(command)
    return times, edits


def _document(item_id: str, depth: int) -> SegmentationDocument:
    geometry = VolumeGeometry((depth, 512, 512), (0.7, 0.7, 1.0))
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    return SegmentationDocument(item_id, LabelMap(labels, geometry, [Segment(1, "a", "#ff0000")]))


def _add_item(profile: Profile) -> str:
    """A volume item row for the deltas to belong to."""
    item_id = str(uuid.uuid4())
    with profile.database.write() as session:
        session.add(
            Item(
                id=item_id,
                project_id=None,
                modality="volume",
                title="bench",
                content_digest="0" * 64,
                meta={},
                created_at=now_iso(),
            )
        )
    return item_id


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the mean in-memory 2D dab time in ms."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    depth = 200 if args.quick else 1000
    document = _document("bench", depth)
    tool = PaintTool()
    tool.activate(ToolContext(document, segment=1))
    rows: list[tuple[str, str, str]] = []
    means: dict[str, float] = {}
    ratios: list[float] = []
    for sphere in (False, True):
        name = "3D sphere" if sphere else "2D disc"
        times, edits = _dabs(tool, CommandStack(_MemoryOnly()), depth, sphere)
        ratio = max(e.delta.nbytes / (e.delta.changed * document.labels.itemsize) for e in edits)
        ratios.append(ratio)
        step = np.mean([e.delta.nbytes for e in edits])
        changed = np.mean([e.delta.changed for e in edits])
        means[name] = float(np.mean(times)) * 1e3
        rows.append(
            (
                f"Caliper dab, {name} r=5 mm, in memory",
                f"{means[name]:.3f} ms",
                f"p95 {np.percentile(times, 95) * 1e3:.3f} ms; undo step {step:.0f} B for "
                f"{changed:.0f} changed voxels (worst {ratio:.2f}x)",
            )
        )
    with scratch_profile() as profile:
        item_id = _add_item(profile)
        stored = _document(item_id, depth)
        stored_tool = PaintTool()
        stored_tool.activate(ToolContext(stored, segment=1))
        stack = CommandStack(StoreSink(profile.database, profile.audit, item_id))
        for sphere in (False, True):
            name = "3D sphere" if sphere else "2D disc"
            times, _ = _dabs(stored_tool, stack, depth, sphere)
            rows.append(
                (
                    f"Caliper dab, {name}, persisted",
                    f"{np.mean(times) * 1e3:.3f} ms",
                    "delta row + audit row, one SQLCipher transaction, synced",
                )
            )
    copy_s = best_of(3, document.labels.copy)
    rows.insert(
        0,
        (
            "naive undo: copy the label map per dab",
            f"{copy_s * 1e3:.1f} ms",
            f"{document.labels.nbytes / 1e6:.0f} MB per undo step",
        ),
    )
    met = max(means.values()) < GOAL_MS and max(ratios) <= GOAL_RATIO
    report(
        f"Brush dab on a 512x512x{depth} uint8 label map (goal < {GOAL_MS:g} ms, "
        f"undo step <= {GOAL_RATIO:g}x changed voxels)",
        rows,
        "MET" if met else "NOT MET",
    )
    return means["2D disc"]


if __name__ == "__main__":
    main()
