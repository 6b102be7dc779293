"""ICD-10-CM from the table the ``simple-icd-10-cm`` package ships: an in-memory search index.

Built once per process on first use (about 4 s, mostly the package parsing its XML; call
:func:`warm` from a background job to have it ready: it parses in a child process, so a GUI
never freezes for it), then a query costs a few milliseconds.
Nothing is written to disk: the table is public, but the rule is that caches stay in memory.

Which codes: the categories and subcategories of the tabular list (chapters and blocks are
left out). By default only *billable* codes — the leaves, the codes valid on a claim and the
level coding guidelines ask for (E11.9, not its header E11); ``billable_only=False`` adds the
headers. Ranking: the exact code, then codes starting with the query (in code order), then
codes whose description holds every query word as a word prefix, shorter descriptions first.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from workspace.terminology.concept import ICD10CM, Concept
from workspace.terminology.query import words_of

_CODE_LIKE = re.compile(r"[A-Za-z][0-9A-Za-z]{0,2}\.?[0-9A-Za-z]{0,4}")
_RELEASE = re.compile(r"code-list-(\w+)-(\d{4})\.txt")


def _key(code: str) -> str:
    return code.replace(".", "").upper()


@dataclass(frozen=True)
class _Entry:
    code: str
    display: str
    billable: bool


class Icd10CmIndex:
    """Codes ranked by description length, a sorted code list and a word -> codes index."""

    def __init__(self, entries: list[_Entry], version: str) -> None:
        self.version = version
        self._entries = sorted(entries, key=lambda e: (len(e.display), e.display, e.code))
        self._codes = sorted((_key(e.code), i) for i, e in enumerate(self._entries))
        postings: dict[str, list[int]] = {}
        for i, entry in enumerate(self._entries):
            for word in set(words_of(entry.display)):
                postings.setdefault(word, []).append(i)
        self._vocabulary = sorted(postings)
        self._postings = postings

    def __len__(self) -> int:
        return len(self._entries)

    def search(self, query: str, limit: int = 25, *, billable_only: bool = True) -> list[Concept]:
        """Concepts matching ``query`` by code or words, best first (see the module doc)."""
        found: list[int] = []
        seen: set[int] = set()

        def take(positions: Iterable[int]) -> bool:
            for i in positions:
                if i not in seen and (self._entries[i].billable or not billable_only):
                    seen.add(i)
                    found.append(i)
                    if len(found) >= limit:
                        return True
            return False

        text = query.strip()
        if limit <= 0 or not text:
            return []
        full = _CODE_LIKE.fullmatch(text) and take(self._code_prefixed(_key(text)))
        if not full:
            take(self._word_matches(words_of(text)))
        return [self._concept(i) for i in found]

    def _code_prefixed(self, key: str) -> Iterator[int]:
        start = bisect.bisect_left(self._codes, (key, -1))
        for code, i in itertools.islice(self._codes, start, None):
            if not code.startswith(key):
                return
            yield i

    def _with_prefix(self, prefix: str) -> set[int]:
        start = bisect.bisect_left(self._vocabulary, prefix)
        matched: set[int] = set()
        for word in self._vocabulary[start:]:
            if not word.startswith(prefix):
                break
            matched.update(self._postings[word])
        return matched

    def _word_matches(self, words: list[str]) -> list[int]:
        if not words:
            return []
        # The longest words first: they match least, so the intersection shrinks fastest.
        result: set[int] | None = None
        for word in sorted(set(words), key=len, reverse=True):
            matched = self._with_prefix(word)
            result = matched if result is None else result & matched
            if not result:
                return []
        return sorted(result or ())

    def _concept(self, i: int) -> Concept:
        entry = self._entries[i]
        return Concept(ICD10CM, entry.code, entry.display, self.version)


def package_version() -> str:
    """The release of the packaged table, e.g. "2026-04" (read from its file name: cheap)."""
    import importlib.resources

    names = [p.name for p in importlib.resources.files("simple_icd_10_cm.data").iterdir()]
    for name in names:
        match = _RELEASE.fullmatch(name)
        if match:
            month = datetime.strptime(match.group(1), "%B").month
            return f"{match.group(2)}-{month:02d}"
    return ""


def _table() -> list[tuple[str, str, bool]]:
    """(code, description, billable) of every category and subcategory, from the package, in
    the index's order (a sort in one C call holds the GIL: done here, it is done in the child)."""
    with warnings.catch_warnings():  # it loads its data with deprecated importlib calls
        warnings.simplefilter("ignore", DeprecationWarning)
        import simple_icd_10_cm as icd

    rows = [
        (code, icd.get_description(code), icd.is_leaf(code))
        for code in icd.get_all_codes(True)
        if icd.is_category_or_subcategory(code)
    ]
    rows.sort(key=lambda r: (len(r[1]), r[1], r[0]))  # the index's order: its sort is then cheap
    return rows


def _table_in_child() -> list[tuple[str, str, bool]]:
    """:func:`_table` run in a child process. Importing the package parses its XML in one C
    call that holds the GIL for seconds: on a GUI's worker thread it froze the window (up to
    2.3 s at a time). The child's rows come back pickled (tens of ms); if no child can be
    started, the table is read here."""
    import multiprocessing

    try:
        with multiprocessing.get_context("spawn").Pool(1) as pool:
            return pool.apply(_table)
    except (OSError, RuntimeError, multiprocessing.ProcessError):
        return _table()


def _build(in_child: bool = False) -> Icd10CmIndex:
    rows = _table_in_child() if in_child else _table()
    entries = [_Entry(code, display, billable) for code, display, billable in rows]
    return Icd10CmIndex(entries, package_version())


_lock = threading.Lock()
_index: Icd10CmIndex | None = None


def index(*, in_child: bool | None = None) -> Icd10CmIndex:
    """The process-wide index, built on first use (thread-safe). ``in_child`` reads the table
    in a child process (see :func:`_table_in_child`); by default it does so off the main thread
    (a GUI's workers: a search typed before :func:`warm` finished), not in a command-line run."""
    global _index
    if in_child is None:
        in_child = threading.current_thread() is not threading.main_thread()
    with _lock:
        if _index is None:
            _index = _build(in_child)
        return _index


def warm() -> None:
    """Build the index now (from a background job) so the first keystroke does not wait; the
    package's table is read in a child process, so the GUI thread never waits for the GIL."""
    index(in_child=True)


def is_ready() -> bool:
    """True once the index is built."""
    return _index is not None
