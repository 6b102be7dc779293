"""WebVTT captions read back onto a recording (through ``webvtt-py``).

Each cue is an interval from its start to its end timing: a ``<v Speaker>`` span gives the
speaker, the cue's text (tags removed, entities decoded) its transcript unless it merely
repeats the class. The class comes from the identifier Caliper writes
(``interval:<class> <start> <end>`` or ``point:<class> <time>``, see
:mod:`workspace.export.webvtt`), else from the voice span's class, else the speaker when it is
a class, else ``other``. The identifier's exact times are used while they round to the cue's
timings (a cue whose timing was edited since keeps the edited timing); a ``point:`` cue is a
point at its time.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from workspace.annotation_import.audio_labels import duration_of, turn_label
from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
    reason,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.signal_marks import time_interval, time_point
from workspace.annotations import Annotation
from workspace.export.webvtt import VTT_SUFFIX

FORMAT = "vtt"
_TIMING = re.compile(r"(?:(\d+):)?(\d{2}):(\d{2})\.(\d{3})")
_VOICE_CLASS = re.compile(r"<v((?:\.[\w-]+)*)[\s>]")
#: How far an identifier's exact time may lie from the cue's millisecond timing.
_AGREES_S = 0.0015


def seconds(timing: str) -> float:
    """Seconds of a cue timing ``[HH:]MM:SS.mmm`` (ValueError if it is not one)."""
    match = _TIMING.fullmatch(timing.strip())
    if match is None:
        raise ValueError(f"{timing!r} is not a cue timing")
    hours, minutes, secs, millis = (int(part or 0) for part in match.groups())
    return (hours * 3600 + minutes * 60 + secs) + millis / 1000


def _identified(identifier: str | None) -> tuple[str, str, list[float]] | None:
    """``(kind, class, exact times)`` of an identifier Caliper wrote, else None."""
    if not identifier or ":" not in identifier:
        return None
    kind, _, rest = identifier.partition(":")
    count = {"interval": 2, "point": 1}.get(kind)
    if count is None:
        return None
    parts = rest.rsplit(" ", count)
    if len(parts) != count + 1 or not parts[0].strip():
        return None
    try:
        return kind, parts[0].strip(), [float(p) for p in parts[1:]]
    except ValueError:
        return None


def _exact(timing: float, exact: float) -> float:
    return exact if abs(exact - timing) <= _AGREES_S else timing


class WebVttImporter:
    """``vtt``: captions onto a recording."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """Claim ``.vtt`` files."""
        return path.suffix.lower() == VTT_SUFFIX

    def siblings(self, data_file: Path) -> list[Path]:
        """``visit.vtt`` beside ``visit.wav``."""
        candidate = data_file.with_suffix(VTT_SUFFIX)
        return [candidate] if candidate != data_file and candidate.is_file() else []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """One interval (or point) per cue."""
        import webvtt

        try:
            captions = list(webvtt.read(str(path)).captions)
        except Exception as exc:  # noqa: BLE001 - webvtt-py raises many types on a bad file
            raise AnnotationImportError(
                f"{path.name}: not a readable WebVTT file ({reason(exc)})."
            ) from None
        duration = duration_of(target)
        annotations: list[Annotation] = []
        for number, caption in enumerate(captions, start=1):
            try:
                annotations.append(self._annotation(caption, path, target, duration))
            except (ValueError, AnnotationKindError) as exc:
                raise AnnotationImportError(f"{path.name}: cue {number}: {exc}") from None
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no cues.")
        return ReadAnnotations(annotations)

    def _annotation(
        self, caption: object, path: Path, target: ImportTarget, duration: float | None
    ) -> Annotation:
        start = seconds(str(getattr(caption, "start", "")))
        end = seconds(str(getattr(caption, "end", "")))
        speaker = getattr(caption, "voice", None)
        raw = str(getattr(caption, "raw_text", ""))
        voice = _VOICE_CLASS.match(raw)
        voice_class = voice.group(1).split(".")[-1] if voice and voice.group(1) else None
        text = html.unescape(str(getattr(caption, "text", ""))).strip()
        known = _identified(getattr(caption, "identifier", None))
        named = known[1] if known else None
        label = turn_label(target, path, named, voice_class, speaker)
        data = target.data({}, path, FORMAT)
        if known is not None and known[0] == "point":
            return time_point(
                target.item.id, _exact(start, known[2][0]), label,
                duration_s=duration, data=data, author=target.user,
            )  # fmt: skip
        if known is not None:
            start, end = _exact(start, known[2][0]), _exact(end, known[2][1])
        return time_interval(
            target.item.id, start, end, label, duration_s=duration,
            speaker=speaker.strip() if speaker else None,
            text=text if text and text != label else None,
            data=data, author=target.user,
        )  # fmt: skip


register_annotation_importer(WebVttImporter())
