"""Persisting one command through Caliper vs the same rows written with plain sqlite3.

A command writes its annotation row and a hash-chained audit row carrying the command's
before/after values, in one transaction. The baseline writes exactly those rows (same tables
and indexes, from Caliper's own schema) with the standard library's sqlite3 and no encryption;
a bare row and the same rows through sqlcipher3 alone are shown for reference.
Both sides use WAL and ``synchronous=FULL`` and commit once per edit, as an edit must be durable
when it is acknowledged. Goal: ≤ 1.5× the plain same-rows baseline.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import sqlcipher3
from sqlalchemy import create_engine

from storage.models import Base
from tests.bench.common import report, scratch_profile
from workspace.annotations import AddAnnotation, Annotation
from workspace.workspace import Workspace

GOAL = 1.5
NOW = "2026-11-22T00:00:00.000000+00:00"


def _plain_connection(path: Path, key: bytes | None = None) -> sqlite3.Connection:
    conn = (sqlcipher3 if key else sqlite3).connect(path, isolation_level=None)
    if key:
        conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    Base.metadata.create_all(create_engine("sqlite://", module=sqlite3, creator=lambda: conn))
    conn.execute("INSERT INTO items VALUES ('item', NULL, 'text', 't', 'd', '{}', 'now')")
    return conn


def _insert_annotation(conn: sqlite3.Connection, annotation_id: str, data: str) -> None:
    conn.execute(
        "INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?)",
        (annotation_id, "item", None, "span", "Problem", data, "bench", NOW),
    )


def _plain_bare_row(count: int, directory: Path) -> float:
    conn = _plain_connection(directory / "bare.db")
    start = time.perf_counter()
    for n in range(count):
        conn.execute("BEGIN IMMEDIATE")
        _insert_annotation(conn, str(uuid.uuid4()), json.dumps({"n": n}))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / count


def _plain_same_rows(count: int, directory: Path, key: bytes | None = None) -> float:
    conn = _plain_connection(directory / f"same-{bool(key)}.db", key)
    start = time.perf_counter()
    for n in range(count):
        annotation_id = str(uuid.uuid4())
        data = json.dumps({"n": n})
        conn.execute("BEGIN IMMEDIATE")
        _insert_annotation(conn, annotation_id, data)
        last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
        row_id, prev = (last[0] + 1, last[1]) if last else (1, bytes(32))
        detail = json.dumps({"action": "do", "payload": {"annotation": data}})
        digest = hashlib.sha256(prev + detail.encode()).digest()
        conn.execute(
            "INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?)",
            (row_id, NOW, "bench", "annotation.save", "item", detail, prev, digest),
        )
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed / count


def _caliper(count: int, note: Path) -> float:
    with scratch_profile() as profile:
        workspace = Workspace(profile)
        (item,) = workspace.import_paths([note])
        document = workspace.document(item.id)
        stack = workspace.command_stack(item.id)
        start = time.perf_counter()
        for n in range(count):
            stack.push(AddAnnotation(document, Annotation(item.id, "span", "Problem", {"n": n})))
        return (time.perf_counter() - start) / count


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the ratio to the same-rows baseline."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    count = 200 if args.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        note = Path(tmp) / "note.txt"
        note.write_text("Benchmark note.\n")
        bare = _plain_bare_row(count, Path(tmp))
        plain = _plain_same_rows(count, Path(tmp))
        cipher = _plain_same_rows(count, Path(tmp), os.urandom(32))
        ours = _caliper(count, note)
    ratio = ours / plain
    report(
        f"Persist one command ({count} edits, one durable commit each)",
        [
            ("plain sqlite3, one bare row", f"{bare * 1e3:.3f} ms", "reference"),
            ("plain sqlite3, same rows", f"{plain * 1e3:.3f} ms", "baseline: row + audit"),
            ("sqlcipher3 alone, same rows", f"{cipher * 1e3:.3f} ms", "encryption cost"),
            ("Caliper command (SQLCipher)", f"{ours * 1e3:.3f} ms", "row + audit"),
            ("ratio to baseline", f"{ratio:.2f}x", f"goal <= {GOAL}x"),
            ("ratio to the bare row", f"{ours / bare:.2f}x", "for reference"),
        ],
        "MET" if ratio <= GOAL else "NOT MET",
    )
    return ratio


if __name__ == "__main__":
    main()
