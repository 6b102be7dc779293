"""A recording's turns and events as WebVTT captions (``webvtt-py``), speakers as ``<v>`` spans.

One cue per annotation, in time order. A speaker turn's text is its transcript in a voice
span, ``<v.patient S2>What was said`` (the class as the span's class when it is one word);
another interval's text is its transcript, else its class (a transcript keeps its line
breaks; one with a blank line or ``-->``, which a cue cannot hold, has its white space
collapsed). A point is a cue of one
millisecond at its time. Cue timings have millisecond precision, so each cue's identifier
keeps what they cannot: ``interval:<class> <start_s> <end_s>`` or ``point:<class> <time_s>``,
the times printed with :func:`repr` (read back exactly by
:mod:`workspace.annotation_import.webvtt` while they agree with the timings).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from workspace.annotation_kinds.tier_list import without_tier_list
from workspace.annotations import Annotation
from workspace.export.audio_marks import AudioMark, audio_marks
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.export.textgrid import recording_seconds

VTT_SUFFIX = ".vtt"
POINT_CUE_S = 0.001
_CLASS_TOKEN = re.compile(r"\w+")


def timestamp(seconds: float) -> str:
    """``HH:MM:SS.mmm`` of ``seconds`` (to the nearest millisecond)."""
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def cue_identifier(mark: AudioMark) -> str:
    """``interval:<class> <start> <end>`` or ``point:<class> <time>`` (exact times)."""
    label = " ".join(mark.label.split())
    if mark.end_s is None:
        return f"point:{label} {mark.start_s!r}"
    return f"interval:{label} {mark.start_s!r} {mark.end_s!r}"


def cue_text(mark: AudioMark) -> str:
    """What the cue shows: the transcript (in a ``<v>`` span for a speaker) or the class."""
    kept = mark.transcript
    if "-->" in kept or any(not line.strip() for line in kept.splitlines()):
        kept = " ".join(kept.split())  # a cue cannot hold a blank line or an arrow
    said = html.escape(kept or mark.label, quote=False)
    if not mark.speaker:
        return said
    voice_class = f".{mark.label}" if _CLASS_TOKEN.fullmatch(mark.label) else ""
    speaker = html.escape(" ".join(mark.speaker.split()), quote=False)
    return f"<v{voice_class} {speaker}>{said}" if mark.transcript else f"<v{voice_class} {speaker}>"


def write_webvtt(
    annotations: Sequence[Annotation], out: Path, *, duration_s: float | None = None
) -> list[Path]:
    """Write ``out`` (``.vtt``); returns ``[out]``."""
    from webvtt import Caption, WebVTT

    require_suffix(out, "WebVTT", (VTT_SUFFIX,))
    marks = audio_marks(annotations, duration_s=duration_s, fmt="WebVTT")
    if not marks:
        raise ExportError("There are no annotations to write.")
    captions = []
    for mark in marks:
        end = mark.end_s if mark.end_s is not None else mark.start_s + POINT_CUE_S
        start_text, end_text = timestamp(mark.start_s), timestamp(end)
        if end_text <= start_text:  # a turn shorter than the timings show
            end_text = timestamp(round(mark.start_s, 3) + POINT_CUE_S)
        captions.append(
            Caption(start_text, end_text, cue_text(mark), identifier=cue_identifier(mark))
        )
    try:
        WebVTT(captions=captions).save(str(out))
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class WebVttExporter:
    """``vtt``: a recording's turns as captions with speakers."""

    format_id = "vtt"
    result_file: str | None = "annotations.vtt"

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.vtt``)."""
        annotations = without_tier_list(source.annotations)
        check_schema(source.schema, annotations)
        duration = recording_seconds(source.item.meta)
        return write_webvtt(annotations, out, duration_s=duration)


register_exporter(WebVttExporter())
