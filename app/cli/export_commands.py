"""``caliper export ITEM --format FORMAT --out PATH`` (``--surrogates`` for ``deid-text``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import EXIT_OK, CliError, open_workspace


def cmd_export(args: argparse.Namespace) -> int:
    """Write an item's segmentation or measurements in an open format; one line per file."""
    from workspace.export.deid_text import FORMAT as DEID_FORMAT
    from workspace.export.deid_text import deid_options
    from workspace.export.item_export import export_item
    from workspace.export.labelmap_files import ExportError

    out = Path(args.out)
    if out.exists() and not args.force:
        raise CliError(f"{out} exists; use --force to overwrite")
    if not out.parent.is_dir():
        raise CliError(f"no such folder: {out.parent}")
    surrogates = getattr(args, "surrogates", False)
    if surrogates and args.format != DEID_FORMAT:
        raise CliError(f"--surrogates is for --format {DEID_FORMAT}")
    workspace = open_workspace(args)
    try:
        options = deid_options(workspace, surrogates) if args.format == DEID_FORMAT else {}
        written = export_item(workspace, args.item, args.format, out, options)
    except ExportError as exc:
        raise CliError(str(exc)) from None
    finally:
        workspace.lock()
    for path in written:
        print(path)
    return EXIT_OK
