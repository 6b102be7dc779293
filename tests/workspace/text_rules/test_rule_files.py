"""Rule files: word lists kept in their own files, lists compiled to a trie that still lets
the longest word win."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from workspace.text_rules import rule_files
from workspace.text_rules.phi import compile_rules
from workspace.text_rules.rule_files import (
    PatternExpander,
    RuleFileError,
    alternation,
    rule_lists,
)


def test_the_longest_word_wins() -> None:
    pattern = re.compile(alternation(["Mr", "Mrs", "Ms", "M.D.", "MD"]))
    words = ["Mrs", "Mr", "Ms", "M.D.", "MD"]
    assert [m[0] for m in pattern.finditer(" ".join(words))] == words


def test_a_shorter_word_matches_when_the_longer_cannot() -> None:
    pattern = re.compile(rf"(?:{alternation(['ext', 'ext.', 'extension'])}) \d+")
    assert pattern.fullmatch("ext 42") and pattern.fullmatch("ext. 42")
    assert pattern.fullmatch("extension 42")


def test_the_trie_matches_what_a_plain_alternation_matches() -> None:
    rng = random.Random(7)
    words = ["".join(rng.choice("ab.c ") for _ in range(rng.randint(1, 5))) for _ in range(200)]
    plain = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    trie = re.compile(alternation(words))
    for _ in range(300):
        text = "".join(rng.choice("ab.c d") for _ in range(12))
        assert [m.span() for m in trie.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_list_given_as_a_file_is_read_from_that_file() -> None:
    lists = rule_lists({"lists": {"given": "given_names.txt", "titles": ["Dr"]}}, "x.json")
    assert "Chinedu" in lists["given"] and lists["titles"] == ["Dr"]
    assert not any(w.startswith("#") or not w.strip() for w in lists["given"])


def test_a_missing_or_bad_list_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(rule_files, "RULES_DIR", tmp_path)
    with pytest.raises(RuleFileError, match=r"x\.json: list given: the list file none\.txt"):
        rule_lists({"lists": {"given": "none.txt"}}, "x.json")
    with pytest.raises(RuleFileError, match=r"x\.json: list given is not a list of words"):
        rule_lists({"lists": {"given": [1, 2]}}, "x.json")


def test_a_group_of_plain_alternatives_becomes_a_trie_with_the_same_matches() -> None:
    expander = PatternExpander("x.json", {}, {})
    pattern = expander.compile(r"(?<![\w])(?i:seen by|per|c/o|approx\.|approx)[ \t]+(\w+)", "r")
    assert "(?:" in pattern.pattern and "seen\\ by" in pattern.pattern
    found = [m[0] for m in pattern.finditer("Seen by Ana, per Bo, c/o Cy, approx. 3, approx 4")]
    assert found == ["Seen by Ana", "per Bo", "c/o Cy", "approx. 3", "approx 4"]


def test_a_rule_may_exclude_the_words_of_a_list() -> None:
    document = {
        "rules": [
            {
                "id": "place",
                "label": "phi_location",
                "type": "location",
                "exclude": ["months"],
                "pattern": r"(?<![\w])in (?P<phi>[A-Z][a-z]+)",
            }
        ]
    }
    rules = compile_rules(document, {"months": ["March"]})
    assert [c.text for c in rules.find("in Leeds in March")] == ["Leeds"]
    with pytest.raises(RuleFileError, match="needs an id, label, type and pattern"):
        compile_rules(document, {})
