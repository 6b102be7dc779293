"""Which source opens a slide's files: ``tiff`` (tifffile), ``openslide`` or ``dicom``
(wsidicom). The heavy libraries are imported only when a slide is opened."""

from __future__ import annotations

from pathlib import Path

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
