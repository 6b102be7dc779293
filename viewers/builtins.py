"""The built-in viewers, loaded by name so one broken viewer does not take the others down."""

from __future__ import annotations

import importlib
import logging

logger = logging.getLogger(__name__)

BUILTIN_VIEWER_MODULES = (
    "viewers.item_info",
    "viewers.text_viewer",
    "viewers.volume.volume_viewer",
)


def load_builtin_viewers() -> list[str]:
    """Import every built-in viewer module (once per process); return those that failed."""
    failed: list[str] = []
    for name in BUILTIN_VIEWER_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Viewer module %s could not be loaded", name)
            failed.append(name)
    return failed
