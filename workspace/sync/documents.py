"""Batch manifests and task results: the two JSON documents of the sync protocol.

Both are validated against the JSON Schemas shipped in ``resources/sync/`` whenever they are
made or received, so a malformed document is refused with one message naming the problem.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import resources
from workspace.errors import WorkspaceError
from workspace.sync.protocol import (
    PER_TASK_SCHEMA_PROTOCOL,
    READABLE_PROTOCOLS,
)

SCHEMA_DIR = Path(resources.__file__).parent / "sync"


class DocumentError(WorkspaceError, ValueError):
    """A manifest or result that does not follow the protocol."""


@cache
def _validator(name: str) -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def validate(kind: str, document: object) -> None:
    """Raise :class:`DocumentError` unless ``document`` is a valid ``kind`` (manifest/result)."""
    errors = sorted(_validator(kind).iter_errors(document), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(top level)"
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise DocumentError(f"Invalid {kind} at {where}: {first.message}{more}")
    if kind == "manifest" and isinstance(document, dict):
        task_schema_documents(document)


def task_schema_documents(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each task's label schema document by task id: the one its ``schema_id`` names (protocol
    3), else the manifest's ``schema``; :class:`DocumentError` if a task names one not carried.
    """
    carried = {manifest["schema"]["id"]: manifest["schema"]}
    for document in manifest.get("schemas", []):
        carried.setdefault(document["id"], document)
    named = [t.get("schema_id") for t in manifest["tasks"] if "schema_id" in t]
    if (named or "schemas" in manifest) and manifest["protocol"] < PER_TASK_SCHEMA_PROTOCOL:
        raise DocumentError(
            f"Invalid manifest: per-task schemas need protocol {PER_TASK_SCHEMA_PROTOCOL}, "
            f"it says {manifest['protocol']}"
        )
    out: dict[str, dict[str, Any]] = {}
    for task in manifest["tasks"]:
        schema_id = task.get("schema_id", manifest["schema"]["id"])
        if schema_id not in carried:
            raise DocumentError(
                f"Invalid manifest: task {task['task_id']} names schema {schema_id!r}, "
                "which the manifest does not carry"
            )
        out[task["task_id"]] = carried[schema_id]
    return out


def encode(kind: str, document: dict[str, Any]) -> bytes:
    """Validated, canonical JSON bytes of ``document``."""
    validate(kind, document)
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def decode(kind: str, data: bytes | bytearray) -> dict[str, Any]:
    """The document in ``data``, validated."""
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(f"The {kind} is not JSON: {exc}") from None
    if isinstance(document, dict) and document.get("protocol") not in (None, *READABLE_PROTOCOLS):
        raise DocumentError(
            f"The {kind} uses protocol {document.get('protocol')}; this Caliper speaks "
            f"protocol {max(READABLE_PROTOCOLS)}. Update Caliper."
        )
    validate(kind, document)
    return dict(document)


@dataclass(frozen=True)
class PayloadFile:
    """One file of an item as it travels: its name, SHA-256 and size."""

    name: str
    digest: str
    size: int


def manifest_files(manifest: dict[str, Any]) -> list[PayloadFile]:
    """Every distinct payload object a manifest names, in task order."""
    seen: dict[str, PayloadFile] = {}
    for task in manifest["tasks"]:
        for f in task["item"]["files"]:
            seen.setdefault(f["digest"], PayloadFile(f["name"], f["digest"], int(f["size"])))
    return list(seen.values())
