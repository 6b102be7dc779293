"""Exporters by format id, one module per format (as the importers and tools register).

Each built-in format module registers its exporter when imported; :func:`exporter` loads
them on first use, each on its own, so a broken module is logged and the others still load.
Which formats a modality's items are exported in is the :class:`ModalitySpec`'s business
(:mod:`workspace.export.formats`); this registry says how each format is written. A format
that two modalities write differently (``json``: a volume's report, a recording's turns) has
one exporter per modality, registered with ``modality=``; it wins for items of that modality.
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
        "bioc",
        "text_jsonl",
        "wfdb_annotations",
        "textgrid",
        "signal_csv",
        "edf_annotations",
        "rttm",
        "webvtt",
        "audio_json",
        "deid_text",
        "geojson",
        "dicom_ann",
    )
)
_EXPORTERS: dict[str, Exporter] = {}
_MODALITY_EXPORTERS: dict[tuple[str, str], Exporter] = {}
_loaded = False


def register_exporter(exporter: Exporter, *, modality: str | None = None) -> Exporter:
    """Add ``exporter`` under its ``format_id`` — for items of ``modality`` only, if given
    (ValueError if the id, or the id for that modality, is taken)."""
    if modality is not None:
        if (exporter.format_id, modality) in _MODALITY_EXPORTERS:
            raise ValueError(
                f"an exporter for format {exporter.format_id!r} of {modality} items is "
                "already registered"
            )
        _MODALITY_EXPORTERS[exporter.format_id, modality] = exporter
        return exporter
    if exporter.format_id in _EXPORTERS:
        raise ValueError(f"an exporter for format {exporter.format_id!r} is already registered")
    _EXPORTERS[exporter.format_id] = exporter
    return exporter


def unregister_exporter(format_id: str, *, modality: str | None = None) -> None:
    """Remove a registration (tests, plug-in reload)."""
    if modality is not None:
        _MODALITY_EXPORTERS.pop((format_id, modality), None)
    else:
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


def exporter(format_id: str, modality: str | None = None) -> Exporter:
    """The exporter of ``format_id`` for items of ``modality`` (its own, else the format's;
    ExportError if none is registered)."""
    found = exporters().get(format_id)
    if modality is not None:
        found = _MODALITY_EXPORTERS.get((format_id, modality), found)
    if found is None:
        raise ExportError(f"No exporter writes {format_id!r} files.")
    return found


def result_files() -> dict[str, str]:
    """Format id → file name, for the formats written from a result's annotations alone."""
    return {fmt: e.result_file for fmt, e in exporters().items() if e.result_file is not None}
