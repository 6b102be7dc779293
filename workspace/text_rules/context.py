"""ConText-style assertion hints: negated, uncertain, historical, hypothetical, family.

After Chapman, Chu and Dowling's ConText (J Biomed Inform 2009) and pyConTextNLP, rewritten
here: within a sentence, a *trigger* phrase ("denies", "history of", "mother") puts the
entities in its *scope* on a value of one axis (certainty, temporality, experiencer, as the
clinical-ner schema names them). A forward trigger's scope runs to the end of the sentence,
a *terminator* ("but", "which") or ``window`` words, whichever comes first; a backward one's
runs back as far. *Pseudo-triggers* ("no increase", "history of present illness") contain a
trigger but are not one. Where several triggers of one axis reach an entity, the nearest wins.
The rules are data: ``resources/text_rules/context.json``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from workspace.text_rules.rule_files import RuleFileError, alternation, read_rule_file

RULE_FILE = "context.json"
#: Rule set id recorded on every hint these rules make.
RULE_SET = "context-rules"
AXES = ("certainty", "temporality", "experiencer")
_SENTENCE_END = re.compile(r"[.!;:](?=\s)|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)]|[A-Z][A-Za-z /]*:))")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Trigger:
    """A trigger phrase and what it says."""

    phrase: str
    axis: str
    value: str
    direction: str  # "forward" or "backward"


@dataclass(frozen=True)
class Hint:
    """A proposed value of one axis for one entity span."""

    annotation_id: str
    axis: str
    value: str
    rule: str  # the trigger phrase


@dataclass(frozen=True)
class EntitySpan:
    """What the rules need of an entity: its id and extent in the text."""

    id: str
    start: int
    end: int


def _phrase_pattern(phrases: Sequence[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w)(?:{alternation(list(phrases))})(?!\w)", re.IGNORECASE)


@dataclass(frozen=True)
class ContextRules:
    """The compiled rules."""

    triggers: dict[tuple[str, str], list[Trigger]]  # (lower-case phrase, direction) -> triggers
    trigger_pattern: re.Pattern[str]
    pseudo_pattern: re.Pattern[str]
    terminator_pattern: re.Pattern[str]
    applies_to: frozenset[str]
    window: int

    def hints(self, text: str, entities: Sequence[EntitySpan]) -> list[Hint]:
        """The hints for ``entities`` (spans of ``text``), at most one per entity and axis."""
        found: dict[tuple[str, str], tuple[int, Hint]] = {}
        for start, end in _sentences(text):
            inside = [e for e in entities if start <= e.start and e.end <= end]
            if inside:
                self._sentence(text, start, end, inside, found)
        return [hint for _, hint in found.values()]

    def _sentence(
        self,
        text: str,
        start: int,
        end: int,
        entities: Sequence[EntitySpan],
        found: dict[tuple[str, str], tuple[int, Hint]],
    ) -> None:
        sentence = text[start:end]
        pseudo = [m.span() for m in self.pseudo_pattern.finditer(sentence)]
        stops = [m.span() for m in self.terminator_pattern.finditer(sentence)]
        for match in self.trigger_pattern.finditer(sentence):
            a, b = match.span()
            if any(p < b and a < q for p, q in pseudo):
                continue
            phrase = match[0].lower()
            for direction in ("forward", "backward"):
                triggers = self.triggers.get((phrase, direction), [])
                if not triggers:
                    continue
                low, high = self._scope(sentence, a, b, direction, stops)
                for entity in entities:
                    e_start, e_end = entity.start - start, entity.end - start
                    if not (low <= e_start and e_end <= high) or (a < e_end and e_start < b):
                        continue
                    distance = e_start - b if direction == "forward" else a - e_end
                    for trigger in triggers:
                        key = (entity.id, trigger.axis)
                        if key not in found or distance < found[key][0]:
                            hint = Hint(entity.id, trigger.axis, trigger.value, trigger.phrase)
                            found[key] = (distance, hint)

    def _scope(
        self, sentence: str, a: int, b: int, direction: str, stops: list[tuple[int, int]]
    ) -> tuple[int, int]:
        """The part of ``sentence`` a trigger at ``a..b`` reaches."""
        if direction == "forward":
            words = list(_WORD.finditer(sentence, b))
            high = words[self.window - 1].end() if len(words) >= self.window else len(sentence)
            high = min([high, *(s for s, _ in stops if s >= b)])
            return b, high
        words = [m for m in _WORD.finditer(sentence) if m.end() <= a]
        low = words[-self.window].start() if len(words) >= self.window else 0
        low = max([low, *(e for _, e in stops if e <= a)])
        return low, a


def _sentences(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each sentence (or list item, or heading-led line) of ``text``."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return [(a, b) for a, b in bounds if b > a]


@cache
def context_rules() -> ContextRules:
    """The shipped rules, read and compiled once per process."""
    document = read_rule_file(RULE_FILE)
    triggers: dict[tuple[str, str], list[Trigger]] = {}
    try:
        for entry in document["triggers"]:
            trigger = Trigger(entry["phrase"], entry["axis"], entry["value"], entry["direction"])
            if trigger.axis not in AXES or trigger.direction not in ("forward", "backward"):
                raise RuleFileError(
                    f"{RULE_FILE}: trigger {trigger.phrase!r} needs an axis of "
                    f"{', '.join(AXES)} and a direction forward or backward."
                )
            triggers.setdefault((trigger.phrase.lower(), trigger.direction), []).append(trigger)
        pseudo, stops = document["pseudo_triggers"], document["terminators"]
        applies_to, window = frozenset(document["applies_to"]), int(document["window"])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, RuleFileError):
            raise
        raise RuleFileError(f"{RULE_FILE}: the rule file is incomplete ({exc}).") from None
    return ContextRules(
        triggers=triggers,
        trigger_pattern=_phrase_pattern(sorted({p for p, _ in triggers})),
        pseudo_pattern=_phrase_pattern(pseudo),
        terminator_pattern=_phrase_pattern(stops),
        applies_to=applies_to,
        window=window,
    )


def context_hints(text: str, entities: Sequence[EntitySpan]) -> list[Hint]:
    """The assertion hints for ``entities`` in ``text`` (see :class:`ContextRules`)."""
    return context_rules().hints(text, entities)
