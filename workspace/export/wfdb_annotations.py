"""Waveform annotations as a WFDB annotation file (``record.atr``), written by ``wfdb.wrann``.

Points and intervals in samples are laid out as :mod:`workspace.annotation_kinds.signal_marks`
describes (``sample``; ``start``/``end``, end exclusive; optional ``channel``, else 0). The
schema maps labels to WFDB codes (``code.system == "WFDB"``; else a code kept from an imported
file is used): a beat code such as ``V`` is the annotation symbol. A label with no WFDB code
becomes a comment annotation (``"``) whose aux_note is the label.

Rhythms are written as in the MIT-BIH databases, so that PhysioNet tools read them as meant:
an interval whose code is a rhythm (``(AFIB``) is a rhythm change ``+`` at its start whose
aux_note is the code, and the rhythm lasts until the next ``+`` of its channel (or the record's
end). No end marker is written when the next rhythm starts where one ends, or at the record's
end; where a rhythm ends before anything else is stated (a gap) a ``+`` with an empty aux_note
is written — "rhythm not stated from here". Rhythms of one channel must not overlap.

Any other interval (noise, an artefact) gets a waveform-end annotation (``)``) at its end,
with the aux_note of its start (or its symbol), so that ends pair with starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import (
    CODE,
    channel_of,
    interval_samples,
    point_sample,
)
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, number, record_samples
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema

RHYTHM_SYMBOL = "+"
COMMENT_SYMBOL = '"'
END_SYMBOL = ")"
#: aux_note of a ``+`` that ends a rhythm without starting another (a gap).
RHYTHM_UNSTATED = ""
_RECORD_NAME = re.compile(r"[-\w]+", re.ASCII)
_EXTENSION = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, order=True)
class WfdbEvent:
    """One row of the annotation file (``order`` puts an interval's end before a start)."""

    sample: int
    order: int
    symbol: str
    aux_note: str = ""
    channel: int = 0


def _standard_symbols() -> frozenset[str]:
    from wfdb.io.annotation import ann_label_table

    return frozenset(str(symbol) for symbol in ann_label_table["symbol"] if str(symbol).strip())


def _rhythm_events(
    rhythms: Sequence[tuple[int, int, str, int, Annotation]], samples: int | None
) -> list[WfdbEvent]:
    """``+`` changes for rhythm intervals ``(start, end, code, channel, annotation)``."""
    events: list[WfdbEvent] = []
    by_channel: dict[int, list[tuple[int, int, str, int, Annotation]]] = {}
    for rhythm in rhythms:
        by_channel.setdefault(rhythm[3], []).append(rhythm)
    for channel, runs in by_channel.items():
        runs.sort(key=lambda r: (r[0], r[1]))
        for index, (start, end, code, _, annotation) in enumerate(runs):
            following = runs[index + 1] if index + 1 < len(runs) else None
            if following is not None and following[0] < end:
                raise ExportError(
                    f"{describe(following[4])} overlaps {describe(annotation)} on channel "
                    f"{channel} ({following[0]} < {end}); WFDB rhythms follow one another "
                    "and cannot overlap."
                )
            events.append(WfdbEvent(start, 1, RHYTHM_SYMBOL, code, channel))
            if (following is None or following[0] > end) and end != samples:
                events.append(WfdbEvent(end, 0, RHYTHM_SYMBOL, RHYTHM_UNSTATED, channel))
    return events


def annotation_events(
    annotations: Sequence[Annotation],
    *,
    samples: int | None = None,
    symbols: Mapping[str, str] | None = None,
) -> list[WfdbEvent]:
    """The rows of the annotation file, in sample order."""
    standard = _standard_symbols()
    codes = symbols or {}
    events: list[WfdbEvent] = []
    rhythms: list[tuple[int, int, str, int, Annotation]] = []
    for annotation in annotations:
        label = annotation.label
        if not label or not label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        kept = annotation.data.get(CODE)
        code = codes.get(label) or (kept if isinstance(kept, str) else "")
        if code.startswith("(") and len(code) > 1:
            symbol, aux = RHYTHM_SYMBOL, code
        elif code in standard:
            symbol, aux = code, ""
        else:
            symbol, aux = COMMENT_SYMBOL, code or label
        try:
            channel = channel_of(annotation)
            if annotation.kind == POINT:
                events.append(WfdbEvent(point_sample(annotation, samples), 1, symbol, aux, channel))
                continue
            if annotation.kind != INTERVAL:
                raise ExportError(
                    f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                    "WFDB export takes point and interval annotations."
                )
            start, end = interval_samples(annotation, samples)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        if symbol == RHYTHM_SYMBOL:
            rhythms.append((start, end, aux, channel, annotation))
            continue
        events.append(WfdbEvent(start, 1, symbol, aux, channel))
        events.append(WfdbEvent(end, 0, END_SYMBOL, aux or symbol, channel))
    return sorted(events + _rhythm_events(rhythms, samples))


def write_wfdb_annotations(
    annotations: Sequence[Annotation],
    out: Path,
    *,
    fs: float,
    samples: int | None = None,
    symbols: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``out`` (``<record>.<annotator>``, e.g. ``100.atr``); returns ``[out]``.

    ``fs`` is the record's sampling frequency (stored in the file), ``samples`` its length
    (annotations past it are refused), ``symbols`` maps labels to WFDB codes.
    """
    import numpy as np
    import wfdb

    record, extension = out.stem, out.suffix.removeprefix(".")
    if not _RECORD_NAME.fullmatch(record) or not _EXTENSION.fullmatch(extension):
        raise ExportError(
            f"{out.name}: a WFDB annotation file is named <record>.<annotator>, the record "
            "name of letters, digits, '-' or '_' and the annotator of letters (e.g. 100.atr)."
        )
    if not fs > 0:
        raise ExportError(f"{out.name}: the record has no valid sampling frequency ({fs}).")
    events = annotation_events(annotations, samples=samples, symbols=symbols)
    if not events:
        raise ExportError("There are no annotations to write (a WFDB file cannot be empty).")
    try:
        wfdb.wrann(
            record,
            extension,
            np.array([e.sample for e in events], dtype=np.int64),
            symbol=[e.symbol for e in events],
            chan=np.array([e.channel for e in events], dtype=np.int64),
            aux_note=[e.aux_note for e in events],
            fs=fs,
            write_dir=str(out.parent),
        )
    except (ValueError, OSError) as exc:
        raise ExportError(f"{out}: could not be written ({exc})") from None
    return [out]


class WfdbExporter:
    """``wfdb``: points and intervals of a record as a WFDB annotation file."""

    format_id = "wfdb"
    result_file: str | None = "annotations.atr"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``<record>.<annotator>``), labels coded by the schema's WFDB codes."""
        check_schema(source.schema, source.annotations)
        symbols = {
            c.name: c.code.code
            for c in source.schema.classes
            if c.code is not None and c.code.system.upper() == "WFDB"
        }
        meta = source.item.meta
        return write_wfdb_annotations(
            source.annotations,
            out,
            fs=number(meta, "fs"),
            samples=record_samples(meta),
            symbols=symbols,
        )


register_exporter(WfdbExporter())
