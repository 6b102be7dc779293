"""Tools registered by id with a decorator that rejects a duplicate id (as glue does).

A tool is one module of this package: every module here except ``base`` and ``registry`` is
found by a scan of the package and imported on its own, so a new tool needs no edit elsewhere
and a broken one is logged while the others still load (as Slicer's Segment Editor loads its
effects). Its widget half, if it has one, is a module of :mod:`viewers.volume.tools`.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from typing import Any, TypeVar

from workspace.segmentation.tools.base import Tool

logger = logging.getLogger(__name__)

#: Modules of the package that hold no tool.
NOT_TOOLS = frozenset({"base", "registry"})
_TOOLS: dict[str, type[Tool[Any]]] = {}
_FAILED: set[str] = set()  # modules that could not be imported (logged once)
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


def builtin_tool_modules() -> list[str]:
    """The names of the tool modules of this package, in alphabetical order."""
    package = importlib.import_module(__package__ or "workspace.segmentation.tools")
    return sorted(
        f"{package.__name__}.{found.name}"
        for found in pkgutil.iter_modules(package.__path__)
        if not found.ispkg and not found.name.startswith("_") and found.name not in NOT_TOOLS
    )


def load_builtin_tools() -> list[str]:
    """Import every tool module of the package (each once per process); return those that
    failed (logged once, and left out)."""
    names = builtin_tool_modules()
    for name in names:
        if name in _FAILED:
            continue
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Segmentation tool module %s could not be loaded", name)
            _FAILED.add(name)
    return [name for name in names if name in _FAILED]


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
