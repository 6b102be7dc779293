"""What an exporter is given and what it must provide.

An exporter takes an :class:`ExportInput` — the item's summary, its annotations, the label
schema they are checked against, who exports, and lazy access to the item's stored payloads
(:class:`ItemPayloads`) — never the whole workspace. The workspace side builds the input
(:mod:`workspace.export.item_export`); the manager's collector builds one from a result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from workspace.errors import WorkspaceError
from workspace.item_payloads import ItemPayloads

if TYPE_CHECKING:
    from workspace.annotations import Annotation
    from workspace.items import ItemSummary
    from workspace.schema import LabelSchema


class ExportError(WorkspaceError):
    """An export that cannot be written; the message is one clear sentence."""


@dataclass(frozen=True)
class ExportInput:
    """Everything an exporter may read; ``options`` are the format's own (e.g. surrogates)."""

    item: ItemSummary
    annotations: Sequence[Annotation]
    schema: LabelSchema
    payloads: ItemPayloads
    user: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


class Exporter(Protocol):
    """Writes one format. ``result_file`` is the file name ``queue collect`` gives the format
    in a result's folder when it is written from the result's annotations alone (None for
    formats that need the stored segmentation or source images)."""

    format_id: str
    result_file: str | None

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (and any companion files); return every path written."""
        ...


def number(meta: dict[str, Any], key: str) -> float:
    """A number recorded in the item's meta (ExportError if it is not)."""
    value = meta.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExportError(f"The item's {key} is not recorded; re-import it to export it.")
    return float(value)


def record_samples(meta: dict[str, Any]) -> int | None:
    """The record's length in samples as its meta records it (None if not recorded)."""
    samples = meta.get("samples")
    return (
        samples
        if isinstance(samples, int) and not isinstance(samples, bool) and samples > 0
        else None
    )


def require_suffix(out: Path, fmt: str, suffixes: Sequence[str]) -> None:
    """``out``'s name ends with one of ``suffixes`` (ExportError otherwise)."""
    if not out.name.lower().endswith(tuple(suffixes)):
        raise ExportError(f"{out.name}: a {fmt} file name ends with {' or '.join(suffixes)}.")
