"""Integrity commands: ``audit verify``, ``audit show`` and ``check``."""

from __future__ import annotations

import argparse
import sys

from app.cli.common import EXIT_OK, CliError, open_workspace, profile_dir, read_passphrase
from storage.errors import StorageError


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Check the audit log's hash chain, its newest row against the anchor file and, with
    ``--server``, against the head published last."""
    from app.cli.sync_commands import check_audit_online

    workspace = open_workspace(args)
    try:
        report = workspace.profile.audit.verify()
        online = check_audit_online(workspace, args) if report.ok and args.server else ""
    finally:
        workspace.lock()
    if report.ok:
        print(
            f"audit log intact: {report.rows} rows, newest row matches the anchor "
            "(a rollback of the whole profile is caught only against a published head)"
            + (f"\n{online}" if online else "")
        )
        return EXIT_OK
    raise CliError(f"audit log broken at row {report.first_bad_id}: {report.reason}")


def _raise_failures(failures: list[str]) -> None:
    """Print every failure but the last, one line each; raise the last as the error."""
    for failure in failures[:-1]:
        print(f"caliper: {failure}", file=sys.stderr)
    raise CliError(failures[-1])


def _damaged_database_report(args: argparse.Namespace, passphrase: str) -> None:
    """For a database too damaged to unlock: name its damaged pages, one line each."""
    from storage.profile import Profile

    problems = Profile.database_problems(profile_dir(args), passphrase)
    problems = problems or ["the database could not be opened but no damaged page was found"]
    _raise_failures([f"database: {p}" for p in problems])


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
    from storage.errors import DatabaseDamagedError, IntegrityError
    from workspace.workspace import Workspace

    passphrase = read_passphrase(args)
    try:
        workspace = Workspace.unlock(profile_dir(args), passphrase)
    except DatabaseDamagedError:
        _damaged_database_report(args, passphrase)
        raise
    failures: list[str] = []
    try:
        failures += [f"database: {p}" for p in workspace.profile.database.integrity_problems()]
        if failures:  # the checks below would only trip over the damaged pages
            _raise_failures(failures)
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
