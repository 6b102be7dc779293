"""Waveform annotation tables (``csv``, the columns :mod:`workspace.export.signal_csv` writes).

Each row is a point or an interval. Samples are authoritative; a row that gives only seconds
(``start_s``/``end_s``, from a spreadsheet) is placed at the nearest sample of the record's
rate. ``channel``, ``note`` and ``attributes`` may be missing or empty. A file is claimed
when its header row has at least ``kind`` and ``label`` (so a CSV of signals is not).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import NOTE, AnnotationKindError
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point
from workspace.annotations import Annotation
from workspace.export.signal_csv import CSV_SUFFIX

FORMAT = "csv"
_REQUIRED = ("kind", "label")


def _header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        first = handle.readline(4096)
    return [name.strip().lower() for name in next(csv.reader([first]), [])]


class _RowError(ValueError):
    pass


def _sample(row: dict[str, str], name: str, fs: float | None) -> int | None:
    """``<name>_sample`` of ``row``, else ``<name>_s`` × fs rounded; None if both are empty."""
    text = (row.get(f"{name}_sample") or "").strip()
    if text:
        try:
            return int(text)
        except ValueError:
            raise _RowError(f"{name}_sample {text!r} is not a whole number") from None
    seconds = (row.get(f"{name}_s") or "").strip()
    if not seconds:
        return None
    if fs is None:
        raise _RowError(f"{name}_s is given but the record's sampling rate is not known")
    try:
        return round(float(seconds) * fs)
    except (ValueError, OverflowError):
        raise _RowError(f"{name}_s {seconds!r} is not a time in seconds") from None


def _row_annotation(row: dict[str, str], target: ImportTarget, path: Path) -> Annotation:
    meta = target.item.meta
    fs = float(meta["fs"]) if isinstance(meta.get("fs"), int | float) and meta["fs"] > 0 else None
    samples = meta.get("samples") if isinstance(meta.get("samples"), int) else None
    kind = (row.get("kind") or "").strip().lower()
    label = (row.get("label") or "").strip()
    start, end = _sample(row, "start", fs), _sample(row, "end", fs)
    channel_text = (row.get("channel") or "").strip()
    try:
        channel = int(channel_text) if channel_text else None
    except ValueError:
        raise _RowError(f"channel {channel_text!r} is not a whole number") from None
    attributes_text = (row.get("attributes") or "").strip()
    try:
        attributes = json.loads(attributes_text) if attributes_text else {}
    except json.JSONDecodeError:
        raise _RowError("attributes is not a JSON object") from None
    if not isinstance(attributes, dict):
        raise _RowError("attributes is not a JSON object")
    data: dict[str, Any] = target.data({}, path, FORMAT)
    note = (row.get("note") or "").strip()
    if note:
        data[NOTE] = row["note"]
    common: dict[str, Any] = {
        "samples": samples, "channel": channel or None, "schema": target.schema,
        "attributes": attributes, "data": data, "author": target.user,
    }  # fmt: skip
    if start is None:
        raise _RowError("it has no start_sample (nor start_s)")
    if kind == POINT:
        return sample_point(target.item.id, start, label, **common)
    if kind == INTERVAL:
        if end is None:
            raise _RowError("an interval needs end_sample (or end_s)")
        return sample_interval(target.item.id, start, end, label, **common)
    raise _RowError(f"kind {kind!r} is neither 'point' nor 'interval'")


class SignalCsvImporter:
    """``csv``: an annotation table onto a waveform record."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """A ``.csv`` file whose header names ``kind`` and ``label``."""
        if path.suffix.lower() != CSV_SUFFIX:
            return False
        try:
            header = _header(path)
        except (OSError, UnicodeDecodeError, csv.Error):
            return False
        return all(name in header for name in _REQUIRED)

    def siblings(self, data_file: Path) -> list[Path]:
        """None: a table is read with ``--annotations-of`` (a CSV beside may be signals)."""
        del data_file
        return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Every row of ``path`` as a point or an interval."""
        annotations: list[Annotation] = []
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                fields = [name.strip().lower() for name in reader.fieldnames or []]
                missing = [name for name in _REQUIRED if name not in fields]
                if missing:
                    raise AnnotationImportError(
                        f"{path.name}: the header has no {' or '.join(missing)} column."
                    )
                reader.fieldnames = fields
                for row in reader:
                    try:
                        annotations.append(_row_annotation(row, target, path))
                    except (_RowError, AnnotationKindError) as exc:
                        raise AnnotationImportError(
                            f"{path.name}: line {reader.line_num}: {exc}."
                            if isinstance(exc, _RowError)
                            else f"{path.name}: line {reader.line_num}: {exc}"
                        ) from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise AnnotationImportError(f"{path.name}: not a readable CSV file ({exc}).") from None
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no annotations.")
        return ReadAnnotations(annotations)


register_annotation_importer(SignalCsvImporter())
