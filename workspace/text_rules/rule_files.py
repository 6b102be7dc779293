"""Rule files in ``resources/text_rules/``: read once, patterns expanded and compiled.

A rule file is JSON with ``lists`` (named word lists), ``fragments`` (named regex pieces) and
``rules``. A list may be given as the name of a text file beside the rule file (one entry a
line, ``#`` starts a comment): the large gazetteers live apart. In a pattern,
``{{list:NAME}}`` becomes the list ``NAME`` as an alternation (each item escaped, the longest
tried first, so "Mrs" before "Mr") and ``{{NAME}}`` the fragment ``NAME`` (fragments may use
lists and earlier fragments).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import resources
from workspace.errors import WorkspaceError
from workspace.text_rules.fast_start import with_fast_start

RULES_DIR = Path(resources.__file__).parent / "text_rules"
_PLACEHOLDER = re.compile(r"\{\{(list:)?([A-Za-z_]+)\}\}")
#: A group of plain words or phrases, "(?i:seen by|per|cc)": compiled as a trie too.
_PLAIN_GROUP = re.compile(r"\(\?(i?):((?:[\w '’/&,-]|\\[. -])+(?:\|(?:[\w '’/&,-]|\\[. -])+)+)\)")
_ESCAPE = re.compile(r"\\(.)")


class RuleFileError(WorkspaceError, ValueError):
    """A rule file that cannot be read or compiled (names the file and the rule)."""


def read_rule_file(name: str) -> dict[str, Any]:
    """The JSON document ``resources/text_rules/<name>`` (RuleFileError if unreadable)."""
    path = RULES_DIR / name
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"{name}: the rule file cannot be read ({exc}).") from None
    if not isinstance(document, dict):
        raise RuleFileError(f"{name}: a rule file is a JSON object.")
    return document


def rule_lists(document: dict[str, Any], source: str) -> dict[str, list[str]]:
    """The ``lists`` of a rule file, those given as a file name read from that file."""
    lists: dict[str, list[str]] = {}
    for name, value in document.get("lists", {}).items():
        if isinstance(value, str):
            value = read_list_file(value, f"{source}: list {name}")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RuleFileError(f"{source}: list {name} is not a list of words.")
        lists[name] = value
    return lists


def read_list_file(name: str, where: str) -> list[str]:
    """The entries of the list file ``resources/text_rules/<name>`` (one a line)."""
    try:
        lines = (RULES_DIR / name).read_text(encoding="utf-8").splitlines()
    except (OSError, ValueError) as exc:
        raise RuleFileError(f"{where}: the list file {name} cannot be read ({exc}).") from None
    entries = (line.split("#", 1)[0].strip() for line in lines)
    return [entry for entry in entries if entry]


def alternation(words: list[str]) -> str:
    """``words`` as a regex alternation in which the longest word wins ("Mrs" before "Mr").

    The words are merged into a trie ("Mr(?:s)?"), so a match costs the length of a word,
    not the number of words: the long gazetteer and cue lists stay fast.
    """
    trie: dict[str, dict] = {}
    for word in set(words):
        if word:
            node = trie
            for char in word:
                node = node.setdefault(char, {})
            node[""] = {}
    return _trie_pattern(trie)


def _plain_groups_as_tries(pattern: str) -> str:
    """``pattern`` with each group of plain alternatives written as a trie (same matches)."""

    def trie(match: re.Match[str]) -> str:
        words = [_ESCAPE.sub(r"\1", word) for word in match.group(2).split("|")]
        return f"(?{match.group(1)}:{alternation(words)})"

    return _PLAIN_GROUP.sub(trie, pattern)


def _trie_pattern(node: dict[str, dict]) -> str:
    """The pattern of one trie node: its branches, then (if a word ends here) nothing."""
    branches = [
        re.escape(char) + _trie_pattern(child) for char, child in sorted(node.items()) if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here: the longer words are tried first
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


class PatternExpander:
    """Expands ``{{list:NAME}}`` and ``{{NAME}}`` in the patterns of one rule file."""

    def __init__(self, source: str, lists: dict[str, list[str]], fragments: dict[str, str]) -> None:
        self._source = source
        self._lists = {name: alternation(words) for name, words in lists.items()}
        self._fragments: dict[str, str] = {}
        for name, fragment in fragments.items():
            self._fragments[name] = self.expand(fragment, f"fragment {name}")

    def expand(self, pattern: str, where: str) -> str:
        """``pattern`` with every placeholder replaced (RuleFileError for an unknown name)."""

        def replace(match: re.Match[str]) -> str:
            table = self._lists if match.group(1) else self._fragments
            name = match.group(2)
            if name not in table:
                kind = "list" if match.group(1) else "fragment"
                raise RuleFileError(f"{self._source}: {where} uses an unknown {kind} {name!r}.")
            return f"(?:{table[name]})"

        return _PLACEHOLDER.sub(replace, pattern)

    def compile(self, pattern: str, where: str) -> re.Pattern[str]:
        """The expanded ``pattern`` compiled (RuleFileError naming ``where`` if it is bad)."""
        try:
            return re.compile(with_fast_start(_plain_groups_as_tries(self.expand(pattern, where))))
        except re.error as exc:
            raise RuleFileError(
                f"{self._source}: {where} is not a valid pattern ({exc})."
            ) from None
