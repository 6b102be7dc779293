"""Commands that open the workstation: ``demo`` and ``open``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from app import paths
from app.cli.common import EXIT_OK, open_workspace, profile_dir


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
    """Open the workstation on a profile: unlocked with ``--passphrase-file`` or
    ``CALIPER_PASSPHRASE`` when given (a wrong one is refused in one line, before any
    window), else with the passphrase asked for in a dialog."""
    import app.domain_first  # noqa: F401 - before PySide6
    from app.gui import launch

    if getattr(args, "passphrase_file", None) or os.environ.get("CALIPER_PASSPHRASE"):
        return launch(profile_dir(args), open_workspace(args))
    return launch(profile_dir(args))
