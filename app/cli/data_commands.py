"""Data commands: ``import`` and ``list``."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import EXIT_OK, CliError, open_workspace

if TYPE_CHECKING:
    from workspace.workspace import Workspace


def cmd_import(args: argparse.Namespace) -> int:
    """Import files or folders; one tab-separated line per item: id, modality, title."""
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        raise CliError(f"no such file or folder: {missing[0]}")
    if args.annotations_of:
        return _import_annotations(args)
    workspace = open_workspace(args)
    problems: list[str] = []

    def on_problem(path: Path, message: str) -> None:
        problems.append(message if message.startswith(str(path)) else f"{path}: {message}")

    def on_warning(path: Path, message: str) -> None:
        print(f"caliper: warning: {message} ({path})", file=sys.stderr)

    try:
        items, again = workspace.import_counted(
            [Path(p) for p in args.paths],
            on_problem=on_problem,
            on_warning=on_warning,
            frame=getattr(args, "frame", None),
        )
    finally:
        workspace.lock()
    if not items and len(problems) == 1:
        raise CliError(f"nothing was imported: {problems[0]}")
    for problem in problems:
        print(f"caliper: skipped {problem}", file=sys.stderr)
    for item in items:  # every item the paths hold, new or not, so scripts get their ids
        print(f"{item.id}\t{item.modality}\t{item.title}")
    if again:
        new = len(items) - len(again)
        print(
            f"caliper: {len(again)} item{'s were' if len(again) != 1 else ' was'} already in the "
            f"profile (nothing changed for {'them' if len(again) != 1 else 'it'})"
            + (f"; {new} new" if new else ""),
            file=sys.stderr,
        )
    if not items:
        raise CliError("nothing was imported" + (f" ({len(problems)} skipped)" if problems else ""))
    return EXIT_OK


def _import_annotations(args: argparse.Namespace) -> int:
    """``import FILE... --annotations-of ITEM``: one line per file: item, format, what came.

    A label map prints its segment names (as ``--segmentation-of`` always did).
    """
    from workspace.annotation_import.service import import_annotations

    names = [n.strip() for n in args.labels.split(",")] if args.labels else None
    workspace = open_workspace(args)
    try:
        for path in args.paths:  # each file is one step, printed once it is saved
            result = import_annotations(
                workspace, args.annotations_of, Path(path), label_names=names
            )
            if result.segments:
                what = f"segmentation\t{', '.join(result.segments)}"
            else:
                what = f"{result.format}\t{result.count} annotations from {result.file}"
            print(f"{result.item_id}\t{what}")
    finally:
        workspace.lock()
    return EXIT_OK


def _listing(workspace: Workspace, what: str) -> dict[str, list[dict[str, Any]]]:
    listing: dict[str, list[dict[str, Any]]] = {}
    if what in ("all", "items"):
        listing["items"] = [asdict(i) for i in workspace.items()]
    if what in ("all", "tasks"):
        listing["tasks"] = [
            {
                **asdict(t),
                "status": t.status.value,
                "schema_id": workspace.schema_id_for(workspace.item(t.item_id)),
            }
            for t in workspace.tasks()
        ]
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
