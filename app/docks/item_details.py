"""How the item list tells items apart: series number and date in the row, details on hover.

Two series of one study often share a description ("Axial 5 mm"); a radiologist tells them
apart by series number, date and image count, and wants to see which files an item came from.
"""

from __future__ import annotations

from workspace.items import ItemSummary
from workspace.volume.dicom_dates import dicom_date


def item_label(item: ItemSummary) -> str:
    """The row text: the title, then series number and date when the item has them."""
    meta = item.meta
    parts = [item.title]
    if meta.get("series_number") is not None:
        parts.append(f"Se {meta['series_number']}")
    date = str(meta.get("acquisition_date") or meta.get("study_date") or "")
    if date:
        parts.append(dicom_date(date))
    return "  ·  ".join(parts)


def item_tooltip(item: ItemSummary) -> str:
    """Series, images, dates, source files and import time, one per line."""
    meta = item.meta
    lines = [item.title]
    if meta.get("series_number") is not None:
        lines.append(f"Series {meta['series_number']}")
    if meta.get("slices"):
        count = int(meta["slices"])
        lines.append(f"{count} image{'s' if count != 1 else ''}")
    for key, text in (("acquisition_date", "Acquired"), ("study_date", "Study date")):
        if meta.get(key):
            lines.append(f"{text} {dicom_date(str(meta[key]))}")
    if meta.get("source"):
        lines.append(f"From {meta['source']}")
    if item.created_at:
        lines.append(f"Imported {item.created_at.replace('T', ' ')[:16]}")
    return "\n".join(lines)
