"""A polygon's statistics read off the GUI thread, as each outline is placed or edited.

The mean, minimum and maximum inside an outline cost a pass over its slice: 0.15-0.4 s on a
4096 × 3072 radiograph, too long for the GUI thread at every placement and vertex move. The
polygon is saved at once with its outline and area; :meth:`PolygonValues.refresh` (called on
every change of the item's annotations) starts a job for each outline whose statistics are
missing, and their result is stored by :meth:`MarkupEditing.fill_values` (no undo step of
its own). An outline's job runs once, however often it is asked for meanwhile.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy.typing as npt
from PySide6.QtCore import QObject, Signal

from viewers.jobs import Job, JobContext, JobGroup
from viewers.volume.markup_editing import MarkupEditing, Values
from workspace.segmentation.measurements import PolygonKey, polygon_values


class PolygonValues(QObject):
    """Starts the statistics jobs of one item's polygons and stores their results."""

    message = Signal(str)
    filled = Signal()  # statistics were stored

    def __init__(
        self, editing: MarkupEditing, jobs: JobGroup, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.editing = editing
        self.jobs = jobs
        self.running: dict[PolygonKey, Job] = {}

    def refresh(self) -> None:
        """Read the statistics of every outline that lacks them (known ones are stored now)."""
        voxels = self.editing.voxels
        if voxels is None:
            return
        for key in self.editing.missing_values():
            if key in self.running:
                continue
            known = self.editing.known.get(key)
            if known is not None:  # an undo brought back an outline read before
                self._store(key, known)
                continue
            job = self.jobs.start(
                "Polygon statistics",
                partial(_read, voxels, key),
                failure="The polygon's statistics could not be read: ",
            )
            self.running[key] = job
            job.succeeded.connect(lambda values, key=key: self._store(key, values))
            job.failed.connect(self.message.emit)
            job.finished.connect(lambda key=key: self.running.pop(key, None))

    @property
    def busy(self) -> bool:
        """Whether statistics are being read."""
        return bool(self.running)

    def _store(self, key: PolygonKey, values: Values) -> None:
        self.running.pop(key, None)
        problem = self.editing.fill_values(key, values)
        if problem:
            self.message.emit(problem)
        self.filled.emit()


def _read(voxels: npt.NDArray[Any], key: PolygonKey, _context: JobContext) -> Values:
    return polygon_values(voxels, key)
