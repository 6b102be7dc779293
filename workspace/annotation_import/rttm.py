"""RTTM speaker turns and non-speech events read back onto a recording.

Each ``SPEAKER`` line gives an interval from its onset for its duration, with the name field
as ``speaker_id``; its class is the speaker type field when the schema knows it (as
:mod:`workspace.export.rttm` writes it), else the name when it is a class, else ``other``.
A ``NON-LEX``, ``NON-SPEECH`` or ``LEXEME`` line whose type and subtype
:data:`~workspace.export.rttm.EVENT_TYPES` gives an event (``NON-LEX laugh``: ``laughter``...)
is an interval of that event, with its name field as ``speaker_id`` if the schema lets the
event name a speaker; when the
schema has no such class the line is skipped, like words (``LEXEME lex``), metadata types
(``SPKR-INFO``, ``SEGMENT``...), blank lines and ``;;`` comments. Times must lie inside the
recording.
"""

from __future__ import annotations

import math
from pathlib import Path

from workspace.annotation_import.audio_labels import duration_of, turn_label
from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import SPEAKER_ATTRIBUTE, time_interval
from workspace.annotations import Annotation
from workspace.export.rttm import EVENT_TYPES, NOT_GIVEN, RTTM_SUFFIX, SPEAKER_TYPE

FORMAT = "rttm"
_FIELDS = 10
_EVENTS = {rttm: label for label, rttm in EVENT_TYPES.items()}


def _seconds(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"its {what} {text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"its {what} {text!r} is not a number of seconds")
    return value


def _takes_speaker(target: ImportTarget, label: str) -> bool:
    """Whether the schema lets an event of ``label`` name its speaker."""
    return any(a.name == SPEAKER_ATTRIBUTE for a in target.schema.attributes_for(label))


class RttmImporter:
    """``rttm``: speaker turns onto a recording."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.rttm`` files."""
        return path.suffix.lower() == RTTM_SUFFIX

    def siblings(self, data_file: Path) -> list[Path]:
        """``visit.rttm`` beside ``visit.wav``."""
        candidate = data_file.with_suffix(RTTM_SUFFIX)
        return [candidate] if candidate != data_file and candidate.is_file() else []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """One interval per ``SPEAKER`` line."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AnnotationImportError(f"{path.name}: not a readable RTTM file ({exc}).") from None
        duration = duration_of(target)
        annotations: list[Annotation] = []
        for number, line in enumerate(text.splitlines(), start=1):
            fields = line.split()
            if not fields or fields[0].startswith(";;"):
                continue
            event = _EVENTS.get((fields[0], fields[6])) if len(fields) > 6 else None
            if fields[0] != SPEAKER_TYPE and (
                event is None or event not in target.schema.class_names
            ):
                continue
            try:
                if len(fields) < _FIELDS - 1:
                    raise ValueError(
                        f"a {fields[0]} line has {_FIELDS} fields, this one {len(fields)}"
                    )
                onset = _seconds(fields[3], "onset")
                length = _seconds(fields[4], "duration")
                stype, speaker = fields[6], fields[7]
                if event is not None:
                    label = event
                    if speaker == NOT_GIVEN or not _takes_speaker(target, label):
                        speaker = ""
                else:
                    label = turn_label(target, path, stype if stype != NOT_GIVEN else None, speaker)
                annotations.append(
                    time_interval(
                        target.item.id,
                        onset,
                        onset + length,
                        label,
                        duration_s=duration,
                        speaker=speaker or None,
                        data=target.data({}, path, FORMAT),
                        author=target.user,
                    )
                )
            except (ValueError, AnnotationKindError) as exc:
                raise AnnotationImportError(f"{path.name}: line {number}: {exc}") from None
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no SPEAKER or event lines.")
        return ReadAnnotations(annotations)


register_annotation_importer(RttmImporter())
