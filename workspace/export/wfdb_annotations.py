"""Waveform annotations as a WFDB annotation file (``record.atr``), written by ``wfdb.wrann``.

Waveform annotations are stored in samples of the record (0 = its first sample):

- ``point`` — ``data = {"sample": int}``: a beat or any other event at one sample;
- ``interval`` — ``data = {"start": int, "end": int}``: a rhythm, noise or other stretch,
  end exclusive.

Either may carry ``"channel": int`` (the signal it was seen in, else 0). The schema maps labels
to WFDB codes (``code.system == "WFDB"``): a beat code such as ``V`` is the annotation symbol;
a rhythm code such as ``(AFIB`` is written the WFDB way, as a rhythm-change ``+`` whose
aux_note is the code. A label with no WFDB code becomes a comment annotation (``"``) whose
aux_note is the label. An interval also gets a waveform-end annotation (``)``) at its end, with
the aux_note of its start (or its symbol), so that ends pair with starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workspace.annotations import Annotation
from workspace.export.formats import annotation_name
from workspace.export.labelmap_files import ExportError

POINT = "point"
INTERVAL = "interval"
RHYTHM_SYMBOL = "+"
COMMENT_SYMBOL = '"'
END_SYMBOL = ")"
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


def _sample(annotation: Annotation, key: str, samples: int | None) -> int:
    """``data[key]`` checked: a sample of the record (an interval may end just past it)."""
    value = annotation.data.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ExportError(
            f"{annotation_name(annotation)}: {key!r} must be a sample number (an integer >= 0)."
        )
    last = None if samples is None else samples if key == "end" else samples - 1
    if last is not None and value > last:
        raise ExportError(
            f"{annotation_name(annotation)}: {key} {value} is past the end of the record "
            f"({samples} samples)."
        )
    return value


def _channel(annotation: Annotation) -> int:
    channel = annotation.data.get("channel", 0)
    if not isinstance(channel, int) or isinstance(channel, bool) or not 0 <= channel <= 255:
        raise ExportError(f"{annotation_name(annotation)}: 'channel' must be 0-255.")
    return channel


def _standard_symbols() -> frozenset[str]:
    from wfdb.io.annotation import ann_label_table

    return frozenset(str(symbol) for symbol in ann_label_table["symbol"] if str(symbol).strip())


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
    for annotation in annotations:
        label = annotation.label
        if not label or not label.strip():
            raise ExportError(f"{annotation_name(annotation)} has no label.")
        code = codes.get(label, "")
        if code.startswith("(") and len(code) > 1:
            symbol, aux = RHYTHM_SYMBOL, code
        elif code in standard:
            symbol, aux = code, ""
        else:
            symbol, aux = COMMENT_SYMBOL, code or label
        channel = _channel(annotation)
        if annotation.kind == POINT:
            sample = _sample(annotation, "sample", samples)
            events.append(WfdbEvent(sample, 1, symbol, aux, channel))
        elif annotation.kind == INTERVAL:
            start = _sample(annotation, "start", samples)
            end = _sample(annotation, "end", samples)
            if end <= start:
                raise ExportError(
                    f"{annotation_name(annotation)}: the interval ends ({end}) before it starts "
                    f"({start})."
                )
            events.append(WfdbEvent(start, 1, symbol, aux, channel))
            events.append(WfdbEvent(end, 0, END_SYMBOL, aux or symbol, channel))
        else:
            raise ExportError(
                f"{annotation_name(annotation)} is a {annotation.kind!r} annotation; "
                "WFDB export takes point and interval annotations."
            )
    return sorted(events)


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
