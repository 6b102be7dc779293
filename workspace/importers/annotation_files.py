"""Annotation files lying beside the data they annotate (``note.ann``, ``100.atr``...).

They are not items: a folder scan neither imports them as items nor reports them as unknown
files; the workspace reads them onto the item made from the data file beside them
(:func:`workspace.annotation_import.service.import_siblings`). An annotation file with no data
beside it is reported as unrecognised, as any other file no importer claims. brat's
configuration files (``annotation.conf``, ``visual.conf``...) in a folder of ``.ann`` files
are neither items nor unknown files either (the brat importer reads ``annotation.conf``).
"""

from __future__ import annotations

import glob
from pathlib import Path

#: brat's configuration files, kept beside the ``.ann`` files they configure.
BRAT_CONFIGURATION = frozenset(
    {"annotation.conf", "visual.conf", "tools.conf", "kb_shortcuts.conf"}
)


def annotates_a_neighbour(path: Path) -> bool:
    """True when an annotation importer finds ``path`` beside a data file of the same stem."""
    from workspace.annotation_import.registry import annotation_importers

    importers = list(annotation_importers().values())
    try:
        if path.name in BRAT_CONFIGURATION:
            return any(path.parent.glob("*.ann"))
        neighbours = list(path.parent.glob(f"{glob.escape(path.stem)}.*"))
    except OSError:
        return False
    return any(
        neighbour != path and any(path in i.siblings(neighbour) for i in importers)
        for neighbour in neighbours
    )
