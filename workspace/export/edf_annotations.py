"""A record's points and intervals as an annotation-only EDF+ file, written by ``pyedflib``.

The file holds no signals, only the "EDF Annotations" channel, as EDFlib writes it (EDF+
allows this; EDFbrowser loads such a file onto the open recording with *Tools → Import
annotations → EDF+*, and pyedflib, MNE and Caliper's ``--annotations-of`` read it). Its start
date and time are the record's, so onsets line up; patient and recording fields stay empty
(no identifying data leaves with the annotations).

Each annotation is one TAL entry: onset ``sample / fs`` seconds; a point has no duration
(EDF+'s "unspecified"), an interval lasts ``(end - start) / fs``; its text is the class name,
followed by ``@@<signal label>`` when it was seen in one channel (EDFbrowser's convention), e.g.
``spike@@Fp1``. EDF+ times have a resolution of 100 µs, so every sample of a record sampled up
to 5 kHz reads back exactly (a faster record is refused rather than shifted).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotation_kinds.names import INTERVAL, POINT
from workspace.annotation_kinds.signal_marks import channel_of, interval_samples, point_sample
from workspace.annotations import Annotation
from workspace.export.base import ExportError, ExportInput, number, record_samples, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema

EDF_SUFFIX = ".edf"
CHANNEL_SEPARATOR = "@@"
#: EDF+ onsets and durations are stored in units of 100 µs.
TIME_UNITS_PER_S = 10_000

Entry = tuple[float, float, str]


def survives(sample: int, fs: float) -> bool:
    """True when ``sample / fs`` stored to EDF+'s 100 µs reads back as ``sample``."""
    return round(round(sample / fs * TIME_UNITS_PER_S) / TIME_UNITS_PER_S * fs) == sample


def edf_entries(
    annotations: Sequence[Annotation],
    *,
    fs: float,
    samples: int | None = None,
    signal_names: Sequence[str] = (),
) -> list[Entry]:
    """``(onset_s, duration_s, text)`` per annotation (duration -1: a point), by onset."""
    entries: list[Entry] = []
    for annotation in annotations:
        label = annotation.label
        if not label or not label.strip():
            raise ExportError(f"{describe(annotation)} has no label.")
        try:
            if annotation.kind == POINT:
                start, end = point_sample(annotation, samples), None
            elif annotation.kind == INTERVAL:
                start, end = interval_samples(annotation, samples)
            else:
                raise ExportError(
                    f"{describe(annotation)} is a {annotation.kind!r} annotation; "
                    "EDF+ export takes point and interval annotations."
                )
            channel = channel_of(annotation)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        for sample in (start, end):
            if sample is not None and not survives(sample, fs):
                raise ExportError(
                    f"{describe(annotation)}: sample {sample} at {fs:g} Hz cannot be stored in "
                    "EDF+'s 100 µs steps."
                )
        text = label
        if channel and channel < len(signal_names):
            text = f"{label}{CHANNEL_SEPARATOR}{signal_names[channel]}"
        elif channel:
            text = f"{label}{CHANNEL_SEPARATOR}{channel}"
        duration = -1.0 if end is None else (end - start) / fs
        entries.append((start / fs, duration, text))
    entries.sort(key=lambda e: (e[0], e[1]))
    return entries


def write_edf_annotations(
    annotations: Sequence[Annotation],
    out: Path,
    *,
    fs: float,
    samples: int | None = None,
    signal_names: Sequence[str] = (),
    start_time: datetime | None = None,
) -> list[Path]:
    """Write ``out`` (an annotation-only EDF+ ``.edf``); returns ``[out]``."""
    import pyedflib

    require_suffix(out, "EDF+", (EDF_SUFFIX,))
    if not fs > 0:
        raise ExportError(f"{out.name}: the record has no valid sampling frequency ({fs}).")
    entries = edf_entries(annotations, fs=fs, samples=samples, signal_names=signal_names)
    if not entries:
        raise ExportError("There are no annotations to write.")
    try:
        writer = pyedflib.EdfWriter(str(out), 0, file_type=pyedflib.FILETYPE_EDFPLUS)
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc})") from None
    try:
        if start_time is not None:
            writer.setStartdatetime(start_time.replace(tzinfo=None))
        for onset, duration, text in entries:
            writer.writeAnnotation(onset, duration, text)
    except (OSError, ValueError, TypeError) as exc:
        raise ExportError(f"{out}: could not be written ({exc})") from None
    finally:
        writer.close()
    return [out]


def _start_time(meta: dict[str, object]) -> datetime | None:
    text = meta.get("start_time")
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


class EdfAnnotationsExporter:
    """``edf``: a record's points and intervals as an annotation-only EDF+ file."""

    format_id = "edf"
    result_file: str | None = "annotations.edf"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.edf``)."""
        check_schema(source.schema, source.annotations)
        meta = source.item.meta
        names = meta.get("signal_names")
        return write_edf_annotations(
            source.annotations,
            out,
            fs=number(meta, "fs"),
            samples=record_samples(meta),
            signal_names=[str(n) for n in names] if isinstance(names, list) else (),
            start_time=_start_time(meta),
        )


register_exporter(EdfAnnotationsExporter())
