"""``caliper suggest ITEM --phi --context``: pre-annotate a note with the shipped rules."""

from __future__ import annotations

import argparse
from collections import Counter

from app.cli.common import EXIT_OK, CliError, open_workspace


def add_suggest_command(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """Register ``suggest``."""
    text = "propose PHI spans and assertion hints on a note (accepted or rejected later)"
    suggest = sub.add_parser("suggest", parents=[common], help=text, description=text)
    suggest.add_argument("item", metavar="ITEM")
    suggest.add_argument(
        "--phi", action="store_true", help="PHI candidates of every Safe Harbor type"
    )
    suggest.add_argument(
        "--context",
        action="store_true",
        help="certainty, temporality and experiencer hints on entity spans (ConText rules)",
    )
    suggest.set_defaults(handler=cmd_suggest)


def _print(title: str, counts: Counter[str]) -> None:
    print(f"{title}\t{sum(counts.values())}")
    for name, count in sorted(counts.items()):
        print(f"  {name}\t{count}")


def cmd_suggest(args: argparse.Namespace) -> int:
    """Add the rules' suggestions to ITEM (one undo step each) and print counts per type."""
    from workspace.text_rules.suggest import suggest_context, suggest_phi

    if not (args.phi or args.context):
        raise CliError("say what to suggest: --phi, --context or both")
    workspace = open_workspace(args)
    try:
        if args.phi:
            _print("phi suggestions", suggest_phi(workspace, args.item))
        if args.context:
            _print("assertion hints", suggest_context(workspace, args.item))
    finally:
        workspace.lock()
    return EXIT_OK
