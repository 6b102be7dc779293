"""Person names recognised by their words: runs of capitalised words that hold a known name.

The gazetteers (``given_names.txt``, ``surnames.txt`` in ``resources/text_rules/``) hold a few
thousand common given names and surnames across cultures. A run of capitalised words ("Chinedu
Okoye", "Maria de la Cruz", "JOHN SMITH") is cut at words that cannot be part of a name
(``not_name``: Hospital, Street, Monday...); a piece of it is a name when it has a known name
word, or when all of its words are name words. Words that are also ordinary words, places or
eponyms (``ambiguous``: Will, Rose, Wilson, Parkinson...) are a name only beside another name
word, so "Grace" alone or "Parkinson disease" is left alone while "Grace Okafor" is found.
Cues (titles, "Patient:", "son") are the rule file's business, not this module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UPPER = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽḀ-ỿ"
_LOWER = "a-zß-öø-ÿĀ-ſḀ-ỿ"
#: A capitalised word (O'Brien, McAllister, Ferreira-Santos), an all-capitals word, an initial.
_TOKEN = (
    rf"(?:O['’]|D['’]|Mc|Mac(?=[{_UPPER}]))?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}]?[{_LOWER}]+)*"
    rf"|[{_UPPER}](?:[{_UPPER}]|['’-](?=[{_UPPER}]))+"
    r"|[A-Z]\."
)
_PARTICLES = (
    "van",
    "von",
    "de",
    "da",
    "del",
    "della",
    "di",
    "du",
    "la",
    "le",
    "bin",
    "binti",
    "ibn",
    "al",
    "el",
    "ter",
    "ten",
    "der",
    "den",
    "dos",
    "das",
    "y",
)
_RUN = re.compile(
    rf"(?<![\w'’.-])(?:{_TOKEN})(?:(?: (?:{'|'.join(_PARTICLES)}))* (?:{_TOKEN}))*"
    rf"(?![\w-]|['’](?!s\b))"
)
_WORD = re.compile(rf"{_TOKEN}|\S+")
#: Words after which capitalised words are a place, not a person ("St Mary's", "Mount Sinai").
_PLACE_PREFIXES = frozenset(
    {"st", "saint", "mt", "mount", "fort", "ft", "lake", "port", "san", "santa", "los", "las"}
)
#: More than this many words in a row is a heading in title case, not a name.
_MOST_WORDS = 4


@dataclass(frozen=True)
class NameLexicon:
    """The name gazetteers, lower-cased."""

    given: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]
    not_name: frozenset[str]
    place_words: frozenset[str]  # "Okoye Hospital", "Harlow Street": a place, not a person

    @classmethod
    def of(
        cls,
        given: list[str],
        surnames: list[str],
        ambiguous: list[str],
        not_name: list[str],
        place_words: list[str] | None = None,
    ) -> NameLexicon:
        """A lexicon of these word lists (any case)."""

        def lower(words: list[str]) -> frozenset[str]:
            return frozenset(w.lower() for w in words)

        return cls(
            lower(given),
            lower(surnames),
            lower(ambiguous),
            lower(not_name),
            lower(place_words or []),
        )

    def is_name_word(self, word: str) -> bool:
        """Whether ``word`` is a known given name or surname (ambiguous or not)."""
        lower = word.lower()
        return lower in self.given or lower in self.surnames

    def find(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of the names in ``text`` that their words show."""
        found: list[tuple[int, int]] = []
        for run in _RUN.finditer(text):
            if text[max(0, run.start() - 4) : run.start()].rstrip().rstrip(".") in ("St", "Mt"):
                continue
            words = [
                (m.start() + run.start(), m.end() + run.start(), m[0])
                for m in _WORD.finditer(run[0])
            ]
            piece: list[tuple[int, int, str]] = []
            after_place = False  # the piece follows "St", "Mount"...: a place, not a person
            for word in [*words, (0, 0, "")]:
                if word[2] and not self._breaks(word[2]):
                    piece.append(word)
                    continue
                lower = word[2].rstrip(".").lower()
                if not after_place and lower not in self.place_words:
                    found.extend(self._name_in(piece))
                piece = []
                after_place = lower in _PLACE_PREFIXES
        return self._last_first(text, found)

    def _last_first(self, text: str, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
        """``found`` with "Okafor, Chidi" (a surname, a comma, a given name) made one name."""
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and text[merged[-1][1] : start] == ", ":
                last, first = text[merged[-1][0] : merged[-1][1]], text[start:end].split()[0]
                if last.lower() in self.surnames and first.lower() in self.given:
                    merged[-1] = (merged[-1][0], end)
                    continue
            merged.append((start, end))
        return merged

    def _breaks(self, word: str) -> bool:
        """Whether ``word`` cannot be part of a name (an all-capitals word must be a name)."""
        lower = word.lower()
        return (
            lower in self.not_name
            or lower in _PLACE_PREFIXES
            or (word.isupper() and not word.endswith(".") and not self.is_name_word(word))
        )

    def _name_in(self, piece: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
        """The piece of a run as a name, if its words make it one."""
        while piece and piece[0][2] in _PARTICLES:
            piece = piece[1:]
        while piece and (piece[-1][2] in _PARTICLES or piece[-1][2].endswith(".")):
            piece = piece[:-1]
        names = [w for _, _, w in piece if w not in _PARTICLES and not w.endswith(".")]
        if not names or len(names) > _MOST_WORDS:
            return []
        known = [w for w in names if self.is_name_word(w)]
        sure = [w for w in known if w.lower() not in self.ambiguous]
        if len(names) == 1:
            ok = bool(sure) and not names[0].isupper()
        elif all(w.isupper() for w in names):
            ok = len(known) == len(names)
        else:
            ok = bool(sure) or len(known) == len(names)
        return [(piece[0][0], piece[-1][1])] if ok else []
