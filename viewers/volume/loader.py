"""Loading a volume item off the GUI thread: voxels, segmentation, segment voxel counts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workspace.errors import DamagedSegmentationError, NoSegmentationError
from workspace.volume.model import LabelMap, Volume
from workspace.workspace import Workspace


def label_counts(labels: npt.NDArray[Any]) -> dict[int, int]:
    """Voxels per label value (background included).

    Counted slice by slice: ``bincount`` widens its input to 8 bytes per voxel, which on a
    whole 512×512×1000 label map would be 2 GB.
    """
    total = np.zeros(int(labels.max(initial=0)) + 1, dtype=np.int64)
    for plane in labels:
        counts = np.bincount(plane.ravel(), minlength=total.size)
        total += counts[: total.size]
    return {int(v): int(n) for v, n in enumerate(total) if n}


@dataclass
class Loaded:
    """What the viewer needs to show a volume item."""

    volume: Volume
    label_map: LabelMap | None
    counts: dict[int, int] = field(default_factory=dict)
    problem: str = ""  # said to the user once the volume is shown


def load_item(workspace: Workspace, item_id: str, stage: Callable[[str], None]) -> Loaded:
    """Read a volume item and its stored segmentation (if any) from the workspace."""
    stage("Reading the voxels…")
    volume = workspace.load_volume(item_id)
    stage("Reading the segmentation…")
    try:
        label_map = workspace.load_segmentation(item_id)
    except NoSegmentationError:
        return Loaded(volume, None)
    if label_map.labels.shape != volume.voxels.shape:  # never shown as an empty one instead
        raise DamagedSegmentationError(
            f"its stored segmentation is {label_map.labels.shape} voxels, the volume "
            f"{volume.voxels.shape}: it is not a segmentation of this volume."
        )
    stage("Measuring the segments…")
    return Loaded(volume, label_map, label_counts(label_map.labels))


Report = Callable[[str], None]
_RUNNING: set[BackgroundCall] = set()  # started calls, kept alive until they have finished


class BackgroundCall(QObject, QRunnable):
    """Calls ``function(report)`` on the global thread pool; ``done(result)``, ``failed(text)``
    and each ``report(text)`` arrive on the GUI thread.

    The call keeps itself alive until it has finished, so whoever started it may go away
    meanwhile (a viewer closed while its volume loads); its signals then reach no one.
    """

    stage = Signal(str)
    done = Signal(object)
    failed = Signal(str)
    _finished = Signal(object)

    def __init__(self, function: Callable[[Report], object], failure: str = "") -> None:
        QObject.__init__(self)
        QRunnable.__init__(self)
        self.setAutoDelete(False)
        self._function = function
        self._failure = failure
        self.running = False
        self._finished.connect(_RUNNING.discard)

    def start(self) -> None:
        """Queue the call (ignored while it is still running)."""
        if self.running:
            return
        self.running = True
        _RUNNING.add(self)
        QThreadPool.globalInstance().start(self)

    def run(self) -> None:
        """Call the function; report its result or failure by signal."""
        try:
            result = self._function(self.stage.emit)
        except Exception as error:  # noqa: BLE001 - shown to the user as one sentence
            self.running = False
            self.failed.emit(f"{self._failure}{error}")
        else:
            self.running = False
            self.done.emit(result)
        self._finished.emit(self)
