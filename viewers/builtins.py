"""The built-in viewers, loaded by name so one broken viewer does not take the others down.

Each modality names its viewer module in its :class:`~workspace.modalities.ModalitySpec`;
the item-information view is the fallback of every modality without one. The main window does
not wait for them: they are imported on a worker once it shows (half a second of imports at
start-up), and opening an item waits only for that, or imports its own viewer.
"""

from __future__ import annotations

import importlib
import logging
import threading

from workspace.modalities import modalities

logger = logging.getLogger(__name__)

FALLBACK_VIEWER_MODULE = "viewers.item_info"

_lock = threading.Lock()
_background: threading.Thread | None = None


def viewer_modules() -> tuple[str, ...]:
    """The fallback viewer's module and every registered modality's, each once."""
    named = (spec.viewer_module for spec in modalities() if spec.viewer_module)
    return tuple(dict.fromkeys((FALLBACK_VIEWER_MODULE, *named)))


def _import_each(names: tuple[str, ...]) -> list[str]:
    failed: list[str] = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Viewer module %s could not be loaded", name)
            failed.append(name)
    return failed


def load_builtin_viewers() -> list[str]:
    """Import every viewer module (once per process); return those that failed."""
    return _import_each(viewer_modules())


def load_viewers_in_background() -> threading.Thread:
    """Start :func:`load_builtin_viewers` on a worker thread (once per process)."""
    global _background
    with _lock:
        if _background is None:
            _background = threading.Thread(
                target=load_builtin_viewers, name="viewer-imports", daemon=True
            )
            _background.start()
        return _background


def _wait_for_background() -> None:
    """Never two threads importing the same modules: wait for the worker's imports."""
    with _lock:
        background = _background
    if background is not None and background is not threading.current_thread():
        background.join()


def load_viewer_for(modality: str) -> list[str]:
    """Import the viewer of ``modality`` and the fallback; return the modules that failed."""
    _wait_for_background()
    own = tuple(s.viewer_module for s in modalities() if s.id == modality and s.viewer_module)
    return _import_each((FALLBACK_VIEWER_MODULE, *own))


def load_all_viewers() -> list[str]:
    """Every viewer module imported (waiting for the worker's imports if they run)."""
    _wait_for_background()
    return load_builtin_viewers()
