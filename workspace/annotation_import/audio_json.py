"""Caliper's audio JSON (:mod:`workspace.export.audio_json`) read back onto a recording.

Intervals and points are checked against the schema and the recording's length; a span is
rebuilt inside the transcript of the turn its ``transcript_of`` names (offsets and text
checked against that transcript). Unknown ``kind``\\s, a wrong ``format`` marker or a newer
``version`` are refused by name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from workspace.annotation_import.audio_labels import duration_of
from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.annotation_kinds.base import NOTE, AnnotationKindError
from workspace.annotation_kinds.names import INTERVAL, POINT, SPAN
from workspace.annotation_kinds.signal_marks import time_interval, time_point, transcript
from workspace.annotation_kinds.spans import span
from workspace.annotations import Annotation
from workspace.export.audio_json import FORMAT_NAME, JSON_SUFFIX, VERSION

FORMAT = "json"
_SNIFF_BYTES = 512


def _entries(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AnnotationImportError(f"{path.name}: not a readable JSON file ({exc}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise AnnotationImportError(f"{path.name}: not a {FORMAT_NAME} document.")
    version = document.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise AnnotationImportError(
            f"{path.name}: version {version!r} is not one this Caliper reads (up to {VERSION})."
        )
    entries = document.get("annotations")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise AnnotationImportError(f"{path.name}: 'annotations' is not a list of objects.")
    return entries


def _common(entry: dict[str, Any], target: ImportTarget, path: Path) -> dict[str, Any]:
    attributes = entry.get("attributes", {})
    if not isinstance(attributes, dict):
        raise AnnotationKindError("'attributes' is not an object.")
    data = target.data({}, path, FORMAT)
    note = entry.get("note")
    if isinstance(note, str) and note.strip():
        data[NOTE] = note
    return {"schema": target.schema, "attributes": attributes, "data": data, "author": target.user}


def _text(entry: dict[str, Any], key: str) -> str | None:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise AnnotationKindError(f"{key!r} is not text.")
    return value or None


class AudioJsonImporter:
    """``json`` for recordings: Caliper's audio annotation document."""

    format_id = FORMAT

    def claims(self, path: Path) -> bool:
        """A ``.json`` file whose start names the format."""
        if path.suffix.lower() != JSON_SUFFIX:
            return False
        try:
            with path.open("rb") as handle:
                return FORMAT_NAME.encode() in handle.read(_SNIFF_BYTES)
        except OSError:
            return False

    def siblings(self, data_file: Path) -> list[Path]:
        """None: a JSON file is read with ``--annotations-of``."""
        del data_file
        return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """Every entry of ``path``."""
        duration = duration_of(target)
        item_id = target.item.id
        turns: dict[str, Annotation] = {}
        annotations: list[Annotation] = []
        for number, entry in enumerate(_entries(path), start=1):
            kind, label = entry.get("kind"), entry.get("label")
            try:
                if not isinstance(label, str):
                    raise AnnotationKindError("'label' is not text.")
                common = _common(entry, target, path)
                if kind == INTERVAL:
                    made = time_interval(
                        item_id, entry.get("start_s"), entry.get("end_s"), label,  # type: ignore[arg-type]
                        duration_s=duration, speaker=_text(entry, "speaker"),
                        text=_text(entry, "transcript"), channel=entry.get("channel") or None,
                        **common,
                    )  # fmt: skip
                    turns[str(entry.get("id"))] = made
                elif kind == POINT:
                    made = time_point(
                        item_id, entry.get("time_s"), label,  # type: ignore[arg-type]
                        duration_s=duration, channel=entry.get("channel") or None, **common,
                    )  # fmt: skip
                elif kind == SPAN:
                    turn = turns.get(str(entry.get("transcript_of")))
                    if turn is None:
                        raise AnnotationKindError(
                            f"'transcript_of' {entry.get('transcript_of')!r} names no turn "
                            "before it."
                        )
                    fragments = entry.get("fragments")
                    if not isinstance(fragments, list):
                        raise AnnotationKindError("'fragments' is not a list of [start, end].")
                    made = span(
                        item_id, transcript(turn), fragments, label,
                        transcript_of=turn.id, **common,
                    )  # fmt: skip
                    if entry.get("text") not in (None, made.data["text"]):
                        raise AnnotationKindError(
                            f"its text {entry.get('text')!r} differs from the transcript "
                            f"({made.data['text']!r})."
                        )
                else:
                    raise AnnotationKindError(f"kind {kind!r} is not interval, point or span.")
            except AnnotationKindError as exc:
                raise AnnotationImportError(f"{path.name}: entry {number}: {exc}") from None
            annotations.append(made)
        if not annotations:
            raise AnnotationImportError(f"{path.name}: holds no annotations.")
        return ReadAnnotations(annotations)


register_annotation_importer(AudioJsonImporter(), modality="audio")
