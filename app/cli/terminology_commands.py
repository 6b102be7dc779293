"""``caliper terminology import|list|search``: offline code systems in the encrypted profile.

``import --system loinc|snomed|rxnorm FILE`` loads a release the user downloaded themselves
(nothing is downloaded here) and replaces that system's previous release; a bad line stops it
with one message naming the line, and nothing is imported. ``search SYSTEM QUERY`` finds codes
by code prefix or words; ICD-10-CM needs no import (the ``simple-icd-10-cm`` table ships it).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from app.cli.common import EXIT_OK, CliError, open_workspace

ICD10CM = "ICD10CM"  # as workspace.terminology.concept names it (imported lazily)


def _system_id(name: str) -> str:
    """A system as the user typed it (``snomed``, ``SCT``, ``icd10cm``...) as its schema id."""
    from workspace.terminology.releases import SYSTEM_NAMES

    wanted = name.strip()
    ids = {*SYSTEM_NAMES.values(), ICD10CM}
    by_name = {**SYSTEM_NAMES, "icd10cm": ICD10CM, "icd-10-cm": ICD10CM}
    found = by_name.get(wanted.lower()) or next((s for s in ids if s == wanted.upper()), None)
    if found is None:
        known = ", ".join(sorted(by_name))
        raise CliError(f"unknown code system {name!r}; known: {known}")
    return found


def cmd_terminology_import(args: argparse.Namespace) -> int:
    """Import a release file; one line: system, version, terms."""
    from workspace.terminology.releases import SYSTEM_NAMES, version_from_name

    system = SYSTEM_NAMES[args.system]
    path = Path(args.file)
    if not path.is_file():
        raise CliError(f"no such file: {path}")
    version = args.version or version_from_name(system, path)
    workspace = open_workspace(args)
    try:
        info = workspace.terminologies().import_release(system, path, version)
    finally:
        workspace.lock()
    print(f"imported\t{info.system}\t{info.version or '-'}\t{info.terms} terms\t{info.source}")
    return EXIT_OK


def cmd_terminology_list(args: argparse.Namespace) -> int:
    """The searchable systems: ICD-10-CM (built in) and each imported release."""
    from workspace.terminology import icd10cm

    workspace = open_workspace(args)
    try:
        releases = [asdict(r) for r in workspace.terminologies().releases()]
    finally:
        workspace.lock()
    version = icd10cm.package_version()
    builtin = {"system": ICD10CM, "version": version, "source": "simple-icd-10-cm (built in)"}
    rows = [{**builtin, "terms": None, "imported_at": None}, *releases]
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return EXIT_OK
    for row in rows:
        terms = "-" if row["terms"] is None else f"{row['terms']} terms"
        fields = [row["system"], row["version"] or "-", terms, row["source"]]
        print("\t".join([*fields, row["imported_at"] or ""]).rstrip("\t"))
    return EXIT_OK


def cmd_terminology_search(args: argparse.Namespace) -> int:
    """Print the best matches: code, display (tab-separated), or ``--json``."""
    from workspace.terminology.search import search

    system = _system_id(args.system)
    if args.limit < 1:
        raise CliError("--limit must be at least 1")
    workspace = open_workspace(args)
    try:
        found = search(
            system,
            args.query,
            args.limit,
            store=workspace.terminologies(),
            billable_only=not args.all_codes,
        )
    finally:
        workspace.lock()
    if args.json:
        print(json.dumps([asdict(c) for c in found], indent=2, ensure_ascii=False))
        return EXIT_OK
    for concept in found:
        print(f"{concept.code}\t{concept.display}")
    return EXIT_OK


def add_terminology_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """``terminology import|list|search``."""
    terminology = sub.add_parser("terminology", help="code systems for coding annotations")
    actions = terminology.add_subparsers(dest="terminology_command", metavar="ACTION")
    actions.required = True
    importing = actions.add_parser(
        "import",
        parents=[common],
        help="load a release you downloaded (replaces that system's previous release)",
    )
    importing.add_argument(
        "--system",
        required=True,
        choices=["loinc", "snomed", "rxnorm"],
        help="loinc: Loinc.csv; snomed: sct2_Description_Snapshot-en_*.txt; rxnorm: RXNCONSO.RRF",
    )
    importing.add_argument("file", metavar="FILE")
    importing.add_argument("--version", metavar="TEXT", default="", help="release version")
    importing.set_defaults(handler=cmd_terminology_import)
    listing = actions.add_parser("list", parents=[common], help="the searchable code systems")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    listing.set_defaults(handler=cmd_terminology_list)
    finding = actions.add_parser("search", parents=[common], help="find codes by code or words")
    finding.add_argument("system", metavar="SYSTEM", help="icd10cm, loinc, snomed or rxnorm")
    finding.add_argument("query", metavar="QUERY")
    finding.add_argument("--limit", type=int, default=25, metavar="N")
    finding.add_argument(
        "--all-codes", action="store_true", help="ICD-10-CM: include non-billable category codes"
    )
    finding.add_argument("--json", action="store_true", help="machine-readable output")
    finding.set_defaults(handler=cmd_terminology_search)
