"""Segmentation tools, one file each, registered by id (see :mod:`.registry`).

Each tool follows one lifecycle: ``activate(context)``, ``options`` (a frozen dataclass the
widget replaces), ``apply(at) -> command or None`` (the caller pushes it; a drag goes to
``apply_stroke``), ``deactivate()``. Every module of this package is found by the registry's
scan; a tool's widget half is its module in ``viewers/volume/tools/``.
"""
