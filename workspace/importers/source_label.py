"""Which files an item came from, in a few words for the item list (``ct/IM0001.dcm + 39``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def source_label(paths: Sequence[Path]) -> str:
    """The first file with its folder's name, and how many more there were."""
    if not paths:
        return ""
    first = paths[0]
    shown = f"{first.parent.name}/{first.name}" if first.parent.name else first.name
    more = len(paths) - 1
    return f"{shown} + {more} more" if more else shown
