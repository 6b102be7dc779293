"""The ``caliper`` command line: profile management, import, listing, audit and the GUI.

Every command takes ``--profile DIR`` (or ``CALIPER_PROFILE``) and reads the passphrase from
``CALIPER_PASSPHRASE``, ``--passphrase-file FILE`` or a prompt. Errors are one line on stderr
and a non-zero exit, never a traceback (set ``CALIPER_DEBUG=1`` to see one).
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app import paths
from storage.errors import StorageError, WrongPassphraseError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


class CliError(Exception):
    """A user-facing failure: printed as one line, exit code attached."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------- passphrases
def _read_secret_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ") -> str:
    """The passphrase from ``--passphrase-file``, ``CALIPER_PASSPHRASE`` or a prompt."""
    if getattr(args, "passphrase_file", None):
        return _read_secret_file(Path(args.passphrase_file))
    if os.environ.get("CALIPER_PASSPHRASE"):
        return os.environ["CALIPER_PASSPHRASE"]
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    raise CliError(
        "no passphrase given: set CALIPER_PASSPHRASE, use --passphrase-file or run in a terminal",
        EXIT_USAGE,
    )


def read_new_passphrase(args: argparse.Namespace) -> str:
    """A new passphrase from ``--new-passphrase-file``, ``CALIPER_NEW_PASSPHRASE`` or prompts."""
    if getattr(args, "new_passphrase_file", None):
        value = _read_secret_file(Path(args.new_passphrase_file))
    elif os.environ.get("CALIPER_NEW_PASSPHRASE"):
        value = os.environ["CALIPER_NEW_PASSPHRASE"]
    elif sys.stdin is not None and sys.stdin.isatty():
        value = getpass.getpass("New passphrase: ")
        if getpass.getpass("Repeat new passphrase: ") != value:
            raise CliError("the two passphrases differ; nothing was changed")
    else:
        raise CliError(
            "no new passphrase given: set CALIPER_NEW_PASSPHRASE or use --new-passphrase-file",
            EXIT_USAGE,
        )
    if len(value) < 8:
        raise CliError("the new passphrase must have at least 8 characters; nothing was changed")
    return value


def profile_dir(args: argparse.Namespace) -> Path:
    """The profile directory from ``--profile``, ``CALIPER_PROFILE`` or the default."""
    if getattr(args, "profile", None):
        return Path(args.profile).expanduser()
    if os.environ.get("CALIPER_PROFILE"):
        return Path(os.environ["CALIPER_PROFILE"]).expanduser()
    return paths.default_profile_dir()


def open_workspace(args: argparse.Namespace) -> Any:
    """Unlock the profile named by ``args``."""
    from workspace.workspace import Workspace

    return Workspace.unlock(profile_dir(args), read_passphrase(args))


# ---------------------------------------------------------------------------- commands
def cmd_init(args: argparse.Namespace) -> int:
    """Create a new profile."""
    from workspace.workspace import Workspace

    path = profile_dir(args)
    passphrase = read_passphrase(args, "New passphrase: ")
    if len(passphrase) < 8:
        raise CliError("the passphrase must have at least 8 characters")
    workspace = Workspace.create(path, passphrase, user=args.user)
    print(f"created profile {path} for {workspace.user}")
    workspace.lock()
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    """Change the passphrase (re-wraps the data key), with the old one or a recovery key."""
    from storage.profile import Profile

    path = profile_dir(args)
    if args.recovery_key_file:
        recovery = _read_secret_file(Path(args.recovery_key_file))
        profile = Profile.unlock_with_recovery_key(path, recovery)
    else:
        profile = Profile.unlock(path, read_passphrase(args, "Current passphrase: "))
    try:
        profile.change_passphrase(read_new_passphrase(args))
    finally:
        profile.lock()
    print("passphrase changed")
    return EXIT_OK


def cmd_recovery_export(args: argparse.Namespace) -> int:
    """Write a new recovery key to a file readable only by its owner."""
    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists; use --force to overwrite")
    workspace = open_workspace(args)
    try:
        key = workspace.profile.export_recovery_key()
    finally:
        workspace.lock()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    print(f"recovery key written to {out}; keep it offline, any earlier one no longer works")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    """Import files or folders; one tab-separated line per item: id, modality, title."""
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise CliError(f"no such file or folder: {missing[0]}")
    workspace = open_workspace(args)
    problems: list[str] = []

    def on_problem(path: Path, message: str) -> None:
        problems.append(f"{path}: {message}")
        print(f"caliper: skipped {path}: {message}", file=sys.stderr)

    try:
        items = workspace.import_paths([Path(p) for p in args.paths], on_problem=on_problem)
    finally:
        workspace.lock()
    for item in items:
        print(f"{item.id}\t{item.modality}\t{item.title}")
    if not items:
        raise CliError("nothing was imported" + (f" ({len(problems)} skipped)" if problems else ""))
    return EXIT_OK


def _listing(workspace: Any, what: str) -> dict[str, list[dict[str, Any]]]:
    listing: dict[str, list[dict[str, Any]]] = {}
    if what in ("all", "items"):
        listing["items"] = [asdict(i) for i in workspace.items()]
    if what in ("all", "tasks"):
        listing["tasks"] = [{**asdict(t), "status": t.status.value} for t in workspace.tasks()]
    if what in ("all", "annotations"):
        listing["annotations"] = [asdict(a) for a in workspace.annotations()]
    return listing


_COLUMNS = {
    "items": ("id", "modality", "title"),
    "tasks": ("id", "status", "modality", "item_title", "batch_title"),
    "annotations": ("id", "item_id", "kind", "label", "author", "updated_at"),
}


