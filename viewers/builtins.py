"""The built-in viewers, loaded by name so one broken viewer does not take the others down.

Each modality names its viewer module in its :class:`~workspace.modalities.ModalitySpec`;
the item-information view is the fallback of every modality without one. The main window does
not wait for them: once it shows they are imported one module per event-loop turn
(:func:`load_viewers_when_idle`), and opening an item imports its own viewer at once.
Always on the GUI thread: importing Qt modules on a worker while the GUI thread runs Qt code
corrupted the binding's wrapper map under load (a viewer in the tabs came back as a fresh
wrapper without its Python attributes).
"""

from __future__ import annotations

import importlib
import logging

from PySide6.QtCore import QTimer

from workspace.modalities import modalities

logger = logging.getLogger(__name__)

FALLBACK_VIEWER_MODULE = "viewers.item_info"
#: Between two modules imported at idle, so input and paints go first.
IDLE_STEP_MS = 20


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


def load_viewers_when_idle(names: tuple[str, ...] | None = None) -> None:
    """Import the viewer modules one per event-loop turn, :data:`IDLE_STEP_MS` apart."""
    pending = viewer_modules() if names is None else names
    if not pending:
        return
    _import_each(pending[:1])
    QTimer.singleShot(IDLE_STEP_MS, lambda: load_viewers_when_idle(pending[1:]))


def load_viewer_for(modality: str) -> list[str]:
    """Import the viewer of ``modality`` and the fallback; return the modules that failed."""
    own = tuple(s.viewer_module for s in modalities() if s.id == modality and s.viewer_module)
    return _import_each((FALLBACK_VIEWER_MODULE, *own))


def load_all_viewers() -> list[str]:
    """Every viewer module imported; those that failed."""
    return load_builtin_viewers()
