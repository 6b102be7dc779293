"""A fast start for rule patterns: a lookahead of the characters a match can begin with.

Python's regex engine tries a pattern at every position of the text, and a pattern that opens
with an assertion ("(?<![\\w])(?i:seen by|per)") gives it nothing to skip ahead with. With a
lookahead of the characters its matches can begin with in front ("(?=(?i:[sp]))"), the other
positions are passed over fast: the PHI rules run about twice as fast. The set is worked out
from the parsed pattern and is never smaller than the truth (over-approximated where unsure);
when it cannot be worked out, the pattern is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the standard parser of the re module (private, so guarded: without it, no fast start)
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - another Python
    sre = sre_parser = None

_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")
_CATEGORIES = {"DIGIT": r"\d", "NOT_DIGIT": r"\D", "WORD": r"\w", "NOT_WORD": r"\W"}
_CATEGORIES |= {"SPACE": r"\s", "NOT_SPACE": r"\S"}


class _UnknownStartError(Exception):
    """A construct whose first characters are not worked out: no fast start."""


def with_fast_start(pattern: str) -> str:
    """``pattern`` behind a lookahead of the characters its matches begin with, if known."""
    if sre_parser is None:
        return pattern
    try:
        parsed = sre_parser.parse(pattern)
        ignore_case = bool(parsed.state.flags & re.IGNORECASE)
        pieces, folded, empty = _first(list(parsed), ignore_case)
    except (_UnknownStartError, re.error, AttributeError, TypeError, ValueError):
        return pattern
    if empty or not pieces:
        return pattern  # a match may be empty or start anywhere
    chars = "".join(sorted(pieces))
    ahead = f"(?=(?i:[{chars}]))" if folded else f"(?=[{chars}])"
    flags = _GLOBAL_FLAGS.match(pattern)
    at = flags.end() if flags else 0
    return f"{pattern[:at]}{ahead}(?:{pattern[at:]})"


def _first(items: list[Any], ignore_case: bool) -> tuple[set[str], bool, bool]:
    """``(class pieces, case-folded?, can be empty?)`` of a parsed sequence's first character."""
    pieces: set[str] = set()
    folded = False
    for op, arg in items:
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # zero width: the character after it starts the match
        if name == "LITERAL":
            pieces.add(re.escape(chr(arg)))
            return pieces, folded or ignore_case, False
        if name == "IN":
            pieces |= _class(arg)
            return pieces, folded or ignore_case, False
        if name in ("SUBPATTERN", "ATOMIC_GROUP"):
            case = ignore_case
            if name == "SUBPATTERN":
                _, add, remove, body = arg
                case = bool((ignore_case or add & re.IGNORECASE) and not remove & re.IGNORECASE)
            else:
                body = arg
            more, more_folded, empty = _first(list(body), case)
        elif name == "BRANCH":
            more, more_folded, empty = set(), False, False
            for branch in arg[1]:
                got, got_folded, got_empty = _first(list(branch), ignore_case)
                more |= got
                more_folded |= got_folded
                empty |= got_empty
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, body = arg
            more, more_folded, empty = _first(list(body), ignore_case)
            empty = empty or low == 0
        else:
            raise _UnknownStartError(name)  # any character, a back-reference...
        pieces |= more
        folded |= more_folded
        if not empty:
            return pieces, folded, False
    return pieces, folded, True


def _class(items: list[Any]) -> set[str]:
    """The pieces of a character class (a negated class is not worked out)."""
    pieces: set[str] = set()
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            pieces.add(re.escape(chr(arg)))
        elif name == "RANGE":
            pieces.add(f"{re.escape(chr(arg[0]))}-{re.escape(chr(arg[1]))}")
        elif name == "CATEGORY" and str(arg).removeprefix("CATEGORY_") in _CATEGORIES:
            pieces.add(_CATEGORIES[str(arg).removeprefix("CATEGORY_")])
        else:
            raise _UnknownStartError(name)  # NEGATE, other categories
    return pieces