def cmd_list(args: argparse.Namespace) -> int:
    """List items, tasks and annotations (``--json`` for scripts)."""
    workspace = open_workspace(args)
    try:
        listing = _listing(workspace, args.what)
    finally:
        workspace.lock()
    if args.json:
        print(json.dumps(listing, indent=2, ensure_ascii=False))
        return EXIT_OK
    for section, rows in listing.items():
        print(f"# {section} ({len(rows)})")
        for row in rows:
            print(
                "\t".join(
                    str(row.get(col) if row.get(col) is not None else "")
                    for col in _COLUMNS[section]
                )
            )
    return EXIT_OK


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
    """Check everything: database pages, SQLCipher HMACs, every blob, the audit chain."""
    from storage.errors import IntegrityError

    workspace = open_workspace(args)
    failures: list[str] = []
    try:
        failures += [f"database: {p}" for p in workspace.profile.database.integrity_problems()]
        blobs = workspace.profile.blobs
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
    if failures:
        for failure in failures[:-1]:
            print(f"caliper: {failure}", file=sys.stderr)
        raise CliError(failures[-1])
    print(f"profile sound: database, {len(infos)} blobs, audit log ({report.rows} rows)")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Create (once) and open the demo profile with sample data of every modality."""
    from workspace.demo_profile import DEMO_PASSPHRASE, open_or_create_demo

    explicit = getattr(args, "profile", None)
    path = Path(explicit).expanduser() if explicit else paths.default_demo_dir()
    workspace, created = open_or_create_demo(path)
    verb = "created" if created else "opened"
    print(f"{verb} demo profile {path} (passphrase: {DEMO_PASSPHRASE})")
    if args.no_gui:
        for item in workspace.items():
            print(f"{item.id}\t{item.modality}\t{item.title}")
        workspace.lock()
        return EXIT_OK
    from app.gui import launch

    return launch(path, workspace)


def cmd_open(args: argparse.Namespace) -> int:
    """Open the workstation on a profile (asks for the passphrase in a dialog)."""
    from app.gui import launch

    return launch(profile_dir(args))


# ---------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser (shared options accepted before or after the command)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--profile",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="profile directory (default: $CALIPER_PROFILE or the user data dir)",
    )
    common.add_argument(
        "--passphrase-file",
        metavar="FILE",
        default=argparse.SUPPRESS,
        help="read the passphrase from FILE (else $CALIPER_PASSPHRASE or a prompt)",
    )
    parser = argparse.ArgumentParser(
        prog="caliper",
        parents=[common],
        description="Caliper: offline, encrypted annotation workstation for clinical data.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(
        name: str, handler: Callable[[argparse.Namespace], int], text: str
    ) -> argparse.ArgumentParser:
        command = sub.add_parser(name, parents=[common], help=text, description=text)
        command.set_defaults(handler=handler)
        return command

    add("init", cmd_init, "create a new encrypted profile").add_argument(
        "--user", help="name recorded on every edit and audit row (default: login name)"
    )
    passwd = add("passwd", cmd_passwd, "change the passphrase (the data key is re-wrapped)")
    passwd.add_argument(
        "--recovery-key-file",
        metavar="FILE",
        help="unlock with a recovery key instead of the current passphrase",
    )
    passwd.add_argument(
        "--new-passphrase-file",
        metavar="FILE",
        help="read the new passphrase from FILE (else $CALIPER_NEW_PASSPHRASE)",
    )
    recovery = sub.add_parser("recovery-key", help="recovery key management")
    recovery_sub = recovery.add_subparsers(dest="recovery_command", metavar="ACTION", required=True)
    export = recovery_sub.add_parser(
        "export", parents=[common], help="write a new recovery key to a file"
    )
    export.add_argument("--out", required=True, metavar="FILE")
    export.add_argument("--force", action="store_true", help="overwrite FILE")
    export.set_defaults(handler=cmd_recovery_export)
    add("import", cmd_import, "import files or folders").add_argument(
        "paths", nargs="+", metavar="PATH"
    )
    listing = add("list", cmd_list, "list items, tasks and annotations")
    listing.add_argument(
        "what", nargs="?", default="all", choices=["all", "items", "tasks", "annotations"]
    )
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    audit = sub.add_parser("audit", help="audit log")
    audit_sub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    audit_sub.add_parser("verify", parents=[common], help="check the hash chain").set_defaults(
        handler=cmd_audit_verify
    )
    show = audit_sub.add_parser("show", parents=[common], help="print the newest rows")
    show.add_argument("--limit", type=int, default=50)
    show.set_defaults(handler=cmd_audit_show)
    add("check", cmd_check, "check database, blobs and audit log for damage")
    add("demo", cmd_demo, "create and open the demo profile").add_argument(
        "--no-gui", action="store_true", help="create the profile and list its items only"
    )
    add("open", cmd_open, "open the workstation (the default)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``caliper`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", cmd_open)
    try:
        return handler(args)
    except CliError as exc:
        print(f"caliper: {exc}", file=sys.stderr)
        return exc.code
    except WrongPassphraseError as exc:
        print(f"caliper: {exc} Nothing was changed.", file=sys.stderr)
        return EXIT_ERROR
    except (StorageError, KeyError, ValueError, OSError) as exc:
        if os.environ.get("CALIPER_DEBUG"):
            raise
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"caliper: {message}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("caliper: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("CALIPER_DEBUG"):
            raise
        print(
            f"caliper: internal error ({type(exc).__name__}: {exc}); "
            "run with CALIPER_DEBUG=1 for details",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
