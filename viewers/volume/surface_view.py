"""The 3D view: each visible segment's surface in patient coordinates, kept up to date.

A VTK render window embedded in Qt (``QVTKRenderWindowInteractor``). The camera starts in
front of the patient (anterior view, superior up, the patient's right on the screen's left,
as in the coronal view); left-drag rotates, middle-drag pans, right-drag or the wheel zooms,
R resets the camera. Other keys go to the viewer (VTK's own keys, such as ``e`` for exit, are
not used). Surfaces are built by a :class:`SurfaceBuilder` off the GUI thread: in full when a
segment is shown, block by block around each edit's bounding box.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from viewers.volume.overlay import parse_color
from viewers.volume.scene import Crosshair3D, anterior_camera, orientation_marker, outline
from viewers.volume.surface import BBox, BlockKey, SegmentSurface
from viewers.volume.surface_jobs import SurfaceBuilder
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment

BACKGROUND = ((0.09, 0.10, 0.13), (0.30, 0.33, 0.40))  # bottom, top of the gradient


def _qvtk_class() -> Any:
    """``QVTKRenderWindowInteractor``, bound to PySide6 (imported on first use)."""
    import vtkmodules.qt

    vtkmodules.qt.PyQtImpl = "PySide6"
    # the interactor styles and the OpenGL back end register themselves when imported
    importlib.import_module("vtkmodules.vtkInteractionStyle")
    importlib.import_module("vtkmodules.vtkRenderingOpenGL2")
    from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor

    return QVTKRenderWindowInteractor


def new_render_window() -> Any:
    """A render window for a :class:`SurfaceView`. The first one made in a process loads
    VTK's OpenGL back end (a tenth of a second or more): a caller spreading the 3D view's
    creation over event-loop turns makes it a step of its own."""
    _qvtk_class()  # imports the OpenGL back end, which registers the window class
    from vtkmodules.vtkRenderingCore import vtkRenderWindow

    return vtkRenderWindow()


class SurfaceView(QWidget):
    """Renders the surfaces of the visible segments of one label map."""

    maximise_requested = Signal()
    key_pressed = Signal(object)  # QKeyEvent the view does not handle itself
    status = Signal(str)  # e.g. "liver built in 0.21 s"

    def __init__(
        self,
        geometry: VolumeGeometry,
        labels: npt.NDArray[Any],
        parent: QWidget | None = None,
        *,
        initialise: bool = True,
        render_window: Any = None,
    ) -> None:
        """``initialise=False`` leaves the OpenGL set-up to :meth:`initialise`, and
        ``render_window`` (from :func:`new_render_window`) is used instead of a new one: for a
        caller spreading the 3D view's creation over event-loop turns."""
        super().__init__(parent)
        from vtkmodules.vtkRenderingCore import vtkRenderer

        self.setObjectName("surfaceView")
        self.volume_geometry = geometry
        self.segments: dict[int, Segment] = {}
        self.surfaces: dict[int, SegmentSurface] = {}
        self.actors: dict[int, Any] = {}
        self._closed = False
        self._camera_moved = False  # by the user; until then the camera refits on resize
        self._refit = False
        self.vtk_widget: Any = _qvtk_class()(self, rw=render_window)
        self.vtk_widget.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.vtk_widget)
        self.render_window: Any = self.vtk_widget.GetRenderWindow()
        self.render_window.SetMultiSamples(0)  # FXAA below: no multisample buffers to set up
        self.renderer: Any = vtkRenderer()
        self.renderer.GradientBackgroundOn()
        self.renderer.UseFXAAOn()
        self.renderer.SetBackground(*BACKGROUND[0])
        self.renderer.SetBackground2(*BACKGROUND[1])
        self.render_window.AddRenderer(self.renderer)
        self._keep: Any = outline(self.renderer, geometry)  # VTK objects must stay referenced
        self.crosshair = Crosshair3D(self.renderer, geometry)
        self._marker: Any = orientation_marker(self.render_window.GetInteractor())
        self._render_timer = QTimer(self)
        self._render_timer.setSingleShot(True)
        self._render_timer.setInterval(0)
        self._render_timer.timeout.connect(self.render_now)
        self.builder = SurfaceBuilder(labels, geometry, self)
        self.builder.built.connect(self._built)
        self.builder.failed.connect(self.status.emit)
        if initialise:
            self.initialise()

    def prepare_context(self) -> None:
        """Make the OpenGL context with a first frame, then let go of it: the costly part of
        :meth:`initialise`, which VTK runs without the GIL. May run on a worker thread while
        nothing else touches this view (see :mod:`viewers.volume.vtk_context`)."""
        self.render_window.Render()
        self.render_window.ReleaseCurrent()

    def initialise(self) -> None:
        """Set up the interactor, the OpenGL context unless :meth:`prepare_context` made it,
        and the camera (on the GUI thread)."""
        self.vtk_widget.Initialize()
        self.reset_camera()

    # ------------------------------------------------------------------ model
    def set_segments(
        self, segments: Sequence[Segment], counts: Mapping[int, int] | None = None
    ) -> None:
        """Show the visible ``segments``: new ones are built (unless ``counts`` says they are
        empty), hidden or removed ones dropped, colours updated."""
        from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper

        shown = {s.value: s for s in segments if s.visible}
        for value in [v for v in self.actors if v not in shown]:
            self.renderer.RemoveActor(self.actors.pop(value))
            self.surfaces.pop(value, None)
            self.builder.forget(value)
        for value, segment in shown.items():
            if value not in self.actors:
                surface = SegmentSurface()
                mapper = vtkPolyDataMapper()
                mapper.SetInputData(surface.output)
                mapper.ScalarVisibilityOff()
                actor = vtkActor()
                actor.SetMapper(mapper)
                self.renderer.AddActor(actor)
                self.surfaces[value], self.actors[value] = surface, actor
                if counts is None or counts.get(value, 0):
                    self.builder.request_full(value)
            prop = self.actors[value].GetProperty()
            prop.SetColor(*(c / 255.0 for c in parse_color(segment.color)))
            prop.SetSpecular(0.25)
            prop.SetSpecularPower(30.0)
        self.segments = shown
        self.request_render()

    def labels_changed(self, bbox: BBox) -> None:
        """Rebuild the visible surfaces around an edit's bounding box."""
        if self.actors:
            self.builder.request_bbox(bbox, sorted(self.actors))

    def _built(
        self, value: int, pieces: Mapping[BlockKey, Any], full: bool, seconds: float
    ) -> None:
        surface = self.surfaces.get(value)
        if surface is None:  # hidden while it was being built
            return
        surface.update(pieces, replace_all=full)
        self.actors[value].GetMapper().Modified()
        self.request_render()
        name = self.segments[value].name if value in self.segments else str(value)
        self.status.emit(f"3D: {name} {'built' if full else 'updated'} in {seconds:.2f} s")

    def set_crosshair(self, lps: npt.ArrayLike) -> None:
        """Move the 3D crosshair to LPS point ``lps``."""
        self.crosshair.move_to(lps)
        self.request_render()

    def reset_camera(self) -> None:
        """Anterior view of the whole volume, superior up (refitted on resize from now on)."""
        self._camera_moved = False
        anterior_camera(self.renderer, self.volume_geometry)
        self.request_render()

    def turn(self, azimuth: float, elevation: float) -> None:
        """Turn the camera about the volume (degrees), as a left-drag does."""
        camera = self.renderer.GetActiveCamera()
        camera.Azimuth(azimuth)
        camera.Elevation(elevation)
        camera.OrthogonalizeViewUp()
        self._camera_moved = True
        self.request_render()

    # ------------------------------------------------------------------ rendering
    def request_render(self) -> None:
        """Render once control returns to the event loop (coalesces many changes)."""
        self._render_timer.start()

    def render_now(self) -> None:
        """Render immediately (when shown)."""
        if self.isVisible() and not self._closed:
            if self._refit and not self._camera_moved:
                anterior_camera(self.renderer, self.volume_geometry)
            self._refit = False
            self.render_window.Render()

    def image(self) -> npt.NDArray[np.uint8]:
        """What the view shows, ``(rows, cols, 3)`` RGB with row 0 at the top."""
        from vtkmodules.util.numpy_support import vtk_to_numpy
        from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter

        self.render_window.Render()
        grab = vtkWindowToImageFilter()
        grab.SetInput(self.render_window)
        grab.SetInputBufferTypeToRGB()
        grab.ReadFrontBufferOff()
        grab.Update()
        data = grab.GetOutput()
        cols, rows, _ = data.GetDimensions()
        pixels = vtk_to_numpy(data.GetPointData().GetScalars()).reshape(rows, cols, -1)
        return np.ascontiguousarray(pixels[::-1, :, :3])

    def display_point(self, lps: npt.ArrayLike) -> tuple[int, int]:
        """``(row, col)`` of :meth:`image` where LPS point ``lps`` is drawn."""
        x, y, z = (float(v) for v in np.asarray(lps, dtype=np.float64))
        self.renderer.SetWorldPoint(x, y, z, 1.0)
        self.renderer.WorldToDisplay()
        col, row, _ = self.renderer.GetDisplayPoint()
        _, height = self.render_window.GetSize()
        return round(height - 1 - row), round(col)

    # ------------------------------------------------------------------ events
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys go to the viewer (R resets the camera); a double-click or M maximises."""
        if watched is self.vtk_widget:
            if self._closed:  # the render window is gone: nothing may reach VTK any more
                return event.type() != QEvent.Type.DeferredDelete
            if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
                plain = not event.modifiers()
                if event.key() == Qt.Key.Key_R and plain:
                    self.reset_camera()
                elif event.key() == Qt.Key.Key_M and plain:
                    self.maximise_requested.emit()
                else:
                    self.key_pressed.emit(event)
                return True
            if event.type() == QEvent.Type.KeyRelease:
                return True
            if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.Wheel):
                self._camera_moved = True
            if event.type() == QEvent.Type.Resize:
                self._refit = True
                self.request_render()
            if event.type() == QEvent.Type.MouseButtonDblClick:
                self.maximise_requested.emit()
                return True
        return super().eventFilter(watched, event)

    def shutdown(self) -> None:
        """Stop the builder and release the render window and its display connection
        (idempotent; call it while the display is still there)."""
        if self._closed:
            return
        self._render_timer.stop()
        self.builder.close()
        self._marker[0].SetEnabled(0)
        self._closed = True
        self.vtk_widget.hide()
        self.render_window.Finalize()
        # QVTKRenderWindowInteractor's VTK observers hold it in a reference cycle the garbage
        # collector cannot see; break it so the render window (and its X connection) goes now
        interactor = self.render_window.GetInteractor()
        interactor.RemoveAllObservers()
        self.render_window.RemoveAllObservers()
        self.vtk_widget._Iren = self.vtk_widget._RenderWindow = None
        # ...which its own close() would call again when this view is destroyed (it is
        # connected to our ``destroyed``): at exit, with no event loop left, that printed a
        # traceback ('NoneType' object has no attribute 'Finalize')
        self.destroyed.disconnect(self.vtk_widget.close)
        self.vtk_widget.deleteLater()
        self.render_window = self.renderer = self._marker = self._keep = None
        self.actors.clear()
        self.surfaces.clear()
