"""The Qt-free parts of the text viewer: span lanes and buckets, find, word-wise resizing."""

from __future__ import annotations

import pytest

from viewers.text.find import find_matches, unlabelled
from viewers.text.span_edits import merged, next_word_end, previous_word_end, resized
from viewers.text.span_index import SpanEntry, SpanIndex
from workspace.annotation_kinds.base import AnnotationKindError
from workspace.annotation_kinds.spans import span

TEXT = "chest pain and fever\nno cough\nStarted aspirin daily\n"
LINES = [0, 21, 30, 52]


def _entry(span_id: str, *fragments: tuple[int, int], label: str = "x") -> SpanEntry:
    return SpanEntry(span_id, label, list(fragments))


def test_overlapping_spans_never_share_a_lane():
    index = SpanIndex(LINES)
    index.rebuild([_entry("outer", (0, 20)), _entry("inner", (6, 10)), _entry("after", (24, 29))])
    lanes = {e.id: e.lane for e in index.entries.values()}
    assert lanes == {"outer": 0, "inner": 1, "after": 0}
    index.add(_entry("middle", (0, 10)))  # overlaps both on line 0
    assert index.entries["middle"].lane == 2
    index.add(_entry("late", (25, 27)))
    assert index.entries["late"].lane == 1 and index.lanes() == 3


def test_spans_are_bucketed_by_the_lines_of_their_fragments():
    index = SpanIndex(LINES)
    index.rebuild([_entry("split", (0, 5), (38, 45)), _entry("cough", (24, 29))])
    assert index.entries["split"].blocks == [0, 2]
    assert [e.id for e in index.in_lines(1, 1)] == ["cough"]
    assert {e.id for e in index.in_lines(0, 3)} == {"split", "cough"}
    assert [e.id for e in index.at(40)] == ["split"] and index.at(10) == []
    index.remove("split")
    assert index.in_lines(0, 0) == [] and index.ordered_ids() == ["cough"]


def test_neighbours_in_text_order():
    index = SpanIndex(LINES)
    index.rebuild([_entry("b", (24, 29)), _entry("a", (0, 5)), _entry("c", (38, 45))])
    assert index.neighbour(None, 10, 1) == "b"
    assert index.neighbour(None, 10, -1) == "a"
    assert index.neighbour("b", 0, 1) == "c" and index.neighbour("c", 0, 1) is None
    assert index.neighbour("a", 0, -1) is None


def test_find_matches_case_and_whole_words():
    text = "Pain, painful pain; PAIN"
    assert find_matches(text, "pain") == [(0, 4), (6, 10), (14, 18), (20, 24)]
    assert find_matches(text, "pain", whole_word=True) == [(0, 4), (14, 18), (20, 24)]
    assert find_matches(text, "pain", case_sensitive=True) == [(6, 10), (14, 18)]
    assert find_matches(text, "a.n") == [] and find_matches(text, "") == []


def test_unlabelled_skips_matches_inside_a_span_of_that_label():
    index = SpanIndex([0])
    index.rebuild([_entry("s", (0, 10), label="problem")])
    matches = [(0, 4), (6, 10), (14, 18)]
    assert unlabelled(matches, index, "problem") == [(14, 18)]
    assert unlabelled(matches, index, "test") == matches


def test_word_steps():
    text = "chest pain and  fever."
    assert next_word_end(text, 5) == 10 and next_word_end(text, 14) == 21
    assert next_word_end(text, 21) is None
    assert previous_word_end(text, 0, 14) == 10 and previous_word_end(text, 0, 5) is None
    assert merged([(6, 9), (0, 3), (3, 5)]) == [(0, 5), (6, 9)]


def test_resized_grows_and_shrinks_the_last_fragment():
    annotation = span("item", TEXT, [(0, 5), (6, 10)], "problem")
    assert resized(TEXT, annotation, grow=True) == [(0, 5), (6, 14)]
    with pytest.raises(AnnotationKindError, match="one word"):
        resized(TEXT, annotation, grow=False)
    longer = span("item", TEXT, [(0, 14)], "problem")
    assert resized(TEXT, longer, grow=False) == [(0, 10)]
