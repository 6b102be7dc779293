"""Loading a volume item (as a background job): voxels, segmentation, segment voxel counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from viewers.jobs import JobContext, JobFunction
from viewers.volume.vtk_warmup import warm_up
from workspace.errors import DamagedSegmentationError, NoSegmentationError
from workspace.volume.display_window import SeriesDisplay, VoxelStats, voxel_stats
from workspace.volume.model import LabelMap, Volume
from workspace.workspace import Workspace


def label_counts(labels: npt.NDArray[Any]) -> dict[int, int]:
    """Voxels per label value (background included).

    Counted slice by slice: ``bincount`` widens its input to 8 bytes per voxel, which on a
    whole 512×512×1000 label map would be 2 GB; and a numpy call holds the GIL, so one pass
    over the whole map would stall the GUI thread while this runs on a worker.
    """
    total = np.zeros(1, dtype=np.int64)
    for plane in labels:
        counts = np.bincount(plane.ravel())
        if counts.size > total.size:
            total = np.concatenate([total, np.zeros(counts.size - total.size, np.int64)])
        total[: counts.size] += counts
    return {int(v): int(n) for v, n in enumerate(total) if n}


@dataclass
class Loaded:
    """What the viewer needs to show a volume item."""

    volume: Volume
    label_map: LabelMap | None
    counts: dict[int, int] = field(default_factory=dict)
    problem: str = ""  # said to the user once the volume is shown
    stats: VoxelStats = field(default_factory=lambda: VoxelStats(-1024.0, 3071.0, -1024.0, 3071.0))
    display: SeriesDisplay = field(default_factory=SeriesDisplay)


def load_item(workspace: Workspace, item_id: str, stage: Callable[[str], None]) -> Loaded:
    """Read a volume item and its stored segmentation (if any) from the workspace."""
    stage("Reading the voxels…")
    volume = workspace.load_volume(item_id)
    stage("Measuring the intensities…")
    stats, display = voxel_stats(volume.voxels), workspace.series_display(item_id)
    stage("Reading the segmentation…")
    try:
        label_map = workspace.load_segmentation(item_id)
    except NoSegmentationError:
        return Loaded(volume, None, stats=stats, display=display)
    if label_map.labels.shape != volume.voxels.shape:  # never shown as an empty one instead
        raise DamagedSegmentationError(
            f"its stored segmentation is {label_map.labels.shape} voxels, the volume "
            f"{volume.voxels.shape}: it is not a segmentation of this volume."
        )
    stage("Measuring the segments…")
    return Loaded(volume, label_map, label_counts(label_map.labels), stats=stats, display=display)


def load_job(workspace: Workspace, item_id: str) -> JobFunction:
    """:func:`load_item` as a job: each stage is reported, and a cancel stops it there.

    The 3D view's VTK imports run beside it (:mod:`viewers.volume.vtk_warmup`), and the job
    ends only once they are done: imports left running while the GUI thread builds the
    views would hold the GIL in long module initialisers and stall the window.
    """
    imports = warm_up()

    def work(context: JobContext) -> Loaded:
        def stage(text: str) -> None:
            context.check()
            context.stage(text)

        loaded = load_item(workspace, item_id, stage)
        stage("Preparing the views")
        imports.join()
        return loaded

    return work
