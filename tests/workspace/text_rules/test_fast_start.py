"""A lookahead of a pattern's first characters speeds it up and never changes its matches."""

from __future__ import annotations

import re

import pytest

from workspace.text_rules.fast_start import with_fast_start

TEXT = (
    "Seen by Dr Ana Ruiz on 12/03/2024; per MRN 0042-17. hi Bo, call 555-0142.\n"
    "GARCIA, LUIS  71y\n  O'Brien and McAllister at 14:20. Mr. x? ab AB 123-x"
)


@pytest.mark.parametrize(
    ("pattern", "start"),
    [
        (r"(?<![\w])(?i:seen by|per)[ \t]+(?P<phi>[A-Z]\w+)", "(?=(?i:[ps]))"),
        (r"(?m)^[ \t]*(?P<phi>[A-Z]+),", "(?m)(?=["),
        (r"(?<![\w])(?:O'|Mc)?[A-Z][a-z]+", "(?=["),
        (r"\d{3}-x|(?i:ab)", "(?=(?i:["),
        (r"(?<![\w])(?=\d\d:)(?!00)\d\d:\d\d", r"(?=[\d])"),
    ],
)
def test_the_first_characters_go_in_front_and_the_matches_stay(pattern: str, start: str) -> None:
    fast = with_fast_start(pattern)
    assert fast.startswith(start), fast
    spans = [m.span() for m in re.finditer(pattern, TEXT)]
    assert spans and [m.span() for m in re.finditer(fast, TEXT)] == spans


@pytest.mark.parametrize("pattern", [r"a?b*", r".x", r"[^a]x", r"(?:a|)b?", r"(unclosed"])
def test_a_pattern_whose_start_is_unknown_is_left_as_it_is(pattern: str) -> None:
    assert with_fast_start(pattern) == pattern
