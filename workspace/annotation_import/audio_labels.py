"""The class a turn read from an audio format gets, and the recording's length to check it by.

Formats that carry the class (Caliper's own files) name it; a file from another tool names
only a speaker, so the class is the first of the candidates that the schema knows, else the
schema's ``other`` class.
"""

from __future__ import annotations

from pathlib import Path

from workspace.annotation_import.base import AnnotationImportError, ImportTarget
from workspace.export.base import ExportError
from workspace.export.textgrid import recording_seconds

FALLBACK_CLASS = "other"


def turn_label(target: ImportTarget, path: Path, *candidates: str | None) -> str:
    """The first candidate that is a class of the schema, else ``other`` if it is one."""
    classes = target.schema.class_names
    for candidate in candidates:
        if candidate and candidate in classes:
            return candidate
    if FALLBACK_CLASS in classes:
        return FALLBACK_CLASS
    named = next((c for c in candidates if c), "(none)")
    raise AnnotationImportError(
        f"{path.name}: {named!r} is not a class of schema {target.schema.id}."
    )


def duration_of(target: ImportTarget) -> float | None:
    """The recording's length in seconds (None if it is not recorded)."""
    try:
        return recording_seconds(target.item.meta)
    except ExportError:
        return None
