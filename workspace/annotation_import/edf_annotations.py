"""EDF+/BDF+ annotations read onto a waveform record (``pyedflib``, through
:func:`workspace.waveform.edf_reader.edf_annotations`).

Reads an annotation-only EDF+ file (as :mod:`workspace.export.edf_annotations` writes it) or
any EDF+/BDF+ recording's annotations. It is also the EDF+ recording's own sibling: on import,
a record's annotations become pre-annotations of its new item, marked as read from that file.
Each entry at ``onset`` seconds becomes a point at sample ``round(onset × fs)``, or with a
duration an interval to ``round((onset + duration) × fs)`` (an entry reaching just past the
record's end stops at it). A text ``label@@signal`` is seen in that signal (its channel); a
text that names a class of the schema (in any case) takes the class's name, any other keeps
its text as label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point
from workspace.annotations import Annotation
from workspace.export.edf_annotations import CHANNEL_SEPARATOR
from workspace.waveform.record import SignalFileError

FORMAT = "edf"
EDF_SUFFIXES = (".edf", ".bdf")


def _annotations_of(path: Path) -> list[tuple[float, float, str]]:
    from workspace.waveform.edf_reader import edf_annotations

    return edf_annotations(path)


def _channel(text: str, names: list[str]) -> tuple[str, int | None]:
    """``(label text, channel)`` of ``label@@signal``."""
    label, separator, signal = text.rpartition(CHANNEL_SEPARATOR)
    if not separator or not label.strip():
        return text, None
    upper = [name.strip().upper() for name in names]
    if signal.strip().upper() in upper:
        return label, upper.index(signal.strip().upper())
    if signal.strip().isdigit():
        return label, int(signal.strip())
    return text, None


class EdfAnnotationImporter:
    """``edf``: EDF+ annotations onto a waveform record."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.edf``/``.bdf`` files."""
        return path.suffix.lower() in EDF_SUFFIXES

    def siblings(self, data_file: Path) -> list[Path]:
        """An EDF+/BDF+ recording with annotations is its own annotation file."""
        if data_file.suffix.lower() not in EDF_SUFFIXES or not data_file.is_file():
            return []
        try:
            return [data_file] if _annotations_of(data_file) else []
        except (SignalFileError, OSError):
            return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Every annotation of ``path`` on the record's samples."""
        try:
            entries = _annotations_of(path)
        except (SignalFileError, OSError) as exc:
            raise AnnotationImportError(f"{path.name}: {exc}".replace(f"{path}: ", "")) from None
        if not entries:
            raise AnnotationImportError(f"{path.name}: holds no EDF+ annotations.")
        meta = target.item.meta
        fs = meta.get("fs")
        if isinstance(fs, bool) or not isinstance(fs, int | float) or fs <= 0:
            raise AnnotationImportError(
                f"{path.name}: the record's sampling frequency is not known."
            )
        samples = meta.get("samples") if isinstance(meta.get("samples"), int) else None
        names = [str(n) for n in meta.get("signal_names", [])]
        classes = {name.upper(): name for name in target.schema.class_names}
        annotations: list[Annotation] = []
        for number, (onset, duration, text) in enumerate(entries, start=1):
            label, channel = _channel(text.strip(), names)
            label = classes.get(label.strip().upper(), label.strip())
            if not label:  # an entry without text says nothing to keep
                continue
            start = round(onset * fs)
            end = round((onset + duration) * fs) if duration > 0 else None
            if samples is not None:  # EDF+ times are rounded: one sample of slack at the end
                start = samples - 1 if start == samples and end is None else start
                end = samples if end is not None and end == samples + 1 else end
            common: dict[str, Any] = {
                "samples": samples,
                "channel": channel or None,
                "data": target.data({}, path, FORMAT),
                "author": target.user,
            }
            try:
                if end is not None and end > start:
                    annotations.append(sample_interval(target.item.id, start, end, label, **common))
                else:
                    annotations.append(sample_point(target.item.id, start, label, **common))
            except AnnotationKindError as exc:
                raise AnnotationImportError(f"{path.name}: annotation {number}: {exc}") from None
        return ReadAnnotations(annotations)


register_annotation_importer(EdfAnnotationImporter())
