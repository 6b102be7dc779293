"""Find in a note: every match of a phrase, optionally case-sensitive or whole words only.

Offsets are code points of the note (what spans store), end exclusive. Qt-free.
"""

from __future__ import annotations

import re

from viewers.text.span_index import SpanIndex
from workspace.annotation_kinds.spans import Fragment


def find_matches(
    text: str, phrase: str, *, case_sensitive: bool = False, whole_word: bool = False
) -> list[Fragment]:
    """``(start, end)`` of every non-overlapping match of ``phrase`` in ``text``."""
    if not phrase:
        return []
    pattern = re.escape(phrase)
    if whole_word:
        pattern = rf"(?<!\w){pattern}(?!\w)"
    flags = 0 if case_sensitive else re.IGNORECASE
    return [(m.start(), m.end()) for m in re.finditer(pattern, text, flags)]


def unlabelled(matches: list[Fragment], index: SpanIndex, label: str) -> list[Fragment]:
    """The matches not already inside a span labelled ``label``."""
    kept: list[Fragment] = []
    for start, end in matches:
        labelled = any(
            e.label == label and any(a <= start and end <= b for a, b in e.fragments)
            for e in index.overlapping(start, end)
        )
        if not labelled:
            kept.append((start, end))
    return kept
