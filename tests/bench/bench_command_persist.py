"""Persisting one command (annotation + journal + audit, SQLCipher) vs one plain sqlite3 row.

Both sides use WAL and ``synchronous=FULL`` and commit once per edit, as an edit must be
durable when it is acknowledged. Goal: ≤ 1.5× plain sqlite3.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

from tests.bench.common import report, scratch_profile
from workspace.annotations import AddAnnotation, Annotation
from workspace.workspace import Workspace

GOAL = 1.5


def _plain_sqlite(count: int, directory: Path) -> float:
    conn = sqlite3.connect(directory / "plain.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute(
        "CREATE TABLE annotations (id TEXT PRIMARY KEY, item_id TEXT, task_id TEXT, kind TEXT,"
        " label TEXT, data TEXT, author TEXT, updated_at TEXT)"
    )
    start = time.perf_counter()
    for n in range(count):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "INSERT INTO annotations VALUES (?,?,?,?,?,?,?,?)",
            (
                str(uuid.uuid4()),
                "item",
                None,
                "span",
                "Problem",
                json.dumps({"n": n}),
                "bench",
                "2026-11-22T00:00:00",
            ),
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
    """Run the benchmark; returns the ratio."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    count = 200 if args.quick else 2000
    with tempfile.TemporaryDirectory() as tmp:
        note = Path(tmp) / "note.txt"
        note.write_text("Benchmark note.\n")
        plain = _plain_sqlite(count, Path(tmp))
        ours = _caliper(count, note)
    ratio = ours / plain
    report(
        f"Persist one command ({count} edits, one durable commit each)",
        [
            ("plain sqlite3 row (baseline)", f"{plain * 1e3:.3f} ms", ""),
            ("Caliper command (SQLCipher)", f"{ours * 1e3:.3f} ms", "row + journal + audit"),
            ("ratio", f"{ratio:.2f}x", f"goal <= {GOAL}x"),
        ],
        "MET" if ratio <= GOAL else "NOT MET",
    )
    return ratio


if __name__ == "__main__":
    main()
