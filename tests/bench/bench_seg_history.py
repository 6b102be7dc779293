"""What a segmentation's edit history leaves in the profile after 200 edits (issue 10).

A CT is imported into a throwaway profile and given 200 edits through the real stack
(brush-sized dabs, every twentieth a slab over a fifth of the slices, as a threshold makes),
with the background compactor doing its work as in the viewer; then the item is closed
(which compacts what is left) and, in a second session with no undo history, edited once
more and closed again. Printed: the edit rows (and the bytes they hold) and the compacted
snapshot rows stored, the database file's size (SQLite reuses freed pages; it does not
shrink; the write-ahead log is counted, checkpointed when the profile is locked), the blob
folder's size (pruned snapshots' blobs go: they are sealed under random ids) and the
open time. Run it on a checkout without pruning for the baseline.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from storage.models import LabelMapDeltaRecord, LabelMapSnapshotRecord
from storage.profile import Profile
from tests.bench.common import report
from tests.conftest import FAST_KDF, PASSPHRASE
from workspace.demo_data import generate_ct_series
from workspace.segmentation.editing import ToolContext, paint
from workspace.segmentation.store import load_segmentation
from workspace.workspace import Workspace


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _edits(workspace: Workspace, item_id: str, count: int, first: int = 0) -> None:
    document = workspace.open_segmentation(item_id)
    context = ToolContext(document, segment=document.segments[0].value)
    depth, rows, cols = document.labels.shape
    for n in range(first, first + count):
        value = document.segments[n % 2].value
        if n % 20 == 19:  # a large edit (a threshold, a fill): a slab of every fifth slice
            mask = np.zeros(document.labels.shape, dtype=np.bool_)
            mask[
                (n * 7) % depth :: 5, rows // 5 : rows - rows // 5, cols // 5 : cols - cols // 5
            ] = True
            command = paint(context, mask, value, f"slab {n}")
        else:
            k, j, i = (n * 13) % (depth - 8), (n * 37) % (rows - 24), (n * 53) % (cols - 24)
            box = (k, k + 8, j, j + 24, i, i + 24)
            dab = np.ones((8, 24, 24), dtype=np.bool_)
            command = paint(context, dab, value, f"dab {n}", box)
        if command is not None:
            workspace.command_stack(item_id).push(command)
    workspace.item_closed(item_id)
    workspace.compactor.wait()


def _figures(profile: Profile, item_id: str) -> dict[str, float]:
    with profile.database.read() as session:
        rows, row_bytes = session.execute(
            select(func.count(), func.sum(func.length(LabelMapDeltaRecord.voxels))).where(
                LabelMapDeltaRecord.item_id == item_id
            )
        ).one()
        snapshots = session.scalar(
            select(func.count()).where(LabelMapSnapshotRecord.item_id == item_id)
        )
    started = time.perf_counter()
    load_segmentation(profile, item_id)
    return {
        "rows": float(rows or 0),
        "rows MB": (row_bytes or 0) / 1e6,
        "snapshots": float(snapshots or 0),
        "database MB": _size(profile.path) / 1e6 - _size(profile.path / "blobs") / 1e6,
        "blobs MB": _size(profile.path / "blobs") / 1e6,
        "open s": time.perf_counter() - started,
    }


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Run the benchmark; returns the figures after the second session."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args(argv)
    depth, size = (40, 256) if args.quick else (200, 512)
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="caliper-bench-") as tmp:
        folder, path = Path(tmp) / "ct", Path(tmp) / "profile"
        generate_ct_series(folder, slices=depth, rows=size, cols=size)
        workspace = Workspace(Profile.create(path, PASSPHRASE, user="bench", kdf=FAST_KDF))
        (item,) = workspace.import_paths([folder])
        workspace.open_segmentation(item.id)
        empty = _figures(workspace.profile, item.id)
        _edits(workspace, item.id, args.edits)
        first = _figures(workspace.profile, item.id)
        workspace.lock()
        workspace = Workspace.unlock(path, PASSPHRASE)  # no undo history any more
        _edits(workspace, item.id, 1, first=args.edits + 1)
        second = _figures(workspace.profile, item.id)
        workspace.lock()
    for name, figures in (
        ("empty segmentation", empty),
        (f"after {args.edits} edits, closed", first),
        ("next session, 1 edit, closed", second),
    ):
        rows.append((f"-- {name}", "", ""))
        for key, value in figures.items():
            shown = f"{value:.3f}" if key.endswith(("MB", " s")) else f"{value:.0f}"
            rows.append((f"  {key}", shown, ""))
    report(
        f"Segmentation history in the profile, {size}x{size}x{depth} CT",
        rows,
        f"{second['rows']:.0f} rows, {second['snapshots']:.0f} compacted snapshots kept",
    )
    return second


if __name__ == "__main__":
    main()
