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

Imports stream into a fresh slot in short transactions (a batch of rows, then the index a
chunk of rows at a time by ``INSERT ... SELECT``), so an open workstation's edits never wait
for a whole release; one small transaction then registers the slot as the system's release,
and the old slot is removed after it. Nothing reads an unregistered slot: a bad line drops
what was staged, and the release it would replace stays as it was.
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
_INDEX_RANGE = (
    "INSERT INTO terminology_fts (rowid, display) "
    "SELECT id, display FROM terminology_terms WHERE id BETWEEN :first AND :last"
)
_REFRESH_WORDS = "INSERT INTO terminology_words (word) SELECT term FROM terminology_fts_vocab"
#: A release being staged is a row of its own, never a system's name (see import_release).
_STAGING = "~staging "
_UNINDEX_RANGE = (
    "INSERT INTO terminology_fts (terminology_fts, rowid, display) "
    "SELECT 'delete', id, display FROM terminology_terms WHERE id BETWEEN :first AND :last"
)


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

        The terms are staged in a fresh id slot, in short transactions (an open workstation's
        edits wait for one batch, never for the whole release), then made the release in one
        small transaction; the old release is removed after it. Searches read only a
        registered release's id range, so staged rows are invisible. A bad line
        (:class:`TerminologyFileError`) drops what was staged and leaves the store as it was;
        what a killed import staged is dropped by the next one.
        ``progress`` is called with the number of terms read so far, every few thousand.
        """
        reader = READERS.get(system)
        if reader is None:
            known = ", ".join(sorted(READERS))
            raise TerminologyError(f"cannot import {system!r}: the systems read are {known}.")
        self._drop_abandoned()
        slot = self._open_slot(path.name)
        try:
            first, last, count = self._stage(system, reader(path), slot, progress)
            if count == 0:
                raise TerminologyError(
                    f"{path.name} holds no {system} terms; nothing was imported."
                )
            self._index(slot, first, last)
        except BaseException:
            self._drop_slot(slot)
            raise
        info = ReleaseInfo(system, version, path.name, count, now_iso())
        old = self._register(slot, info, first, last)
        if old is not None:
            self._remove(*old, indexed=True)
        return info

    def _open_slot(self, source: str) -> int:
        """A fresh id slot, recorded as being staged (how far its index got: none yet)."""
        with self.database.write_connection() as conn:
            top = conn.execute(text("SELECT max(id) FROM terminology_terms")).scalar()
            staged = conn.execute(text("SELECT max(first_id) FROM terminology_releases")).scalar()
            highest = max(int(top) if top is not None else 0, int(staged or 0))
            slot = (highest >> _SLOT_BITS) + 1
            base = slot << _SLOT_BITS
            conn.execute(
                text(
                    "INSERT INTO terminology_releases (system, version, source, terms, first_id,"
                    " last_id, imported_at) VALUES (:system, '', :source, 0, :first, :last, :at)"
                ),
                {
                    "system": f"{_STAGING}{slot}",
                    "source": source,
                    "first": base,
                    "last": base - 1,
                    "at": now_iso(),
                },
            )
        return slot

    def _stage(
        self,
        system: str,
        terms: Iterator[Term],
        slot: int,
        progress: Callable[[int], None] | None,
    ) -> tuple[int, int, int]:
        """Insert ``terms`` into ``slot``, a transaction a batch; (first id, last id, count)."""
        base = slot << _SLOT_BITS
        per_length: dict[int, int] = {}
        batch: list[tuple[int, str, str, str]] = []
        first, last, count = base + (1 << _SLOT_BITS), base, 0

        def flush() -> None:
            with self.database.write_connection() as conn:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                cursor.executemany(_INSERT_TERM, batch)
                cursor.close()
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
        return first, last, count

    def _index(self, slot: int, first: int, last: int) -> None:
        """Index ids ``first..last`` a chunk a transaction, noting in the slot's staging row
        how far it got (the full-text index must be told of exactly the rows it holds)."""
        for low, high in self._chunks(first, last):
            with self.database.write_connection() as conn:
                conn.execute(text(_INDEX_RANGE), {"first": low, "last": high})
                conn.execute(
                    text("UPDATE terminology_releases SET last_id = :high WHERE system = :s"),
                    {"high": high, "s": f"{_STAGING}{slot}"},
                )

    def _register(
        self, slot: int, info: ReleaseInfo, first: int, last: int
    ) -> tuple[int, int] | None:
        """Make ids ``first..last`` ``info.system``'s release; the id range it replaced."""
        with self.database.write_connection() as conn:
            old = conn.execute(
                text("SELECT first_id, last_id FROM terminology_releases WHERE system = :s"),
                {"s": info.system},
            ).first()
            conn.execute(
                text("DELETE FROM terminology_releases WHERE system IN (:s, :staged)"),
                {"s": info.system, "staged": f"{_STAGING}{slot}"},
            )
            conn.execute(
                text(
                    "INSERT INTO terminology_releases (system, version, source, terms, first_id,"
                    " last_id, imported_at) VALUES (:system, :version, :source, :terms,"
                    " :first, :last, :at)"
                ),
                {
                    "system": info.system,
                    "version": info.version,
                    "source": info.source,
                    "terms": info.terms,
                    "first": first,
                    "last": last,
                    "at": info.imported_at,
                },
            )
            conn.execute(text("DELETE FROM terminology_words"))
            conn.execute(text(_REFRESH_WORDS))
            if self.audit is not None:
                detail = {"version": info.version, "source": info.source, "terms": info.terms}
                self.audit.append(conn, "terminology.import", info.system, detail)
        return None if old is None else (int(old[0]), int(old[1]))

    def _drop_abandoned(self) -> None:
        """Drop what imports that were killed or failed had staged."""
        with self.database.read() as session:
            names = session.execute(
                text("SELECT system FROM terminology_releases WHERE system LIKE :p"),
                {"p": _STAGING + "%"},
            ).scalars()
            slots = [int(name[len(_STAGING) :]) for name in names]
        for slot in slots:
            self._drop_slot(slot)

    def _drop_slot(self, slot: int) -> None:
        """Remove a staged slot: the rows indexed so far from the index too, then the rest."""
        name = f"{_STAGING}{slot}"
        with self.database.read() as session:
            indexed_to = session.execute(
                text("SELECT last_id FROM terminology_releases WHERE system = :s"), {"s": name}
            ).scalar()
        base = slot << _SLOT_BITS
        indexed_to = base - 1 if indexed_to is None else int(indexed_to)
        self._remove(base, indexed_to, indexed=True)
        self._remove(indexed_to + 1, ((slot + 1) << _SLOT_BITS) - 1, indexed=False)
        with self.database.write_connection() as conn:
            conn.execute(text("DELETE FROM terminology_releases WHERE system = :s"), {"s": name})

    def _chunks(self, first: int, last: int) -> Iterator[tuple[int, int]]:
        """Id ranges covering the stored ids ``first..last``, about ``_BATCH * 4`` rows each."""
        low = first
        while low <= last:
            with self.database.read() as session:
                high = session.execute(
                    text(
                        "SELECT id FROM terminology_terms WHERE id >= :low AND id <= :last "
                        "ORDER BY id LIMIT 1 OFFSET :n"
                    ),
                    {"low": low, "last": last, "n": _BATCH * 4},
                ).scalar()
            if high is None:
                yield low, last
                return
            yield low, int(high) - 1
            low = int(high)

    def _remove(self, first: int, last: int, *, indexed: bool) -> None:
        """Delete the terms with ids ``first..last`` (and their index entries when ``indexed``:
        those go first, the index needs their text), a chunk a transaction."""
        for low, high in self._chunks(first, last):
            with self.database.write_connection() as conn:
                if indexed:
                    conn.execute(text(_UNINDEX_RANGE), {"first": low, "last": high})
                conn.execute(
                    text("DELETE FROM terminology_terms WHERE id BETWEEN :first AND :last"),
                    {"first": low, "last": high},
                )

    # ------------------------------------------------------------------------ read
    def releases(self) -> list[ReleaseInfo]:
        """The imported releases, by system."""
        with self.database.read() as session:
            rows = session.execute(
                text(
                    "SELECT system, version, source, terms, imported_at "
                    "FROM terminology_releases WHERE system NOT LIKE :p ORDER BY system"
                ),
                {"p": _STAGING + "%"},
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
                self._by_code(conn, system, text_, first, last, limit, found)
            match = _match(conn, words_of(text_))
            if match and len(found) < limit:
                self._by_words(conn, match, first, last, limit, found)
        return [Concept(system, code, display, version) for code, display in found.items()]

    @staticmethod
    def _by_code(
        conn: Connection,
        system: str,
        prefix: str,
        first: int,
        last: int,
        limit: int,
        found: dict[str, str],
    ) -> None:
        rows = conn.execute(
            text(
                "SELECT code, display FROM terminology_terms WHERE system = :s AND code >= :p "
                "AND code < :end AND id BETWEEN :first AND :last ORDER BY code, id LIMIT :n"
            ),
            {
                "s": system,
                "p": prefix,
                "end": prefix + "\U0010ffff",
                "first": first,
                "last": last,
                "n": limit * 8,
            },
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
