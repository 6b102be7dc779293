"""PHI candidates: the HIPAA Safe Harbor identifiers found by the rules in ``phi.json``.

Each rule is a regex with a label (a ``phi_*`` class of the clinical-ner schema), a finer
Safe Harbor ``type`` (``name``, ``date``, ``phone``, ``device``...), a priority and, if it
needs one, ``exclude``: lists whose words its candidate may not contain. Where
candidates overlap, the higher priority wins, then the longer. Name candidates that contain
a word of the ``not_name`` list are dropped ("Lakeview Clinic" is a place, not a person),
and once a person is named, the other mentions of their names are found too. Besides the
patterns, names are recognised by their words (:mod:`workspace.text_rules.names`, gazetteers
of given names and surnames).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from workspace.text_rules.names import NameLexicon
from workspace.text_rules.rule_files import (
    PatternExpander,
    RuleFileError,
    alternation,
    read_rule_file,
    rule_lists,
)

RULE_FILE = "phi.json"
#: Rule set id recorded on every suggestion these rules make.
RULE_SET = "phi-rules"
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
#: Priority of a name found by its words alone (below every cue rule).
NAME_WORDS_PRIORITY = 1


@dataclass(frozen=True)
class PhiRule:
    """One compiled rule; the candidate is its ``phi`` group, else the whole match."""

    id: str
    label: str
    type: str
    priority: int
    pattern: re.Pattern[str]
    exclude: frozenset[str] = frozenset()  # lower-case words the candidate may not hold


@dataclass(frozen=True)
class PhiCandidate:
    """A span of text the rules take for PHI."""

    start: int
    end: int
    label: str
    type: str
    rule: str
    text: str


@dataclass(frozen=True)
class PhiRules:
    """The compiled rule set."""

    rules: tuple[PhiRule, ...]
    not_name: frozenset[str]
    lexicon: NameLexicon

    def find(self, text: str) -> list[PhiCandidate]:
        """Every candidate in ``text``, non-overlapping, in text order."""
        found: list[tuple[int, PhiCandidate]] = []
        for rule in self.rules:
            for match in rule.pattern.finditer(text):
                start, end = match.span("phi") if "phi" in rule.pattern.groupindex else match.span()
                if start < 0 or start == end:
                    continue
                candidate = PhiCandidate(
                    start, end, rule.label, rule.type, rule.id, text[start:end]
                )
                if rule.type == "name" and not self._plausible_name(candidate.text):
                    continue
                if rule.exclude and any(
                    w.lower() in rule.exclude for w in _WORD.findall(candidate.text)
                ):
                    continue
                found.append((rule.priority, candidate))
        for start, end in self.lexicon.find(text):
            name = PhiCandidate(start, end, "phi_name", "name", "name-words", text[start:end])
            found.append((NAME_WORDS_PRIORITY, name))
        taken = bytearray(len(text))  # 1 where a chosen candidate lies
        chosen = _without_overlaps(found, taken)
        chosen += self._other_mentions(text, chosen, taken)
        return sorted(chosen, key=lambda c: (c.start, c.end))

    def _plausible_name(self, text: str) -> bool:
        words = _WORD.findall(text)
        return any(c.isalpha() for c in text) and not any(
            w.strip("'’-").lower() in self.not_name for w in words
        )

    def _other_mentions(
        self, text: str, chosen: list[PhiCandidate], taken: bytearray
    ) -> list[PhiCandidate]:
        """The other mentions of words of the names found ("Mrs Baird" after "Fiona Baird")."""
        words = {
            w
            for c in chosen
            if c.type == "name"
            for w in _WORD.findall(c.text)
            if len(w) > 2 and w.lower() not in self.not_name
        }
        if not words:
            return []
        alternatives = alternation(sorted(words))  # the longest word wins, run after run
        pattern = re.compile(rf"(?<![\w'’])(?:{alternatives})(?!\w|['’](?!s\b))")
        more: list[PhiCandidate] = []
        for match in pattern.finditer(text):
            start, end = match.span()
            if not any(taken[start:end]):
                more.append(PhiCandidate(start, end, "phi_name", "name", "repeat-name", match[0]))
                taken[start:end] = b"\x01" * (end - start)
        return more


def _without_overlaps(
    found: list[tuple[int, PhiCandidate]], taken: bytearray
) -> list[PhiCandidate]:
    """Greedy choice: higher priority first, then longer, then earlier (marks ``taken``)."""
    ordered = sorted(found, key=lambda f: (-f[0], f[1].start - f[1].end, f[1].start))
    chosen: list[PhiCandidate] = []
    for _, candidate in ordered:
        start, end = candidate.start, candidate.end
        if any(taken[start:end]):
            continue
        chosen.append(candidate)
        taken[start:end] = b"\x01" * (end - start)
    return chosen


@cache
def phi_rules() -> PhiRules:
    """The shipped rule set, read and compiled once per process."""
    document = read_rule_file(RULE_FILE)
    return compile_rules(document, rule_lists(document, RULE_FILE))


def compile_rules(document: dict[str, Any], lists: dict[str, list[str]]) -> PhiRules:
    """The rule set of a rule file's ``document`` with its word ``lists``."""
    expander = PatternExpander(RULE_FILE, lists, document.get("fragments", {}))
    rules: list[PhiRule] = []
    for number, entry in enumerate(document.get("rules", [])):
        try:
            rule_id, label, kind = entry["id"], entry["label"], entry["type"]
            pattern = expander.compile(entry["pattern"], f"rule {rule_id}")
            priority = int(entry.get("priority", 0))
            exclude = frozenset(
                word.lower() for name in entry.get("exclude", []) for word in lists[name]
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RuleFileError):
                raise
            raise RuleFileError(
                f"{RULE_FILE}: rules[{number}] needs an id, label, type and pattern "
                "(and lists it excludes that exist)."
            ) from None
        rules.append(PhiRule(rule_id, label, kind, priority, pattern, exclude))
    not_name = lists.get("not_name", [])
    lexicon = NameLexicon.of(
        lists.get("first_names", []),
        lists.get("surnames", []),
        lists.get("ambiguous_names", []) + lists.get("eponyms", []),
        not_name,
        lists.get("place_words", []),
    )
    return PhiRules(tuple(rules), frozenset(w.lower() for w in not_name), lexicon)


def find_phi(text: str) -> list[PhiCandidate]:
    """The PHI candidates in ``text`` (see :class:`PhiRules`)."""
    return phi_rules().find(text)
