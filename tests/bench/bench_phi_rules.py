"""Recall and precision of the PHI rules on the synthetic notes in ``tests/data/phi_notes``.

A gold span is found when a candidate of the same label overlaps it (lenient, as the i2b2
de-identification evaluations also report); exact counts need the same offsets too. Figures
are per label and per finer Safe Harbor type (a candidate's type is the gold span's it
overlaps, else its rule's). Run: ``python -m tests.bench.bench_phi_rules``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from workspace.text_rules.phi import PhiCandidate, find_phi

NOTES = Path(__file__).resolve().parents[1] / "data" / "phi_notes"
#: The finer gold types counted together (a fax number is a phone number).
TYPE_GROUPS = {"fax": "phone", "device": "id", "vehicle": "id"}


@dataclass
class Score:
    """Counts of one label or type."""

    gold: int = 0
    found: int = 0  # gold spans overlapped by a candidate of the same label
    exact: int = 0  # gold spans matched offset for offset
    predicted: int = 0
    correct: int = 0  # candidates overlapping a gold span of the same label

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0


@dataclass
class Scores:
    """Scores by label and by type."""

    labels: dict[str, Score] = field(default_factory=dict)
    types: dict[str, Score] = field(default_factory=dict)

    def of(self, label: str, kind: str) -> list[Score]:
        kind = TYPE_GROUPS.get(kind, kind)
        return [self.labels.setdefault(label, Score()), self.types.setdefault(kind, Score())]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gold_spans(note: Path) -> list[dict]:
    """The gold spans of ``note`` (its ``.json`` beside it)."""
    return json.loads(note.with_suffix(".json").read_text(encoding="utf-8"))["spans"]


def score_note(text: str, gold: list[dict], scores: Scores) -> list[PhiCandidate]:
    """Add one note's counts to ``scores``; returns its candidates."""
    candidates = find_phi(text)
    for span in gold:
        where = (span["start"], span["end"])
        hits = [
            c for c in candidates if c.label == span["label"] and _overlaps(where, (c.start, c.end))
        ]
        for score in scores.of(span["label"], span["type"]):
            score.gold += 1
            score.found += bool(hits)
            score.exact += any((c.start, c.end) == where for c in hits)
    for candidate in candidates:
        where = (candidate.start, candidate.end)
        hit = [
            g
            for g in gold
            if g["label"] == candidate.label and _overlaps(where, (g["start"], g["end"]))
        ]
        for score in scores.of(candidate.label, hit[0]["type"] if hit else candidate.type):
            score.predicted += 1
            score.correct += bool(hit)
    return candidates


def measure(notes: Path = NOTES) -> Scores:
    """Scores of the rules over every note in ``notes``."""
    scores = Scores()
    for note in sorted(notes.glob("*.txt")):
        score_note(note.read_text(encoding="utf-8"), gold_spans(note), scores)
    return scores


def _table(title: str, rows: dict[str, Score]) -> list[str]:
    lines = [f"{title:<16}{'gold':>6}{'recall':>8}{'exact':>8}{'precision':>11}"]
    for name, s in sorted(rows.items()):
        exact = s.exact / s.gold if s.gold else 1.0
        lines.append(f"{name:<16}{s.gold:>6}{s.recall:>8.2f}{exact:>8.2f}{s.precision:>11.2f}")
    return lines


def main() -> None:
    """Print recall and precision per label and per type, on both note sets."""
    for title, notes in (("development", NOTES), ("held-out", NOTES / "heldout")):
        scores = measure(notes)
        count = len(list(notes.glob("*.txt")))
        print(f"PHI rules on {count} {title} notes (lenient overlap; 'exact' = same offsets)")
        print("\n".join(_table("label", scores.labels)))
        print("\n".join(_table("type", scores.types)))
        print()


if __name__ == "__main__":
    main()
