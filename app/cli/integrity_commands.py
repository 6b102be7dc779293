"""Integrity commands: ``audit verify``, ``audit show`` and ``check``."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import EXIT_OK, CliError, open_workspace
from storage.errors import StorageError


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's hash chain."""
    workspace = open_workspace(args)
    try:
        report = workspace.profile.audit.verify()
    finally:
        workspace.lock()
    if report.ok:
        print(f"audit log intact: {report.rows} rows")
        return EXIT_OK
    raise CliError(f"audit log broken at row {report.first_bad_id}: {report.reason}")


def cmd_audit_show(args: argparse.Namespace) -> int:
    """Print the newest audit rows."""
    workspace = open_workspace(args)
    try:
        entries = workspace.profile.audit.entries(args.limit)
    finally:
        workspace.lock()
    for entry in entries:
        print(
            f"{entry['id']}\t{entry['at']}\t{entry['user']}\t{entry['event']}\t{entry['subject']}"
        )
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Check everything: database pages, SQLCipher HMACs, every blob, the audit chain.

    Temporary files left in ``blobs/`` by a killed import are removed (and named); files the
    blob index does not know are named and left in place.
    """
    from storage.errors import IntegrityError

    workspace = open_workspace(args)
    failures: list[str] = []
    try:
        failures += [f"database: {p}" for p in workspace.profile.database.integrity_problems()]
        blobs = workspace.profile.blobs
        folder = blobs.sweep()
        infos = blobs.digests()
        for info in infos:
            try:
                blobs.verify(info.digest)
            except (IntegrityError, StorageError) as exc:
                failures.append(f"blob: {exc}")
        report = workspace.profile.audit.verify()
        if not report.ok:
            failures.append(f"audit log broken at row {report.first_bad_id}: {report.reason}")
    finally:
        workspace.lock()
    root = blobs.root.parent
    for path in folder.removed:
        print(f"removed {path.relative_to(root)}: a temporary file left by an interrupted import")
    for path in folder.busy:
        print(f"left {path.relative_to(root)}: a blob still being written by another process")
    for path in folder.unknown:
        print(
            f"caliper: warning: {path.relative_to(root)} is not a blob of this profile "
            "(left in place; look at it, then move it out)",
            file=sys.stderr,
        )
    if failures:
        for failure in failures[:-1]:
            print(f"caliper: {failure}", file=sys.stderr)
        raise CliError(failures[-1])
    unknown = f"; {len(folder.unknown)} unknown files in blobs/" if folder.unknown else ""
    print(f"profile sound: database, {len(infos)} blobs, audit log ({report.rows} rows){unknown}")
    return EXIT_OK
