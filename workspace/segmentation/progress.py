"""Progress and cancel for a tool that runs in the background (no Qt: a viewer wires them).

A tool's whole-volume work is done slab by slab (:func:`slabs`): each slab is a short numpy
call, so a tool on a worker thread gives the GUI thread the interpreter between slabs (a
numpy call on a whole 512×512×500 volume can hold the GIL for a large fraction of a second),
reports how far it is, and stops at the next slab once cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: Voxels per slab: about 2 ms of a simple numpy pass on these machines.
SLAB_VOXELS = 1 << 21


class EditCancelledError(Exception):
    """The tool's run was cancelled; nothing was changed."""


def _ignore(done: int, total: int) -> None:
    del done, total


def _never() -> bool:
    return False


@dataclass(frozen=True)
class Progress:
    """Where a running tool reports ``done`` of ``total`` steps, and learns it is cancelled."""

    report: Callable[[int, int], None] = _ignore
    cancelled: Callable[[], bool] = _never

    def step(self, done: int, total: int) -> None:
        """Report ``done`` of ``total``; :class:`EditCancelledError` once cancelled."""
        if self.cancelled():
            raise EditCancelledError
        self.report(done, total)


def slabs(length: int, plane_voxels: int, progress: Progress | None = None) -> Iterator[slice]:
    """Slices of ``range(length)`` along axis 0, each about :data:`SLAB_VOXELS` voxels of
    planes of ``plane_voxels``; ``progress`` steps before each one."""
    size = max(1, SLAB_VOXELS // max(1, plane_voxels))
    for start in range(0, length, size):
        if progress is not None:
            progress.step(start, length)
        yield slice(start, min(length, start + size))
    if progress is not None:
        progress.step(length, length)
