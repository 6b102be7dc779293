"""Profile commands: ``init``, ``passwd``, ``recovery-key export``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app.cli.common import (
    EXIT_OK,
    CliError,
    open_workspace,
    profile_dir,
    read_new_passphrase,
    read_passphrase,
    read_secret_file,
)


def cmd_init(args: argparse.Namespace) -> int:
    """Create a new profile."""
    from workspace.sync.signing import ensure_signing_key
    from workspace.workspace import Workspace

    path = profile_dir(args)
    passphrase = read_passphrase(args, "New passphrase: ")
    if len(passphrase) < 8:
        raise CliError("the passphrase must have at least 8 characters")
    workspace = Workspace.create(path, passphrase, user=args.user)
    ensure_signing_key(workspace)  # the key pair that signs this workstation's results
    print(f"created profile {path} for {workspace.user}")
    workspace.lock()
    return EXIT_OK


def cmd_passwd(args: argparse.Namespace) -> int:
    """Change the passphrase (re-wraps the data key), with the old one or a recovery key."""
    from storage.profile import Profile

    path = profile_dir(args)
    if args.recovery_key_file:
        recovery = read_secret_file(Path(args.recovery_key_file))
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
