"""What every command shares: exit codes, the one-line error, passphrases, the profile."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app import paths

if TYPE_CHECKING:
    from workspace.workspace import Workspace

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
def read_secret_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def read_passphrase(args: argparse.Namespace, prompt: str = "Passphrase: ") -> str:
    """The passphrase from ``--passphrase-file``, ``CALIPER_PASSPHRASE`` or a prompt."""
    if getattr(args, "passphrase_file", None):
        return read_secret_file(Path(args.passphrase_file))
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
        value = read_secret_file(Path(args.new_passphrase_file))
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


def open_workspace(args: argparse.Namespace) -> Workspace:
    """Unlock the profile named by ``args``."""
    from workspace.workspace import Workspace

    return Workspace.unlock(profile_dir(args), read_passphrase(args))
