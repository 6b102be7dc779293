"""Segmentation tools, one file each, registered by id (see :mod:`.registry`).

Each tool follows one lifecycle: ``activate(context)``, ``options`` (a frozen dataclass the
widget replaces), ``apply(at) -> command or None`` (the caller pushes it), ``deactivate()``.
"""
