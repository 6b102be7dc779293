"""The built-in viewers, loaded by name so one broken viewer does not take the others down.

Each modality names its viewer module in its :class:`~workspace.modalities.ModalitySpec`;
the item-information view is the fallback of every modality without one.
"""

from __future__ import annotations

import importlib
import logging

from workspace.modalities import modalities

logger = logging.getLogger(__name__)

FALLBACK_VIEWER_MODULE = "viewers.item_info"


def viewer_modules() -> tuple[str, ...]:
    """The fallback viewer's module and every registered modality's, each once."""
    named = (spec.viewer_module for spec in modalities() if spec.viewer_module)
    return tuple(dict.fromkeys((FALLBACK_VIEWER_MODULE, *named)))


def load_builtin_viewers() -> list[str]:
    """Import every viewer module (once per process); return those that failed."""
    failed: list[str] = []
    for name in viewer_modules():
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Viewer module %s could not be loaded", name)
            failed.append(name)
    return failed
