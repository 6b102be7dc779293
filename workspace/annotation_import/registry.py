"""Annotation importers by format id, one module per format (as the exporters register).

The built-in modules are imported on first use, each on its own: a broken one is logged and
the others still load. A format that two modalities read differently (``json``) has one
importer per modality, registered with ``modality=``; it wins for items of that modality.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from workspace.annotation_import.base import AnnotationImporter, AnnotationImportError
from workspace.modalities import modality as modality_spec

logger = logging.getLogger(__name__)

BUILTIN_IMPORTER_MODULES = tuple(
    f"workspace.annotation_import.{name}"
    for name in (
        "brat",
        "bioc",
        "text_jsonl",
        "wfdb_annotations",
        "textgrid",
        "labelmaps",
        "signal_csv",
        "edf_annotations",
        "rttm",
        "webvtt",
        "audio_json",
        "geojson",
    )
)
_IMPORTERS: dict[str, AnnotationImporter] = {}
_MODALITY_IMPORTERS: dict[tuple[str, str], AnnotationImporter] = {}
_loaded = False


def register_annotation_importer(
    importer: AnnotationImporter, *, modality: str | None = None
) -> AnnotationImporter:
    """Add ``importer`` under its ``format_id`` — for items of ``modality`` only, if given
    (ValueError if the id, or the id for that modality, is taken)."""
    if modality is not None:
        if (importer.format_id, modality) in _MODALITY_IMPORTERS:
            raise ValueError(
                f"an annotation importer for format {importer.format_id!r} of {modality} "
                "items is already registered"
            )
        _MODALITY_IMPORTERS[importer.format_id, modality] = importer
        return importer
    if importer.format_id in _IMPORTERS:
        raise ValueError(
            f"an annotation importer for format {importer.format_id!r} is already registered"
        )
    _IMPORTERS[importer.format_id] = importer
    return importer


def unregister_annotation_importer(format_id: str, *, modality: str | None = None) -> None:
    """Remove a registration (tests, plug-in reload)."""
    if modality is not None:
        _MODALITY_IMPORTERS.pop((format_id, modality), None)
    else:
        _IMPORTERS.pop(format_id, None)


def annotation_importers() -> dict[str, AnnotationImporter]:
    """Every registered annotation importer by format id (the built-ins loaded first)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for name in BUILTIN_IMPORTER_MODULES:
            try:
                importlib.import_module(name)
            except Exception:
                logger.exception("Annotation importer module %s could not be loaded", name)
    return dict(_IMPORTERS)


def annotation_importer(fmt: str, modality: str) -> AnnotationImporter | None:
    """The importer of format ``fmt`` for items of ``modality`` (None if there is none)."""
    found = annotation_importers().get(fmt)
    return _MODALITY_IMPORTERS.get((fmt, modality), found)


def annotation_importer_for(path: Path, modality: str) -> AnnotationImporter:
    """The importer that reads ``path`` onto an item of ``modality``.

    AnnotationImportError naming the formats that do fit, if none claims the file.
    """
    fitting = _fitting(modality)
    for importer in fitting:
        try:
            if importer.claims(path):
                return importer
        except OSError:
            continue
    formats = ", ".join(i.format_id for i in fitting) or "none yet"
    raise AnnotationImportError(
        f"{path.name}: not an annotation file Caliper reads onto a {modality} item "
        f"(formats for {modality} items: {formats})."
    )


def sibling_annotation_files(
    modality: str, data_file: Path
) -> list[tuple[AnnotationImporter, Path]]:
    """Annotation files beside ``data_file`` that importers of ``modality`` items read."""
    found: list[tuple[AnnotationImporter, Path]] = []
    for importer in _fitting(modality):
        found.extend((importer, path) for path in importer.siblings(data_file))
    return found


def _fitting(modality: str) -> list[AnnotationImporter]:
    """The importers of the formats items of ``modality`` are exported in."""
    formats = modality_spec(modality).export_formats
    found = (annotation_importer(fmt, modality) for fmt in formats)
    return [importer for importer in found if importer is not None]
