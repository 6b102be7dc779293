"""Each tool brings its own UI: a :class:`ToolUI` per tool, registered by its UI module.

A segmentation tool is two files: its logic in :mod:`workspace.segmentation.tools` (found by
the logic registry's package scan) and its widget half, ``viewers/volume/tools/<name>_ui.py``,
which calls :func:`register_tool_ui` with the button's title, the one-letter key, the tip, the
options page class and how the tool acts (:class:`Interaction`). The UI modules are found by a
scan of :mod:`viewers.volume.tools`, each imported on its own so a broken one is logged and
left out (as Slicer's Segment Editor loads its effects); the Tools panel, the viewer's keys and
the Help list are built from :func:`tool_uis`, so a new tool needs no edit elsewhere.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from dataclasses import dataclass
from enum import Enum

from viewers.volume.tool_options import OptionsPage
from workspace.segmentation.tools.registry import tool_ids

logger = logging.getLogger(__name__)

#: Letters the viewer and its slice views keep for themselves (W/L mode, maximise, reset,
#: slice forward and back).
RESERVED_KEYS = frozenset("WMRFB")
_UIS: dict[str, ToolUI] = {}
_FAILED: set[str] = set()


class Interaction(Enum):
    """How a chosen tool acts in the slice views."""

    STROKE = "stroke"  # a left-drag paints with the brush: the tool's apply_stroke
    CLICK = "click"  # a left-click applies the tool at the voxel clicked
    APPLY = "apply"  # the page's Apply button applies it to the edited segment
    MARKUP = "markup"  # press, drag, release place a measurement (no segment needed)


@dataclass(frozen=True)
class ToolUI:
    """The widget half of one tool; ``tool_id`` names its logic in the tool registry (the
    measurement tools, :attr:`Interaction.MARKUP`, have none)."""

    tool_id: str
    title: str
    key: str
    tip: str
    page: type[OptionsPage]
    interaction: Interaction = Interaction.APPLY
    #: Place among the buttons (built-ins: 10, 20, ...; measurement tools from 110).
    order: int = 100
    #: Previewed while chosen (the logic tool has ``preview_slice(axis, index)``); Apply, Esc
    #: and the page's Cancel put it down.
    preview: bool = False
    #: Its strokes clear voxels (the brush outline is drawn dark).
    erases: bool = False

    def __post_init__(self) -> None:
        if len(self.key) != 1 or not self.key.isalpha() or not self.key.isupper():
            raise ValueError(f"A tool's key is one capital letter, not {self.key!r}.")
        if self.key in RESERVED_KEYS:
            raise ValueError(f"The key {self.key} is the viewer's own.")


def register_tool_ui(ui: ToolUI) -> ToolUI:
    """Register ``ui`` (ValueError if its id or its key is taken)."""
    if ui.tool_id in _UIS:
        raise ValueError(f"A tool UI with id {ui.tool_id!r} is already registered.")
    taken = [other.tool_id for other in _UIS.values() if other.key == ui.key]
    if taken:
        raise ValueError(f"The key {ui.key} of {ui.tool_id!r} is taken by {taken[0]!r}.")
    _UIS[ui.tool_id] = ui
    return ui


def unregister_tool_ui(tool_id: str) -> None:
    """Remove a registration (tests, plug-in reload)."""
    _UIS.pop(tool_id, None)


def builtin_ui_modules() -> list[str]:
    """The names of the modules of :mod:`viewers.volume.tools`, in alphabetical order."""
    package = importlib.import_module("viewers.volume.tools")
    return sorted(
        f"{package.__name__}.{found.name}"
        for found in pkgutil.iter_modules(package.__path__)
        if not found.ispkg and not found.name.startswith("_")
    )


def load_tool_uis() -> list[str]:
    """Import every UI module (each once per process); return those that failed (logged)."""
    names = builtin_ui_modules()
    for name in names:
        if name in _FAILED:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Tool UI module %s could not be loaded", name)
            _FAILED.add(name)
    return [name for name in names if name in _FAILED]


def tool_uis() -> list[ToolUI]:
    """The registered tool UIs in button order; one whose logic tool is missing is logged and
    left out."""
    load_tool_uis()
    known = set(tool_ids())
    usable = []
    for ui in _UIS.values():
        if ui.interaction is not Interaction.MARKUP and ui.tool_id not in known:
            logger.error("Tool UI %s has no registered tool; left out", ui.tool_id)
            continue
        usable.append(ui)
    return sorted(usable, key=lambda ui: (ui.order, ui.tool_id))


def tool_ui(tool_id: str) -> ToolUI:
    """The UI registered as ``tool_id`` (KeyError if none)."""
    load_tool_uis()
    return _UIS[tool_id]


def markup_tool_ids() -> tuple[str, ...]:
    """The measurement tools' ids (:attr:`Interaction.MARKUP`), in button order."""
    return tuple(ui.tool_id for ui in tool_uis() if ui.interaction is Interaction.MARKUP)
