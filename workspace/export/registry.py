"""Exporters by format id, one module per format (as the importers and tools register).

Each built-in format module registers its exporter when imported; :func:`exporter` loads
them on first use, each on its own, so a broken module is logged and the others still load.
Which formats a modality's items are exported in is the :class:`ModalitySpec`'s business
(:mod:`workspace.export.formats`); this registry says how each format is written.
"""

from __future__ import annotations

import importlib
import logging

from workspace.export.base import Exporter, ExportError

logger = logging.getLogger(__name__)

BUILTIN_EXPORTER_MODULES = tuple(
    f"workspace.export.{name}"
    for name in (
        "labelmap_files",
        "dicom_seg",
        "measurement_report",
        "json_report",
        "brat",
        "wfdb_annotations",
        "textgrid",
    )
)
_EXPORTERS: dict[str, Exporter] = {}
_loaded = False


def register_exporter(exporter: Exporter) -> Exporter:
    """Add ``exporter`` under its ``format_id`` (ValueError if the id is taken)."""
    if exporter.format_id in _EXPORTERS:
        raise ValueError(f"an exporter for format {exporter.format_id!r} is already registered")
    _EXPORTERS[exporter.format_id] = exporter
    return exporter


def unregister_exporter(format_id: str) -> None:
    """Remove a registration (tests, plug-in reload)."""
    _EXPORTERS.pop(format_id, None)


def load_builtin_exporters() -> list[str]:
    """Import every built-in exporter module (once per process); return those that failed."""
    global _loaded
    failed: list[str] = []
    for name in BUILTIN_EXPORTER_MODULES:
        try:
            importlib.import_module(name)
        except Exception:
            logger.exception("Exporter module %s could not be loaded", name)
            failed.append(name)
    _loaded = True
    return failed


def exporters() -> dict[str, Exporter]:
    """Every registered exporter by format id (the built-ins loaded first)."""
    if not _loaded:
        load_builtin_exporters()
    return dict(_EXPORTERS)


def exporter(format_id: str) -> Exporter:
    """The exporter of ``format_id`` (ExportError if none is registered)."""
    found = exporters().get(format_id)
    if found is None:
        raise ExportError(f"No exporter writes {format_id!r} files.")
    return found


def result_files() -> dict[str, str]:
    """Format id → file name, for the formats written from a result's annotations alone."""
    return {fmt: e.result_file for fmt, e in exporters().items() if e.result_file is not None}
