"""Recall and precision of the PHI rules on the synthetic notes in ``tests/data/phi_notes``.

A gold span is found when a candidate of the same label overlaps it (lenient, as the i2b2
de-identification evaluations also report); exact counts need the same offsets too. Figures
are per label and per finer Safe Harbor type (a candidate's type is the gold span's it
overlaps, else its rule's). Run: ``python -m tests.bench.bench_phi_rules [--misses]``.

Each set is also measured *blind*: with every word of its gold names and places taken out of
the gazetteers, as if its people and towns were new to the rules (the rules have to find them
by their cues). The unseen set (``unseen/``, written by someone else after the rules) is
measured once its README says it is complete.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from workspace.text_rules.phi import (
    RULE_FILE,
    PhiCandidate,
    PhiRules,
    compile_rules,
    phi_rules,
)
from workspace.text_rules.rule_files import read_rule_file, rule_lists

NOTES = Path(__file__).resolve().parents[1] / "data" / "phi_notes"
UNSEEN = NOTES / "unseen"
#: The gazetteers emptied of a set's own names and places for its blind measure.
GAZETTEERS = ("first_names", "surnames", "ambiguous_names", "cities")
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
    misses: list[str] = field(default_factory=list)  # "note: type 'text'" of each miss
    wrong: list[str] = field(default_factory=list)  # the same of each false candidate
    seconds: float = 0.0  # time in the rules
    notes: int = 0

    def of(self, label: str, kind: str) -> list[Score]:
        kind = TYPE_GROUPS.get(kind, kind)
        return [self.labels.setdefault(label, Score()), self.types.setdefault(kind, Score())]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def gold_spans(note: Path) -> list[dict]:
    """The gold spans of ``note`` (its ``.json`` beside it)."""
    return json.loads(note.with_suffix(".json").read_text(encoding="utf-8"))["spans"]


def score_note(
    text: str, gold: list[dict], scores: Scores, rules: PhiRules | None = None, name: str = ""
) -> list[PhiCandidate]:
    """Add one note's counts to ``scores``; returns its candidates."""
    started = time.perf_counter()
    candidates = (rules or phi_rules()).find(text)
    scores.seconds += time.perf_counter() - started
    scores.notes += 1
    for span in gold:
        where = (span["start"], span["end"])
        hits = [
            c for c in candidates if c.label == span["label"] and _overlaps(where, (c.start, c.end))
        ]
        for score in scores.of(span["label"], span["type"]):
            score.gold += 1
            score.found += bool(hits)
            score.exact += any((c.start, c.end) == where for c in hits)
        if not hits:
            scores.misses.append(f"{name}: {span['type']} {span['text']!r}")
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
        if not hit:
            scores.wrong.append(f"{name}: {candidate.rule} {candidate.text!r}")
    return candidates


def measure(notes: Path = NOTES, rules: PhiRules | None = None) -> Scores:
    """Scores of the rules (the shipped ones by default) over every note in ``notes``."""
    scores = Scores()
    for note in sorted(notes.glob("*.txt")):
        text = note.read_text(encoding="utf-8")
        score_note(text, gold_spans(note), scores, rules, note.stem)
    return scores


def blind_rules(notes: Path = NOTES) -> PhiRules:
    """The shipped rules with the gazetteers emptied of every word of the gold names and
    places of ``notes``."""
    words: set[str] = set()
    for note in notes.glob("*.txt"):
        for span in gold_spans(note):
            if span["type"] in ("name", "location"):
                words.add(span["text"].lower())
                words.update(
                    w.lower() for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", span["text"])
                )
    document = read_rule_file(RULE_FILE)
    lists = rule_lists(document, RULE_FILE)
    for name in GAZETTEERS:
        lists[name] = [w for w in lists.get(name, []) if w.lower() not in words]
    return compile_rules(document, lists)


def unseen_is_complete() -> bool:
    """Whether the unseen notes' README says they are complete."""
    readme = UNSEEN / "README.md"
    return readme.is_file() and "complete" in readme.read_text(encoding="utf-8").lower()


def _table(title: str, rows: dict[str, Score]) -> list[str]:
    lines = [f"{title:<16}{'gold':>6}{'recall':>8}{'exact':>8}{'precision':>11}"]
    for name, s in sorted(rows.items()):
        exact = s.exact / s.gold if s.gold else 1.0
        lines.append(f"{name:<16}{s.gold:>6}{s.recall:>8.2f}{exact:>8.2f}{s.precision:>11.2f}")
    return lines


def _report(title: str, scores: Scores, misses: bool) -> None:
    per_note = 1000 * scores.seconds / max(scores.notes, 1)
    print(f"PHI rules on {scores.notes} {title} notes (lenient overlap; 'exact' = same offsets)")
    print("\n".join(_table("label", scores.labels)))
    print("\n".join(_table("type", scores.types)))
    print(f"time in the rules: {per_note:.2f} ms a note")
    if misses:
        print("\n".join(["missed:", *scores.misses, "wrong:", *scores.wrong]))
    print()


def main() -> None:
    """Print recall and precision per label and per type on each note set, and blind."""
    misses = "--misses" in sys.argv
    phi_rules()  # compiled once, outside the timing
    sets = [("development", NOTES), ("held-out", NOTES / "heldout")]
    if unseen_is_complete():
        sets.append(("unseen", UNSEEN))
    for title, notes in sets:
        _report(title, measure(notes), misses)
        _report(f"{title} (blind gazetteers)", measure(notes, blind_rules(notes)), misses)


if __name__ == "__main__":
    main()
