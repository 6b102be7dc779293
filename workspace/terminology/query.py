"""Reading a search box: the words of a query, each matched as a word prefix.

Words are runs of letters and digits, folded to lower case with accents removed, the way
SQLite FTS5's ``unicode61 remove_diacritics 2`` tokenizer sees them, so the in-memory
ICD-10-CM index and the stored releases agree on what a word is.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """``text`` in lower case without accents (é -> e)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    """The folded words of ``text`` (underscores split words too)."""
    return [w for part in _WORD.findall(fold(text)) for w in part.split("_") if w]


def quoted(word: str) -> str:
    """``word`` as an FTS5 string (never syntax)."""
    return '"' + word.replace('"', '""') + '"'


def fts_query(words: list[str]) -> str:
    """An FTS5 query matching rows holding every word as a prefix, in any order."""
    return " AND ".join(quoted(word) + "*" for word in words)
