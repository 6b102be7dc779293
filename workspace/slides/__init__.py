"""Whole-slide images: read from their files (TIFF, OpenSlide formats, DICOM WSI), stored in the
encrypted blob store tile by tile, and read back a tile at a time
(:class:`workspace.slides.reader.SlideReader`).

Pure Python, no Qt. :mod:`workspace.slides.store` explains the stored layout. Nothing is
imported here, so that the importers can use :mod:`workspace.slides.sources` cheaply.
"""
