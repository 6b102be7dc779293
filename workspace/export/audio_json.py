"""A recording's annotations as one JSON document (``json`` for audio items).

Layout (UTF-8, times in seconds as JSON numbers, which read back as the same floats)::

    {
      "format": "caliper-audio-annotations",
      "version": 1,
      "recording": {"duration_s": 5.0},
      "annotations": [
        {"id": "a1", "kind": "interval", "label": "patient", "start_s": 0.25, "end_s": 1.45,
         "speaker": "B", "transcript": "It hurts here.", "channel": 0,
         "attributes": {"language": "en"}, "note": ""},
        {"id": "a2", "kind": "point", "label": "cough", "time_s": 3.05, "channel": 0,
         "attributes": {}, "note": ""},
        {"id": "a3", "kind": "span", "label": "problem", "transcript_of": "a1",
         "fragments": [[3, 8]], "text": "hurts", "attributes": {}, "note": ""}
      ]
    }

``id`` numbers the entries of the file (``a1``, ``a2``...; not Caliper's ids). ``speaker``
and ``transcript`` are the turn's ``speaker_id`` and ``transcript`` attributes (empty when not
given), ``attributes`` the others. A ``span`` is an entity inside a turn's transcript: its
``fragments`` are code-point offsets into the transcript of the entry ``transcript_of`` (end
exclusive), ``text`` the covered text. Entries are in time order (spans after their turn).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workspace.annotation_kinds.base import ATTRIBUTES, NOTE, AnnotationKindError, describe
from workspace.annotation_kinds.names import SPAN
from workspace.annotation_kinds.signal_marks import (
    SPEAKER_ATTRIBUTE,
    TRANSCRIPT_ATTRIBUTE,
    channel_of,
    transcript,
)
from workspace.annotation_kinds.spans import TRANSCRIPT_OF, check_span, covered_text
from workspace.annotation_kinds.tier_list import without_tier_list
from workspace.annotations import Annotation
from workspace.export.audio_marks import audio_marks
from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.export.schema_check import check_schema
from workspace.export.textgrid import recording_seconds

FORMAT_NAME = "caliper-audio-annotations"
VERSION = 1
JSON_SUFFIX = ".json"


def _common(annotation: Annotation) -> dict[str, Any]:
    attributes = annotation.data.get(ATTRIBUTES, {})
    own = {
        k: v
        for k, v in (attributes if isinstance(attributes, dict) else {}).items()
        if k not in (SPEAKER_ATTRIBUTE, TRANSCRIPT_ATTRIBUTE)
    }
    note = annotation.data.get(NOTE)
    return {"attributes": own, "note": note if isinstance(note, str) else ""}


def audio_document(
    annotations: Sequence[Annotation], *, duration_s: float | None
) -> dict[str, Any]:
    """The JSON document of a recording's points, intervals and transcript spans."""
    spans = [a for a in annotations if a.kind == SPAN]
    marks = audio_marks(
        [a for a in annotations if a.kind != SPAN], duration_s=duration_s, fmt="JSON"
    )
    by_turn: dict[str, list[Annotation]] = {}
    for entity in spans:
        turn = entity.data.get(TRANSCRIPT_OF)
        if not isinstance(turn, str):
            raise ExportError(
                f"{describe(entity)} is not inside a transcript; a recording's spans index "
                "the transcript of a turn."
            )
        by_turn.setdefault(turn, []).append(entity)
    entries: list[dict[str, Any]] = []
    for mark in marks:
        annotation = mark.annotation
        entry_id = f"a{len(entries) + 1}"
        try:
            channel = channel_of(annotation)
        except AnnotationKindError as exc:
            raise ExportError(str(exc)) from None
        entry: dict[str, Any] = {"id": entry_id, "kind": annotation.kind, "label": mark.label}
        if mark.end_s is None:
            entry["time_s"] = mark.start_s
        else:
            entry.update(start_s=mark.start_s, end_s=mark.end_s)
            entry.update(speaker=mark.speaker, transcript=mark.transcript)
        entries.append({**entry, "channel": channel, **_common(annotation)})
        for entity in sorted(
            by_turn.pop(annotation.id, []), key=lambda s: str(s.data.get("start", "")).zfill(12)
        ):
            try:
                fragments = check_span(entity, transcript(annotation))
            except AnnotationKindError as exc:
                raise ExportError(str(exc)) from None
            entries.append(
                {
                    "id": f"a{len(entries) + 1}",
                    "kind": SPAN,
                    "label": entity.label,
                    "transcript_of": entry_id,
                    "fragments": [list(f) for f in fragments],
                    "text": covered_text(transcript(annotation), fragments),
                    **_common(entity),
                }
            )
    if by_turn:
        orphan = next(iter(by_turn.values()))[0]
        raise ExportError(f"{describe(orphan)} indexes the transcript of a turn that is gone.")
    recording = {} if duration_s is None else {"duration_s": duration_s}
    return {
        "format": FORMAT_NAME,
        "version": VERSION,
        "recording": recording,
        "annotations": entries,
    }


def write_audio_json(
    annotations: Sequence[Annotation], out: Path, *, duration_s: float | None = None
) -> list[Path]:
    """Write ``out`` (``.json``); returns ``[out]``."""
    require_suffix(out, "JSON", (JSON_SUFFIX,))
    document = audio_document(annotations, duration_s=duration_s)
    if not document["annotations"]:
        raise ExportError("There are no annotations to write.")
    try:
        out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", "utf-8")
    except OSError as exc:
        raise ExportError(f"{out}: could not be written ({exc.strerror or exc})") from None
    return [out]


class AudioJsonExporter:
    """``json`` for recordings: turns, events and transcript spans as one document."""

    format_id = "json"
    result_file: str | None = None  # the volume report owns ``json`` in a result's folder

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (``.json``)."""
        annotations = without_tier_list(source.annotations)
        check_schema(source.schema, annotations)
        duration = recording_seconds(source.item.meta)
        return write_audio_json(annotations, out, duration_s=duration)


register_exporter(AudioJsonExporter(), modality="audio")
