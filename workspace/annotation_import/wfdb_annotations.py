"""WFDB annotation files (``100.atr``, ``100.qrs``...) read back onto a waveform record.

Read with ``wfdb.rdann``. Rhythms are read as the MIT-BIH databases state them: a rhythm
change ``+`` with aux_note ``(AFIB`` starts an interval that lasts until the next ``+`` of its
channel, or the record's end (a ``+`` with an empty aux_note only ends the rhythm before it).
Another start event followed (same channel) by a waveform-end ``)`` whose aux_note is the
start's aux_note (or its symbol) becomes an interval, as
:mod:`workspace.export.wfdb_annotations` writes them (a ``)`` whose aux_note is a rhythm ends
that rhythm, as older files wrote it); every other event is a point. Labels come
back through the schema's WFDB codes: a beat symbol (``V``) or a rhythm (``+`` with aux_note
``(AFIB``) becomes the class coded so; a comment (``"``) becomes its aux_note; anything else
keeps its symbol (or rhythm) as label. The symbol and aux_note are kept in ``code``/``aux``.
The file's sampling frequency, when it has one, must be the record's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
    reason,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import sample_interval, sample_point
from workspace.annotations import Annotation
from workspace.export.wfdb_annotations import COMMENT_SYMBOL, END_SYMBOL, RHYTHM_SYMBOL

FORMAT = "wfdb"
#: Annotator extensions of PhysioNet databases looked for beside a record's header (not
#: ``.ann``, which is brat's).
SIBLING_ANNOTATORS = (
    "atr", "qrs", "ecg", "ari", "man", "pwave", "st", "stf", "apn", "trigger", "wabp", "wqrs",
    "sqrs", "jqrs", "gqrs", "pu", "pu0", "pu1", "event", "arousal", "resp",
)  # fmt: skip
_RECORD_NAME = re.compile(r"[-\w]+", re.ASCII)
_EXTENSION = re.compile(r"[A-Za-z][A-Za-z0-9_]*", re.ASCII)
#: Symbols whose aux_note is their label or code (not kept again as ``aux``).
_AUX_IN_LABEL = (COMMENT_SYMBOL, RHYTHM_SYMBOL)
_NOT_ANNOTATIONS = frozenset({"hea", "dat", "mat", "txt", "edf", "csv", "json", "xml", "xws"})


@dataclass
class _Event:
    sample: int
    symbol: str
    aux: str
    channel: int


def _events(path: Path) -> tuple[list[_Event], float | None]:
    import wfdb

    try:
        read = wfdb.rdann(str(path.with_suffix("")), path.suffix[1:])
        samples = [int(s) for s in read.sample]
        symbols = [str(s) for s in read.symbol]
        channels = [int(c) for c in read.chan] if read.chan is not None else [0] * len(samples)
        auxes = [str(a or "").rstrip("\x00") for a in (read.aux_note or [""] * len(samples))]
        fs = float(read.fs) if read.fs else None
    except Exception as exc:  # noqa: BLE001 - wfdb raises many types on a malformed file
        raise AnnotationImportError(
            f"{path.name}: not a readable WFDB annotation file ({reason(exc)})."
        ) from None
    events = [
        _Event(s, sym, aux, ch)
        for s, sym, aux, ch in zip(samples, symbols, auxes, channels, strict=True)
    ]
    return events, fs


def _labels(target: ImportTarget) -> dict[str, str]:
    """WFDB code → class name, from the schema."""
    return {
        c.code.code: c.name
        for c in target.schema.classes
        if c.code is not None and c.code.system.upper() == "WFDB"
    }


def _label(event: _Event, by_code: dict[str, str]) -> tuple[str, str]:
    """``(label, code)`` of a start event."""
    if event.symbol == COMMENT_SYMBOL:
        return event.aux or COMMENT_SYMBOL, ""
    code = event.aux if event.symbol == RHYTHM_SYMBOL and event.aux else event.symbol
    return by_code.get(code, code), code


def _is_rhythm(event: _Event) -> bool:
    return event.symbol == RHYTHM_SYMBOL


def _rhythm_ends(events: list[_Event], samples: int | None, name: str) -> dict[int, int]:
    """Index of each ``+`` that starts a rhythm → the sample where it ends.

    A ``)`` whose aux_note is a rhythm (``(AFIB``) ends it too, as older files wrote it.
    """
    ends: dict[int, int] = {}
    current: dict[int, int] = {}  # channel → index of its running rhythm
    for index, event in enumerate(events):
        stops = event.symbol == END_SYMBOL and event.aux.startswith("(")
        if not (_is_rhythm(event) or stops):
            continue
        running = current.pop(event.channel, None)
        if running is not None:
            ends[running] = event.sample
        if _is_rhythm(event) and event.aux:
            current[event.channel] = index
    if current and samples is None:
        raise AnnotationImportError(
            f"{name}: the record's length is not known, so its last rhythm has no end."
        )
    for index in current.values():
        ends[index] = int(samples or 0)
    return {index: end for index, end in ends.items() if end > events[index].sample}


def _pairs(events: list[_Event]) -> dict[int, int]:
    """Index of each start event → index of the ``)`` that ends it."""
    ends: dict[int, int] = {}
    open_starts: list[int] = []
    for index, event in enumerate(events):
        if _is_rhythm(event) or (event.symbol == END_SYMBOL and event.aux.startswith("(")):
            continue
        if event.symbol != END_SYMBOL:
            open_starts.append(index)
            continue
        for position in range(len(open_starts) - 1, -1, -1):
            start = events[open_starts[position]]
            if start.channel == event.channel and (start.aux or start.symbol) == event.aux:
                ends[open_starts.pop(position)] = index
                break
    return ends


class WfdbAnnotationImporter:
    """``wfdb``: an annotation file onto a WFDB record."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """A ``<record>.<annotator>`` file whose record header lies beside it."""
        extension = path.suffix[1:]
        return (
            bool(_EXTENSION.fullmatch(extension))
            and extension.lower() not in _NOT_ANNOTATIONS
            and bool(_RECORD_NAME.fullmatch(path.stem))
            and path.with_suffix(".hea").is_file()
        ) or extension.lower() in SIBLING_ANNOTATORS

    def siblings(self, data_file: Path) -> list[Path]:
        """``100.atr``, ``100.qrs``... beside the header ``100.hea``."""
        if data_file.suffix.lower() != ".hea":
            return []
        return [
            path
            for extension in SIBLING_ANNOTATORS
            if (path := data_file.with_suffix(f".{extension}")).is_file()
        ]

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Points and intervals of ``path`` on the record's samples."""
        events, fs = _events(path)
        meta = target.item.meta
        record_fs = meta.get("fs")
        if fs and isinstance(record_fs, int | float) and abs(fs - float(record_fs)) > 1e-6:
            raise AnnotationImportError(
                f"{path.name}: its sampling frequency ({fs:g} Hz) is not the record's "
                f"({float(record_fs):g} Hz)."
            )
        if not events:
            raise AnnotationImportError(f"{path.name}: holds no annotations.")
        samples = meta.get("samples") if isinstance(meta.get("samples"), int) else None
        by_code = _labels(target)
        ends = _pairs(events)
        rhythm_ends = _rhythm_ends(events, samples, path.name)
        ended = set(ends.values())
        annotations: list[Annotation] = []
        for index, event in enumerate(events):
            rhythm_marker = _is_rhythm(event) or (
                event.symbol == END_SYMBOL and event.aux.startswith("(")
            )
            if index in ended or (rhythm_marker and index not in rhythm_ends):
                continue
            label, code = _label(event, by_code)
            common: dict[str, Any] = {
                "samples": samples,
                "channel": event.channel or None,
                "code": code or None,
                "aux": None
                if event.symbol in (COMMENT_SYMBOL, RHYTHM_SYMBOL)
                else event.aux or None,
                "data": target.data({}, path, FORMAT),
                "author": target.user,
            }
            try:
                if index in ends or index in rhythm_ends:
                    end = rhythm_ends[index] if index in rhythm_ends else events[ends[index]].sample
                    annotations.append(
                        sample_interval(target.item.id, event.sample, end, label, **common)
                    )
                else:
                    annotations.append(sample_point(target.item.id, event.sample, label, **common))
            except AnnotationKindError as exc:
                raise AnnotationImportError(f"{path.name}: {exc}") from None
        return ReadAnnotations(annotations)


register_annotation_importer(WfdbAnnotationImporter())
