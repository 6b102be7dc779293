"""A recording's speaker turns as RTTM (Rich Transcription Time Marked), as diarisation tools
(``pyannote``, ``dscore``, NIST md-eval) read it.

One line per turn, in time order, ten fields parted by a space::

    SPEAKER <file id> 1 <onset s> <duration s> <NA> <class> <speaker> <NA> <NA>

The file id is the output file's stem; the speaker type field (``stype``) holds the turn's
class (``clinician``, ``patient``...) and the name field its ``speaker_id``. Onsets and
durations are printed with :func:`repr`, each duration chosen so that onset + duration gives
the turn's end back exactly. RTTM holds speaker turns only: a point, or an interval without a
speaker, is refused by name (export those as ``textgrid``, ``vtt`` or ``json``), as is a
speaker name with white space (a field cannot hold it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from workspace.annotation_kinds.base import describe
from workspace.annotations import Annotation
from workspace.export.audio_marks import audio_marks, exact_duration
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.export.textgrid import recording_seconds

RTTM_SUFFIX = ".rttm"
NOT_GIVEN = "<NA>"


def _field(value: str) -> str:
    return "_".join(value.split()) or NOT_GIVEN


def rttm_lines(
    annotations: Sequence[Annotation], *, file_id: str, duration_s: float | None = None
) -> list[str]:
    """The RTTM lines of the speaker turns (ExportError for anything that is not one)."""
    lines: list[str] = []
    for mark in audio_marks(annotations, duration_s=duration_s, fmt="RTTM"):
        if mark.end_s is None or not mark.speaker:
            what = "a point" if mark.end_s is None else "an interval without a speaker"
            raise ExportError(
                f"{describe(mark.annotation)} is {what}; RTTM holds speaker turns only "
                "(export it as textgrid, vtt or json)."
            )
        if len(mark.speaker.split()) != 1 or len(mark.label.split()) != 1:
            raise ExportError(
                f"{describe(mark.annotation)}: its speaker {mark.speaker!r} or class has white "
                "space, which an RTTM field cannot hold."
            )
        duration = exact_duration(mark.start_s, mark.end_s)
        lines.append(
            f"SPEAKER {file_id} 1 {mark.start_s!r} {duration!r} {NOT_GIVEN} {mark.label} "
            f"{mark.speaker} {NOT_GIVEN} {NOT_GIVEN}"
        )
    return lines


def write_rttm(
    annotations: Sequence[Annotation], out: Path, *, duration_s: float | None = None
) -> list[Path]:
    """Write ``out`` (``.rttm``); returns ``[out]``."""
    require_suffix(out, "RTTM", (RTTM_SUFFIX,))
    lines = rttm_lines(annotations, file_id=_field(out.stem), duration_s=duration_s)
    if not lines:
        raise ExportError("There are no speaker turns to write.")
    try:
        out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class RttmExporter:
    """``rttm``: a recording's speaker turns for diarisation tools."""

    format_id = "rttm"
    result_file: str | None = "annotations.rttm"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.rttm``)."""
        check_schema(source.schema, source.annotations)
        duration = recording_seconds(source.item.meta)
        return write_rttm(source.annotations, out, duration_s=duration)


register_exporter(RttmExporter())
