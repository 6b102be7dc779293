"""``caliper export``: one item's annotations written in the format asked for.

The workspace side of the exporters: it checks that the format is one of the item's
modality's (:mod:`workspace.export.formats`), builds the exporter's narrow
:class:`~workspace.export.base.ExportInput` and writes owner-only files, audited. How each
format is written is its exporter's business (:mod:`workspace.export.registry`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.fileio import owner_only_files
from workspace.export.base import ExportError, ExportInput
from workspace.export.formats import export_formats, formats_for, modalities_of
from workspace.export.registry import exporter
from workspace.item_payloads import StoredPayloads
from workspace.items import ItemSummary

if TYPE_CHECKING:
    from workspace.workspace import Workspace


def export_item(
    workspace: Workspace,
    item_id: str,
    fmt: str,
    out: Path,
    options: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write the item's annotations as ``fmt`` (audited); returns the files written.
    ``options`` are the format's own (see its exporter)."""
    known = export_formats()
    if fmt not in known:
        raise ExportError(f"Unknown format {fmt!r}; use one of {', '.join(known)}.")
    item = workspace.item(item_id)
    if fmt not in formats_for(item.modality):
        fitting = ", ".join(formats_for(item.modality)) or "none yet"
        raise ExportError(
            f"Item {item_id} is a {item.modality} item; {fmt} is for "
            f"{' and '.join(modalities_of(fmt))} items (formats for {item.modality} items: "
            f"{fitting})."
        )
    with owner_only_files():  # 0600 files (0700 folders), or stricter under the umask
        written = write_format(workspace, item, fmt, out, options)
    workspace.profile.audit.record(
        "item.export", item_id, {"format": fmt, "files": [p.name for p in written]}
    )
    return written


def write_format(
    workspace: Workspace,
    item: ItemSummary,
    fmt: str,
    out: Path,
    options: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write ``item``'s own annotations as ``fmt`` through its exporter (no checks, no audit)."""
    source = ExportInput(
        item=item,
        annotations=workspace.annotations(item.id),
        schema=workspace.schema_for(item),
        payloads=StoredPayloads(workspace.profile),
        user=workspace.user,
        options=dict(options or {}),
    )
    return exporter(fmt, item.modality).write(source, out)
