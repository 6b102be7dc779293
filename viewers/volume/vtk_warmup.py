"""Import the 3D view's VTK modules on a worker thread while a volume loads.

Importing VTK takes most of a second and, on the GUI thread, froze the window for all of it
when the 3D view was made. On a worker thread the imports interleave with the event loop
(module initialisers still hold the GIL, so the longest pause is one module's, well under the
100 ms the heartbeat tests allow), and by the time the voxels are read the 3D view only has
to create its OpenGL context.
"""

from __future__ import annotations

import importlib
import logging
import threading

logger = logging.getLogger(__name__)

#: What creating the 3D view imports (see surface_view.py, scene.py, surface.py).
MODULES = (
    "vtkmodules.vtkCommonCore",
    "vtkmodules.vtkCommonDataModel",
    "vtkmodules.vtkRenderingCore",
    "vtkmodules.vtkRenderingOpenGL2",
    "vtkmodules.vtkInteractionStyle",
    "vtkmodules.vtkInteractionWidgets",
    "vtkmodules.vtkRenderingAnnotation",
    "vtkmodules.vtkFiltersSources",
    "vtkmodules.util.numpy_support",
    "vtkmodules.qt.QVTKRenderWindowInteractor",
    "viewers.volume.surface_view",
)

_lock = threading.Lock()
_started: threading.Thread | None = None


def _import_all() -> None:
    import vtkmodules.qt

    vtkmodules.qt.PyQtImpl = "PySide6"  # before QVTKRenderWindowInteractor is imported
    for name in MODULES:
        try:
            importlib.import_module(name)
        except Exception as error:  # noqa: BLE001 - the 3D view reports it when it is made
            logger.info("VTK warm-up stopped at %s: %s", name, error)
            return


def warm_up() -> threading.Thread:
    """Start importing the 3D view's modules in the background (once per process)."""
    global _started
    with _lock:
        if _started is None:
            _started = threading.Thread(target=_import_all, name="vtk-warm-up", daemon=True)
            _started.start()
        return _started
