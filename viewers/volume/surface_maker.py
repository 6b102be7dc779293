"""Making a viewer's 3D view in steps a frame apart, so opening a volume never freezes it.

Once VTK is imported (:mod:`viewers.volume.vtk_warmup`): the render window (the first in a
process loads VTK's OpenGL back end), the view around it, its OpenGL context (by a first
render on a worker thread where the platform allows, :mod:`viewers.volume.vtk_context`; VTK
renders without the GIL), then the interactor and camera. The view stays unpublished, touched
by nothing else, until :attr:`SurfaceMaker.made` hands it over; :attr:`SurfaceMaker.unavailable`
says why there is none (no OpenGL here).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import numpy.typing as npt
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from viewers.safe_log import log_failure
from viewers.volume.turns import next_turn
from viewers.volume.vtk_context import context_off_thread
from viewers.volume.vtk_warmup import warm_up
from workspace.volume.geometry import VolumeGeometry

logger = logging.getLogger(__name__)

UNAVAILABLE = "3D view unavailable on this display"


def make_surface_view(
    geometry: VolumeGeometry,
    labels: npt.NDArray[Any],
    parent: QWidget,
    *,
    initialise: bool = True,
    render_window: Any = None,
) -> Any:
    """A :class:`~viewers.volume.surface_view.SurfaceView`, or None when this display has no
    OpenGL for it (logged)."""
    try:
        from viewers.volume.surface_view import SurfaceView

        return SurfaceView(
            geometry, labels, parent, initialise=initialise, render_window=render_window
        )
    except Exception as error:  # noqa: BLE001 - no OpenGL: the slice views still work
        log_failure(logger, "The 3D view could not be created", error)
        return None


def _prepare(view: Any, failures: list[BaseException]) -> None:
    """Make ``view``'s OpenGL context (on a worker thread)."""
    try:
        view.prepare_context()
    except Exception as error:  # noqa: BLE001 - reported on the GUI thread
        failures.append(error)


class SurfaceMaker(QObject):
    """Makes one 3D view for ``parent`` in steps; :meth:`close` stops it at any step."""

    made = Signal(object)  # the SurfaceView, ready to be shown
    unavailable = Signal(str)  # why there is no 3D view

    def __init__(self, geometry: VolumeGeometry, labels: npt.NDArray[Any], parent: QWidget) -> None:
        super().__init__(parent)
        self._geometry = geometry
        self._labels = labels
        self._parent = parent
        self._view: Any = None  # the view being made (unpublished)
        self._thread: threading.Thread | None = None
        self._failures: list[BaseException] = []
        self._closed = False
        self._poll = QTimer(self)
        self._poll.setInterval(25)
        self._poll.timeout.connect(self._when_imported)

    def start(self) -> None:
        """Begin once VTK's imports are done."""
        self._poll.start()

    def _when_imported(self) -> None:
        if warm_up().is_alive():
            return
        self._poll.stop()
        render_window = None
        try:
            from viewers.volume.surface_view import new_render_window

            render_window = new_render_window()
        except Exception as error:  # noqa: BLE001 - the view's own creation says so
            log_failure(logger, "The 3D render window could not be created", error)
        self._step(lambda: self._create(render_window))

    def _step(self, step: Callable[[], None]) -> None:
        next_turn(self, lambda: None if self._closed else step())

    def _create(self, render_window: Any) -> None:
        view = make_surface_view(
            self._geometry,
            self._labels,
            self._parent,
            initialise=False,
            render_window=render_window,
        )
        if view is None:
            self.unavailable.emit(UNAVAILABLE)
            return
        self._view = view
        if context_off_thread():
            self._thread = threading.Thread(
                target=_prepare, args=(view, self._failures), name="3d-context", daemon=True
            )
            self._thread.start()
        self._step(self._after_context)

    def _after_context(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._step(self._after_context)  # checked once a frame
            return
        view = self._view
        if self._failures:  # no context here: the slice views still work
            log_failure(logger, "The 3D view could not be created", self._failures[0])
            self._view = None
            view.shutdown()
            self.unavailable.emit(UNAVAILABLE)
            return
        view.initialise()  # the interactor and camera; the context too, if not made yet
        self._step(self._hand_over)

    def _hand_over(self) -> None:
        view, self._view = self._view, None
        self.made.emit(view)

    def close(self) -> None:
        """Stop; an unfinished view is released (once no worker renders it)."""
        self._closed = True
        self._poll.stop()
        if self._thread is not None:
            self._thread.join()
        if self._view is not None:
            self._view.shutdown()
            self._view = None
