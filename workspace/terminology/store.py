"""Imported terminology releases in the encrypted profile, searched through SQLite FTS5.

Layout: ``terminology_terms`` holds one row per term (a code's name or a synonym);
``terminology_fts`` indexes their words (external content, rowid = term id);
``terminology_releases`` says which release of each system is loaded.

``terminology_words`` lists the index's words, so a typed prefix ("tabl") is expanded to
the words it starts (tablet, tablets), which FTS5 reads lazily; a prefix given as such would
make it merge the lists of all those words first (tens of ms for a common word in 1 M rows).

Term ids carry the ranking, so a search reads only the rows it returns. A release gets a fresh
*slot* of ids (``slot << 40``) and a term's id inside it is ``length << 28 | n``, ``length``
being its display's length (capped at 4095) and ``n`` a counter per length. So one system's
terms are one rowid range, and in rowid order the shortest displays come first: a word search
is ``MATCH ... AND rowid BETWEEN first AND last ORDER BY rowid LIMIT n``, which FTS5 answers by
walking its lists in order and stopping early, even when "mg" matches a million rows.

Imports stream: rows are read, checked and inserted in batches inside one write transaction,
then indexed by one ``INSERT ... SELECT`` (much faster than indexing batch by batch);
a bad line rolls everything back, and the release it would replace stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from storage.audit import AuditLog
from storage.database import Database
from workspace.annotations import now_iso
from workspace.terminology.concept import (
    Concept,
    TerminologyError,
    UnknownSystemError,
)
from workspace.terminology.query import quoted, words_of
from workspace.terminology.releases import READERS, Term

_SLOT_BITS = 40
_LENGTH_BITS = 28
_MAX_LENGTH = (1 << (_SLOT_BITS - _LENGTH_BITS)) - 1
_PER_LENGTH = 1 << _LENGTH_BITS
_BATCH = 5000
_MAX_CODE = 64
_MAX_DISPLAY = 4000

_EXPANSIONS = 64
_INSERT_TERM = "INSERT INTO terminology_terms (id, system, code, display) VALUES (?, ?, ?, ?)"
_INDEX_RELEASE = (
    "INSERT INTO terminology_fts (rowid, display) "
    "SELECT id, display FROM terminology_terms WHERE id BETWEEN :first AND :last"
)
_REFRESH_WORDS = "INSERT INTO terminology_words (word) SELECT term FROM terminology_fts_vocab"


@dataclass(frozen=True)
class ReleaseInfo:
    """What ``caliper terminology list`` shows of one imported release."""

    system: str
    version: str
    source: str
    terms: int
    imported_at: str


class TerminologyStore:
    """Import, list and search terminology releases in one profile database."""

    def __init__(self, database: Database, audit: AuditLog | None = None) -> None:
        self.database = database
        self.audit = audit

    # ------------------------------------------------------------------------ import
    def import_release(
        self,
        system: str,
        path: Path,
        version: str = "",
        *,
        progress: Callable[[int], None] | None = None,
    ) -> ReleaseInfo:
        """Load ``path`` as ``system``'s release, replacing the one loaded before (if any).

        One transaction: a bad line (:class:`TerminologyFileError`) leaves the store unchanged.
        ``progress`` is called with the number of terms read so far, every few thousand.
        """
        reader = READERS.get(system)
        if reader is None:
            known = ", ".join(sorted(READERS))
            raise TerminologyError(f"cannot import {system!r}: the systems read are {known}.")
        with self.database.write_connection() as conn:
            top = conn.execute(text("SELECT max(id) FROM terminology_terms")).scalar()
            slot = (int(top) >> _SLOT_BITS) + 1 if top is not None else 1
            self._drop(conn, system)
            first, last, count = self._insert(conn, system, reader(path), slot, progress)
            if count == 0:
                raise TerminologyError(
                    f"{path.name} holds no {system} terms; nothing was imported."
                )
            conn.execute(text(_INDEX_RELEASE), {"first": first, "last": last})
            conn.execute(text("DELETE FROM terminology_words"))
            conn.execute(text(_REFRESH_WORDS))
            info = ReleaseInfo(system, version, path.name, count, now_iso())
            conn.execute(
                text(
                    "INSERT INTO terminology_releases (system, version, source, terms, first_id,"
                    " last_id, imported_at) VALUES (:system, :version, :source, :terms,"
                    " :first, :last, :at)"
                ),
                {
                    "system": system,
                    "version": version,
                    "source": path.name,
                    "terms": count,
                    "first": first,
                    "last": last,
                    "at": info.imported_at,
                },
            )
            if self.audit is not None:
                detail = {"version": version, "source": path.name, "terms": count}
                self.audit.append(conn, "terminology.import", system, detail)
        return info

    @staticmethod
    def _drop(conn: Connection, system: str) -> None:
        """Remove ``system``'s release (its index entries first: they need the old text)."""
        conn.execute(
            text(
                "INSERT INTO terminology_fts (terminology_fts, rowid, display) "
                "SELECT 'delete', id, display FROM terminology_terms WHERE system = :s"
            ),
            {"s": system},
        )
        conn.execute(text("DELETE FROM terminology_terms WHERE system = :s"), {"s": system})
        conn.execute(text("DELETE FROM terminology_releases WHERE system = :s"), {"s": system})

    @staticmethod
    def _insert(
        conn: Connection,
        system: str,
        terms: Iterator[Term],
        slot: int,
        progress: Callable[[int], None] | None,
    ) -> tuple[int, int, int]:
        """Insert ``terms`` in batches; (first id, last id, count)."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        base = slot << _SLOT_BITS
        per_length: dict[int, int] = {}
        batch: list[tuple[int, str, str, str]] = []
        first, last, count = base + (1 << _SLOT_BITS), base, 0

        def flush() -> None:
            cursor.executemany(_INSERT_TERM, batch)
            batch.clear()
            if progress is not None:
                progress(count)

        for code, display in terms:
            code, display = code[:_MAX_CODE], display[:_MAX_DISPLAY]
            length = min(len(display), _MAX_LENGTH)
            n = per_length.get(length, 0)
            if n >= _PER_LENGTH:
                raise TerminologyError("the release is too large to import.")
            per_length[length] = n + 1
            term_id = base | (length << _LENGTH_BITS) | n
            first, last, count = min(first, term_id), max(last, term_id), count + 1
            batch.append((term_id, system, code, display))
            if len(batch) >= _BATCH:
                flush()
        if batch:
            flush()
        cursor.close()
        return first, last, count

    # ------------------------------------------------------------------------ read
    def releases(self) -> list[ReleaseInfo]:
        """The imported releases, by system."""
        with self.database.read() as session:
            rows = session.execute(
                text(
                    "SELECT system, version, source, terms, imported_at "
                    "FROM terminology_releases ORDER BY system"
                )
            ).all()
        return [ReleaseInfo(*row) for row in rows]

    def search(self, system: str, query: str, limit: int = 25) -> list[Concept]:
        """``system``'s concepts matching ``query``: exact code, code prefix, then words.

        Word matches hold every query word as a word prefix, in any order, shorter terms first;
        a code appears once, with its best-ranked term.
        """
        text_ = query.strip()
        if limit <= 0 or not text_:
            return []
        with self.database.read() as session:
            conn = session.connection()
            release = conn.execute(
                text(
                    "SELECT version, first_id, last_id FROM terminology_releases WHERE system = :s"
                ),
                {"s": system},
            ).first()
            if release is None:
                raise UnknownSystemError(
                    f"no {system} release is imported; use 'caliper terminology import'."
                )
            version, first, last = release
            found: dict[str, str] = {}
            if not any(c.isspace() for c in text_):
                self._by_code(conn, system, text_, limit, found)
            match = _match(conn, words_of(text_))
            if match and len(found) < limit:
                self._by_words(conn, match, first, last, limit, found)
        return [Concept(system, code, display, version) for code, display in found.items()]

    @staticmethod
    def _by_code(
        conn: Connection, system: str, prefix: str, limit: int, found: dict[str, str]
    ) -> None:
        rows = conn.execute(
            text(
                "SELECT code, display FROM terminology_terms WHERE system = :s AND code >= :p "
                "AND code < :end ORDER BY code, id LIMIT :n"
            ),
            {"s": system, "p": prefix, "end": prefix + "\U0010ffff", "n": limit * 8},
        ).all()
        for code, display in rows:  # the exact code sorts first
            if len(found) >= limit:
                return
            found.setdefault(code, display)

    @staticmethod
    def _by_words(
        conn: Connection, match: str, first: int, last: int, limit: int, found: dict[str, str]
    ) -> None:
        after = first - 1
        page = limit * 4
        while len(found) < limit:
            ids = list(
                conn.execute(
                    text(
                        "SELECT rowid FROM terminology_fts WHERE terminology_fts MATCH :q "
                        "AND rowid > :after AND rowid <= :last ORDER BY rowid LIMIT :n"
                    ),
                    {"q": match, "after": after, "last": last, "n": page},
                ).scalars()
            )
            if not ids:
                return
            for code, display in _terms(conn, ids):
                if len(found) >= limit:
                    return
                found.setdefault(code, display)
            after = ids[-1]


def _match(conn: Connection, words: list[str]) -> str | None:
    """The FTS5 query for ``words`` (each a prefix), None when one of them starts no word.

    Words of up to 3 characters use the index's prefix tables; a longer one is expanded to the
    indexed words it starts, up to 64 (more: left to FTS5 as a prefix).
    """
    parts = []
    for word in dict.fromkeys(words):
        if len(word) <= 3:
            parts.append(quoted(word) + "*")
            continue
        expanded = list(
            conn.execute(
                text(
                    "SELECT word FROM terminology_words WHERE word >= :w AND word < :end "
                    "ORDER BY word LIMIT :n"
                ),
                {"w": word, "end": word + "\U0010ffff", "n": _EXPANSIONS + 1},
            ).scalars()
        )
        if not expanded:
            return None
        if len(expanded) > _EXPANSIONS:
            parts.append(quoted(word) + "*")
        else:
            parts.append("(" + " OR ".join(quoted(w) for w in expanded) + ")")
    return " AND ".join(parts) or None


def _terms(conn: Connection, ids: Sequence[int]) -> list[tuple[Any, Any]]:
    marks = ", ".join(f":i{n}" for n in range(len(ids)))
    rows = conn.execute(
        text(f"SELECT code, display FROM terminology_terms WHERE id IN ({marks}) ORDER BY id"),  # noqa: S608 - only bind names
        {f"i{n}": value for n, value in enumerate(ids)},
    ).all()
    return [(row[0], row[1]) for row in rows]
