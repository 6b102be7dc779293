"""The gold PHI spans of the synthetic notes point at the text they claim (all three sets)."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

NOTES = Path(__file__).resolve().parents[2] / "data" / "phi_notes"
FOLDERS = (NOTES, NOTES / "heldout", NOTES / "unseen")
KINDS = {
    "phi_name": {"name"},
    "phi_date": {"date"},
    "phi_age": {"age"},
    "phi_id": {"id", "device", "vehicle"},
    "phi_contact": {"phone", "fax", "email", "url", "ip"},
    "phi_location": {"location"},
    "phi_profession": {"profession"},
}
NOTE_FILES = sorted(note for folder in FOLDERS for note in folder.glob("*.txt"))


def _name(note: Path) -> str:
    return f"{note.parent.name}/{note.stem}"


def test_every_folder_has_notes() -> None:
    for folder in FOLDERS:
        assert list(folder.glob("*.txt")), folder


@pytest.mark.parametrize("note", NOTE_FILES, ids=_name)
def test_gold_spans_match_their_text(note: Path) -> None:
    text = note.read_text(encoding="utf-8")
    spans = json.loads(note.with_suffix(".json").read_text(encoding="utf-8"))["spans"]
    assert spans
    for span in spans:
        assert 0 <= span["start"] < span["end"] <= len(text), span
        assert text[span["start"] : span["end"]] == span["text"], span
        assert span["text"] == span["text"].strip(), span
        assert span["type"] in KINDS[span["label"]], span


@pytest.mark.parametrize("note", NOTE_FILES, ids=_name)
def test_gold_spans_are_sorted_and_apart(note: Path) -> None:
    spans = json.loads(note.with_suffix(".json").read_text(encoding="utf-8"))["spans"]
    for before, after in pairwise(spans):
        assert before["end"] <= after["start"], (before, after)
