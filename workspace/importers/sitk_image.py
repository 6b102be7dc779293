"""NIfTI, NRRD and MetaImage volumes, read through SimpleITK (whose geometry is LPS, as ours).

Single-file forms (``.nii``, ``.nii.gz``, ``.nrrd``, ``.mha``) and detached ones (``.nhdr`` or
``.mhd`` header plus a data file such as ``.raw``, ``.raw.gz`` or ``.zraw``) are both read; the
data file of a detached header joins its item and is never reported as an unknown file, and
choosing only the data file imports the volume through its header.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workspace.importers.base import ImportedItem, ReadContext, file_entry
from workspace.volume.image_header import FORMAT_NAMES, ImageFileError, inspect_image

IMAGE_SUFFIXES = tuple(FORMAT_NAMES)
DETACHED_SUFFIXES = (".nhdr", ".mhd")
DATA_SUFFIXES = (".raw", ".raw.gz", ".zraw", ".gz", ".bz2")
_DATA_FIELDS = ("data file:", "datafile:", "elementdatafile =", "elementdatafile=")
_HEADER_LIMIT = 64 << 10


def _suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next(
        (s for s in sorted(IMAGE_SUFFIXES, key=len, reverse=True) if name.endswith(s)), None
    )


def data_files(header: Path) -> list[Path]:
    """The data files a detached ``.nhdr``/``.mhd`` header names (none for other formats).

    Only to pair a data file with its header: whether the header may name it (inside its own
    folder) is decided by :func:`~workspace.volume.image_header.inspect_image`.
    """
    if _suffix(header) not in DETACHED_SUFFIXES:
        return []
    try:
        with header.open("rb") as handle:
            text = handle.read(_HEADER_LIMIT).decode("latin-1")
    except OSError:
        return []
    for line in text.splitlines():
        lowered = line.strip().lower()
        field = next((f for f in _DATA_FIELDS if lowered.startswith(f)), None)
        if field is not None:
            value = line.strip()[len(field) :].strip()
            if value.upper() == "LOCAL" or " " in value:  # inline data, or a file list
                return []
            return [header.parent / value]
    return []


def _header_of(path: Path) -> Path | None:
    """The detached header in the same folder that names ``path`` as its data file."""
    if not path.name.lower().endswith(DATA_SUFFIXES):
        return None
    for suffix in DETACHED_SUFFIXES:
        for header in sorted(path.parent.glob(f"*{suffix}")):
            if any(d.name == path.name for d in data_files(header)):
                return header
    return None


class SimpleItkImageImporter:
    """One volume item per 3D image, or per 4D image (one frame of it is imported), in a
    single file or a detached header and its data."""

    format_id = "sitk-image"
    modality = "volume"

    def claims(self, path: Path) -> bool:
        """Claim by extension (no reliable magic bytes), and data files named by a header."""
        return _suffix(path) is not None or _header_of(path) is not None

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Read each image's header only (size, spacing, pixel type); voxels come later."""
        ctx = context or ReadContext()
        headers: list[Path] = []
        for path in paths:
            header = path if _suffix(path) is not None else _header_of(path)
            if header is not None and header not in headers:
                headers.append(header)
        items: list[ImportedItem] = []
        for header in headers:
            ctx.check_cancelled()
            parts = [header, *data_files(header)]
            item = _read_item(header, ctx)
            if item is not None:
                items.append(item)
            ctx.step(sum(1 for part in parts if part in paths) or 1)
        return items


def _read_item(header: Path, ctx: ReadContext) -> ImportedItem | None:
    """The item of one image, or None when its header is refused (reported for the header)."""
    try:
        info = inspect_image(header, count_compressed=False)  # counted when the voxels are read
    except ImageFileError as exc:
        ctx.problem(header, str(exc))
        return None
    size = info.size
    if len(size) not in (3, 4) or info.components != 1:
        ctx.problem(
            header, f"is not a 3D or 4D scalar image (size {size}, {info.components} components)"
        )
        return None
    meta: dict[str, Any] = {
        "image_format": info.kind,
        "size": list(size),
        "spacing": list(info.spacing),
        "pixel_type": info.pixel_type,
    }
    title = f"{info.kind} — {header.name} ({size[0]}×{size[1]}×{size[2]})"
    if len(size) == 4:  # a time series: one frame is imported (see Workspace.import_paths)
        meta["time_frames"] = size[3]
    files = [file_entry(part) for part in [header, *info.data_files]]
    return ImportedItem("volume", title, files, meta)
