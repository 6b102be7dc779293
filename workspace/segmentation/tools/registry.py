"""Tools registered by id with a decorator that rejects a duplicate id (as glue does).

The built-in tools are loaded by module name, each on its own, so a broken tool is logged and
the others still load (as Slicer's Segment Editor loads its effects).
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, TypeVar

from workspace.segmentation.tools.base import Tool

logger = logging.getLogger(__name__)

BUILTIN_TOOL_MODULES = tuple(
    f"workspace.segmentation.tools.{name}"
    for name in (
        "paint",
        "erase",
        "threshold",
        "region_grow",
        "fill_between",
        "islands",
        "smoothing",
        "logical",
    )
)
_TOOLS: dict[str, type[Tool[Any]]] = {}
T = TypeVar("T", bound=type[Tool[Any]])


def register_tool(cls: T) -> T:
    """Class decorator: register ``cls`` under its ``tool_id`` (ValueError if it is taken)."""
    tool_id = cls.tool_id
    if tool_id in _TOOLS:
        existing = _TOOLS[tool_id]
        raise ValueError(
            f"A tool with id {tool_id!r} is already registered ({existing.__qualname__})."
        )
    _TOOLS[tool_id] = cls
    return cls


def unregister_tool(tool_id: str) -> None:
    """Remove a registration (tests, plug-in reload)."""
    _TOOLS.pop(tool_id, None)


def load_builtin_tools() -> list[str]:
    """Import every built-in tool module (once per process); return those that failed."""
    failed: list[str] = []
    for name in BUILTIN_TOOL_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Segmentation tool module %s could not be loaded", name)
            failed.append(name)
    return failed


def tool_ids() -> list[str]:
    """The ids of the registered tools, built-ins loaded first."""
    load_builtin_tools()
    return sorted(_TOOLS)


def tool_class(tool_id: str) -> type[Tool[Any]]:
    """The tool registered as ``tool_id`` (KeyError naming the known ids)."""
    load_builtin_tools()
    if tool_id not in _TOOLS:
        raise KeyError(f"No tool {tool_id!r}; known: {', '.join(sorted(_TOOLS))}.")
    return _TOOLS[tool_id]


def create_tool(tool_id: str) -> Tool[Any]:
    """A new, inactive instance of the tool ``tool_id`` with its default options."""
    return tool_class(tool_id)()
