"""Waveform annotations as CSV: one row per point or interval, in samples and in seconds.

Columns (a header row first, UTF-8, RFC 4180 quoting):

========== =====================================================================
kind       ``point`` or ``interval``
label      the class name
start_sample  a point's sample, an interval's first sample (0 = the record's first)
end_sample    an interval's end sample, exclusive (empty for a point)
start_s    ``start_sample / fs`` (for reading by eye; the samples are authoritative)
end_s      ``end_sample / fs`` (empty for a point)
channel    the signal index it was seen in (0 when not given)
note       the annotation's free-text note (may be empty)
attributes its schema attributes as a JSON object (``{}`` when none)
========== =====================================================================

Seconds are printed with :func:`repr`, so they read back as the same floats.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path

from workspace.annotation_kinds.base import ATTRIBUTES, NOTE, AnnotationKindError, describe
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import channel_of, interval_samples, point_sample
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, number, record_samples, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema

COLUMNS = (
    "kind", "label", "start_sample", "end_sample", "start_s", "end_s", "channel", "note",
    "attributes",
)  # fmt: skip
CSV_SUFFIX = ".csv"


def csv_rows(
    annotations: Sequence[Annotation], *, fs: float, samples: int | None = None
) -> list[dict[str, str]]:
    """One row per point and interval, in sample order (ExportError for anything else)."""
    rows: list[tuple[int, int, dict[str, str]]] = []
    for annotation in annotations:
        if not annotation.label or not annotation.label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        try:
            if annotation.kind == POINT:
                start, end = point_sample(annotation, samples), None
            elif annotation.kind == INTERVAL:
                start, end = interval_samples(annotation, samples)
            else:
                raise ExportError(
                    f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                    "CSV export takes point and interval annotations."
                )
            channel = channel_of(annotation)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        note = annotation.data.get(NOTE)
        row = {
            "kind": annotation.kind,
            "label": annotation.label,
            "start_sample": str(start),
            "end_sample": "" if end is None else str(end),
            "start_s": repr(start / fs),
            "end_s": "" if end is None else repr(end / fs),
            "channel": str(channel),
            "note": note if isinstance(note, str) else "",
            "attributes": json.dumps(annotation.data.get(ATTRIBUTES, {}), ensure_ascii=False),
        }
        rows.append((start, -1 if end is None else end, row))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [row for _, _, row in rows]


def write_signal_csv(
    annotations: Sequence[Annotation], out: Path, *, fs: float, samples: int | None = None
) -> list[Path]:
    """Write ``out`` (``.csv``) with :data:`COLUMNS`; returns ``[out]``."""
    require_suffix(out, "CSV", (CSV_SUFFIX,))
    if not fs > 0:
        raise ExportError(f"{out.name}: the record has no valid sampling frequency ({fs}).")
    rows = csv_rows(annotations, fs=fs, samples=samples)
    try:
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class SignalCsvExporter:
    """``csv``: a record's points and intervals as a table."""

    format_id = "csv"
    result_file: str | None = "annotations.csv"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.csv``)."""
        check_schema(source.schema, source.annotations)
        meta = source.item.meta
        return write_signal_csv(
            source.annotations,
            out,
            fs=number(meta, "fs"),
            samples=record_samples(meta),
        )


register_exporter(SignalCsvExporter())
