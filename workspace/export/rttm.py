"""A recording's speaker turns and non-speech events as RTTM (Rich Transcription Time Marked),
as diarisation tools (``pyannote``, ``dscore``, NIST md-eval) read it.

One line per turn or event, in time order, ten fields parted by a space::

    SPEAKER <file id> 1 <onset s> <duration s> <NA> <class> <speaker> <NA> <NA>
    NON-LEX <file id> 1 <onset s> <duration s> <NA> laugh <speaker or NA> <NA> <NA>

The file id is the output file's stem; for a turn the speaker type field (``stype``) holds its
class (``clinician``, ``patient``...) and the name field its ``speaker_id``. An event becomes
the type and subtype the NIST RTTM specification (v13) gives it (:data:`EVENT_TYPES`):
laughter, a cough or crying a ``NON-LEX`` (a speaker's non-lexical sound: ``laugh``,
``cough``, ``other``), background noise a ``NON-SPEECH`` ``noise``, inaudible speech a
``LEXEME`` ``un-lex`` (an unintelligible word); its name field is its speaker when it has one.
Diarisation tools read the ``SPEAKER`` lines only, so events do not disturb them. Onsets and
durations are printed with :func:`repr`, each duration chosen so that onset + duration gives
the end back exactly. A point, an interval without a speaker that is no such event, or a
speaker name with white space (a field cannot hold it) is refused by name (export those as
``textgrid``, ``vtt`` or ``json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workspace.annotation_kinds.base import describe
from workspace.annotation_kinds.tier_list import without_tier_list
from workspace.annotations import Annotation
from workspace.export.audio_marks import audio_marks, exact_duration
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.export.textgrid import recording_seconds

RTTM_SUFFIX = ".rttm"
NOT_GIVEN = "<NA>"
SPEAKER_TYPE = "SPEAKER"
#: Event classes and the RTTM ``(type, subtype)`` the NIST specification gives them.
EVENT_TYPES: dict[str, tuple[str, str]] = {
    "laughter": ("NON-LEX", "laugh"),
    "cough": ("NON-LEX", "cough"),
    "crying": ("NON-LEX", "other"),
    "background_noise": ("NON-SPEECH", "noise"),
    "inaudible": ("LEXEME", "un-lex"),
}


def _field(value: str) -> str:
    return "_".join(value.split()) or NOT_GIVEN


def rttm_lines(
    annotations: Sequence[Annotation], *, file_id: str, duration_s: float | None = None
) -> list[str]:
    """The RTTM lines of the speaker turns and events (ExportError for anything else)."""
    lines: list[str] = []
    for mark in audio_marks(annotations, duration_s=duration_s, fmt="RTTM"):
        event = EVENT_TYPES.get(mark.label)
        if mark.end_s is None or (not mark.speaker and event is None):
            what = "a point" if mark.end_s is None else "an interval without a speaker"
            raise ExportError(
                f"{describe(mark.annotation)} is {what}; RTTM holds speaker turns and the "
                f"events {', '.join(EVENT_TYPES)} as intervals only (export it as textgrid, "
                "vtt or json)."
            )
        if len(mark.speaker.split()) > 1 or len(mark.label.split()) != 1:
            raise ExportError(
                f"{describe(mark.annotation)}: its speaker {mark.speaker!r} or class has white "
                "space, which an RTTM field cannot hold."
            )
        kind, subtype = event if event is not None else (SPEAKER_TYPE, mark.label)
        duration = exact_duration(mark.start_s, mark.end_s)
        lines.append(
            f"{kind} {file_id} 1 {mark.start_s!r} {duration!r} {NOT_GIVEN} {subtype} "
            f"{mark.speaker or NOT_GIVEN} {NOT_GIVEN} {NOT_GIVEN}"
        )
    return lines


def write_rttm(
    annotations: Sequence[Annotation], out: Path, *, duration_s: float | None = None
) -> list[Path]:
    """Write ``out`` (``.rttm``); returns ``[out]``."""
    require_suffix(out, "RTTM", (RTTM_SUFFIX,))
    lines = rttm_lines(annotations, file_id=_field(out.stem), duration_s=duration_s)
    if not lines:
        raise ExportError("There are no speaker turns or events to write.")
    try:
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class RttmExporter:
    """``rttm``: a recording's speaker turns (and non-speech events) for diarisation tools."""

    format_id = "rttm"
    result_file: str | None = "annotations.rttm"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.rttm``)."""
        annotations = without_tier_list(source.annotations)
        check_schema(source.schema, annotations)
        duration = recording_seconds(source.item.meta)
        return write_rttm(annotations, out, duration_s=duration)


register_exporter(RttmExporter())
