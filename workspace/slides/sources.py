"""Which source opens a slide's files: ``tiff`` (tifffile), ``openslide`` or ``dicom``
(wsidicom). The heavy libraries are imported only when a slide is opened."""

from __future__ import annotations

from pathlib import Path

from workspace.slides.codecs import decode_tile
from workspace.slides.model import SlideError
from workspace.slides.source import TileSource

#: The ``ImportedItem.meta`` key naming which source reads the slide's files.
SOURCE_KEY = "slide_source"


def open_source(kind: str, paths: list[Path]) -> TileSource:
    """The slide in ``paths`` opened by the source ``kind`` (``tiff``, ``openslide``,
    ``dicom``); a :class:`SlideError` if it cannot be read."""
    if kind == "tiff":
        from workspace.slides.tiff_source import TiffSlideSource

        return TiffSlideSource(paths[0])
    if kind == "openslide":
        from workspace.slides.openslide_source import OpenSlideSource

        return OpenSlideSource(paths[0])
    if kind == "dicom":
        from workspace.slides.dicom_source import DicomSlideSource

        return DicomSlideSource(paths)
    raise SlideError(f"unknown slide source {kind!r}")


def check_first_tiles(source: TileSource, where: str) -> None:
    """Decode the first tile of every level: a file whose tiles cannot be decoded (a wrong
    codec, damaged tables) is refused when it is found, not when it is viewed."""
    for number, level in enumerate(source.levels):
        first = next(iter(source.tiles(number)), b"")
        if not first:
            continue
        _, _, width, height = level.tile_box(0, 0)
        try:
            decode_tile(source.codec(number), first, height, width)
        except SlideError as exc:
            raise SlideError(f"{where}: level {number} cannot be decoded ({exc}).") from None
