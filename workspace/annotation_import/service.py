"""Reading an annotation file onto an item and saving it: the workspace side of the importers.

Everything in the file is read and checked first; only then is anything saved, through one
command (:class:`~workspace.annotations.AddAnnotations`, audited like any edit, one undo step)
or, for a label map, as a new segmentation snapshot. A bad file changes nothing stored.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workspace.annotation_import.base import (
    AnnotationImporter,
    AnnotationImportError,
    ImportTarget,
)
from workspace.annotation_import.registry import (
    annotation_importer,
    annotation_importer_for,
    sibling_annotation_files,
)
from workspace.annotation_kinds.base import source_of
from workspace.annotations import AddAnnotations
from workspace.errors import WorkspaceError
from workspace.item_payloads import StoredPayloads
from workspace.items import ItemSummary

if TYPE_CHECKING:
    from workspace.workspace import Workspace


@dataclass(frozen=True)
class ImportedAnnotations:
    """What one file brought: its format, how many annotations, the segments of a label map."""

    item_id: str
    file: str
    format: str
    count: int
    segments: tuple[str, ...] = ()


def _importer(path: Path, item: ItemSummary, fmt: str | None) -> AnnotationImporter:
    if fmt is None:
        return annotation_importer_for(path, item.modality)
    importer = annotation_importer(fmt, item.modality)
    if importer is None:
        raise AnnotationImportError(f"No annotation importer reads {fmt!r} files.")
    return importer


def import_annotations(
    workspace: Workspace,
    item_id: str,
    path: Path,
    *,
    fmt: str | None = None,
    label_names: Sequence[str] | None = None,
) -> ImportedAnnotations:
    """Read ``path`` onto item ``item_id`` as pre-annotations and save them (one step).

    ``fmt`` picks the format (else the file is sniffed among the formats the item's modality
    is exported in); ``label_names`` names a label map's values 1, 2, 3...
    """
    item = workspace.item(item_id)
    if not path.is_file():
        raise AnnotationImportError(f"{path}: does not exist or is not a regular file.")
    importer = _importer(path, item, fmt)
    workspace.require_editable(item_id)
    target = ImportTarget(
        item=item,
        schema=workspace.schema_for(item),
        payloads=StoredPayloads(workspace.profile),
        user=workspace.user,
        label_names=label_names,
    )
    read = importer.read(path, target)
    if read.labels is not None:
        workspace.save_segmentation(item_id, read.labels, source=path.name)
        names = tuple(s.name for s in read.labels.segments)
        return ImportedAnnotations(item_id, path.name, importer.format_id, len(names), names)
    if read.annotations:
        command = AddAnnotations(
            workspace.document(item_id), read.annotations, f"import {path.name}"
        )
        workspace.command_stack(item_id).push(command)
    return ImportedAnnotations(item_id, path.name, importer.format_id, len(read.annotations))


def sibling_files(item: ItemSummary, data_files: Sequence[Path]) -> list[Path]:
    """Annotation files lying beside ``data_files`` that fit ``item``'s modality."""
    found: list[Path] = []
    for data_file in data_files:
        found.extend(p for _, p in sibling_annotation_files(item.modality, data_file))
    return list(dict.fromkeys(found))


def import_siblings(
    workspace: Workspace,
    item: ItemSummary,
    data_files: Sequence[Path],
    on_problem: Callable[[Path, str], None] | None = None,
) -> list[ImportedAnnotations]:
    """Bring in the annotation files beside a newly imported item's files (``note.ann``).

    A file already read onto the item (its pre-annotations carry its name) is not read again,
    so importing the same note twice does not double its annotations. A sibling that cannot
    be read is reported to ``on_problem`` (else raised) and changes nothing; the item stays.
    """
    siblings = sibling_files(item, data_files)
    if not siblings:
        return []
    done = {
        source["file"]
        for annotation in workspace.document(item.id).all()
        if (source := source_of(annotation.data)) is not None
    }
    imported: list[ImportedAnnotations] = []
    for path in siblings:
        if path.name in done:
            continue
        try:
            imported.append(import_annotations(workspace, item.id, path))
        except WorkspaceError as exc:
            if on_problem is None:
                raise
            on_problem(path, f"{path}: its annotations were not imported: {exc}")
    return imported
