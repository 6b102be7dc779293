"""The file an export writes when only a folder is chosen (File ▸ Export… in the app).

Each format's own suffix (as its exporter requires), after a stem made from the item's title
(letters, digits, ``-`` and ``_`` only, so every format, WFDB included, accepts it); a name
already in the folder gets ``-2``, ``-3``... so nothing there is overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

from workspace.items import ItemSummary

#: Format id → what follows the stem (the exporters check these suffixes).
SUFFIXES = {
    "dicom-seg": "-seg.dcm",
    "nifti": "-seg.nii.gz",
    "nrrd": "-seg.nrrd",
    "sr": "-sr.dcm",
    "json": ".json",
    "brat": ".ann",
    "bioc": ".bioc.xml",
    "jsonl": ".jsonl",
    "deid-text": "-deid.txt",
    "wfdb": ".atr",
    "edf": "-annotations.edf",
    "csv": "-annotations.csv",
    "textgrid": ".TextGrid",
    "rttm": ".rttm",
    "vtt": ".vtt",
}


def file_stem(item: ItemSummary) -> str:
    """A safe stem from the item's title (its id when the title has no usable character)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", item.title).strip("_-")[:60]
    return stem or item.id


def export_path(folder: Path, item: ItemSummary, fmt: str) -> Path:
    """Where ``item`` is written as ``fmt`` in ``folder``: not a file already there."""
    stem, suffix = file_stem(item), SUFFIXES.get(fmt, f".{fmt}")
    path, n = folder / f"{stem}{suffix}", 2
    while any(p.exists() for p in (path, *companions(path, fmt))):
        path, n = folder / f"{stem}-{n}{suffix}", n + 1
    return path


def companions(path: Path, fmt: str) -> list[Path]:
    """The files an export of ``fmt`` to ``path`` writes beside it."""
    if fmt == "brat":
        return [path.with_suffix(".txt")]
    if fmt == "nifti":
        return [path.with_name(path.name.removesuffix(".nii.gz") + "_labels.txt")]
    return []
