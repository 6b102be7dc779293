"""The ``caliper`` command line: profile management, import, listing, audit and the GUI.

Every command takes ``--profile DIR`` (or ``CALIPER_PROFILE``) and reads the passphrase from
``CALIPER_PASSPHRASE``, ``--passphrase-file FILE`` or a prompt. Errors are one line on stderr
and a non-zero exit, never a traceback (set ``CALIPER_DEBUG=1`` to see one): the domain errors
(:class:`CliError`, :class:`StorageError`, :class:`WorkspaceError`) and OS errors say what went
wrong; anything else is a bug, reported as an internal error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from app.cli.common import EXIT_ERROR, EXIT_INTERNAL, CliError
from app.cli.gui_commands import cmd_open
from app.cli.parser import build_parser
from storage.errors import StorageError, WrongPassphraseError
from workspace.errors import WorkspaceError

__all__ = ["build_parser", "main"]


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
    except (StorageError, WorkspaceError, OSError) as exc:  # each says itself in one sentence
        if os.environ.get("CALIPER_DEBUG"):
            raise
        print(f"caliper: {exc}", file=sys.stderr)
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
