"""Pyramidal TIFF, OME-TIFF and Aperio SVS slides, read with ``tifffile``.

Tiles compressed with JPEG, JPEG 2000 or WebP are copied byte for byte (with the level's JPEG
tables and the colour space tifffile would decode them with); tiles in any other encoding are
decoded by tifffile and kept lossless (``zlib-rgb``). The resolution comes from the OME
``PhysicalSizeX``, the SVS ``MPP`` or the TIFF resolution tags, in that order.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.slides.codecs import JPEG, JPEG2K, RGB, WEBP, Codec, encode_zlib_rgb, zlib_rgb_codec
from workspace.slides.model import ASSOCIATED_NAMES, SlideError, SlideLevel, check_levels
from workspace.slides.source import TileRanges

_COPIED = {7: JPEG, 33003: JPEG2K, 33005: JPEG2K, 34712: JPEG2K, 34927: WEBP, 50001: WEBP}
_UNIT_UM = {2: 25400.0, 3: 10000.0}  # ResolutionUnit inch, centimetre
_OME_UNIT_UM = {"µm": 1.0, "um": 1.0, "nm": 1e-3, "mm": 1e3, "cm": 1e4, "m": 1e6}
_ASSOCIATED_MAX_PIXELS = 64 << 20
_UNTILED_MAX_PIXELS = 64 << 20
_TILE = 512  # tiles cut from a level stored in strips
_RUN = 8 << 20  # bytes of consecutive tiles read at once


@contextlib.contextmanager
def _quiet_tifffile() -> Iterator[None]:
    """tifffile logs what it finds wrong with a file; the one message we raise says it."""
    logger = logging.getLogger("tifffile")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def _problem(path: Path, exc: BaseException) -> SlideError:
    reason = str(exc).strip() or type(exc).__name__
    return SlideError(f"{path.name}: not a readable whole-slide TIFF ({reason}).")


class TiffSlideSource:
    """A tiled, pyramidal TIFF open for import (see :class:`~.source.TileSource`)."""

    def __init__(self, path: Path) -> None:
        with _quiet_tifffile():
            self._open(path)

    def _open(self, path: Path) -> None:
        import tifffile

        self.path = path
        try:
            self._tif = tifffile.TiffFile(path)
        except Exception as exc:  # tifffile raises many kinds for damaged files  # noqa: BLE001
            raise _problem(path, exc) from None
        try:
            self._pages = self._level_pages()
            self.levels = self._read_levels()
            check_levels(self.levels, path.name)
            self._check_tile_counts()
            self.mpp = self._mpp()
            self.format_name = self._format_name()
            self._file_size = path.stat().st_size
        except SlideError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - a hostile file, whatever tifffile says
            self.close()
            raise _problem(path, exc) from None

    def close(self) -> None:
        """Close the file."""
        self._tif.close()

    def _format_name(self) -> str:
        tif = self._tif
        return "svs" if tif.is_svs else "ome-tiff" if tif.is_ome else "tiff"

    def _level_pages(self) -> list[Any]:
        series = self._tif.series
        if not series:
            raise SlideError(f"{self.path.name}: the TIFF holds no image.")
        main = series[0]
        pages = []
        for level in main.levels:
            page = level.keyframe
            if page is None:
                raise SlideError(f"{self.path.name}: a pyramid level has no image.")
            pages.append(page)
        if not pages[0].is_tiled:
            raise SlideError(
                f"{self.path.name}: not a whole-slide image (its main image is not tiled)."
            )
        return pages

    def _read_levels(self) -> list[SlideLevel]:
        base = self._pages[0]
        levels = []
        for page in self._pages:
            if page.dtype != np.uint8 or page.samplesperpixel not in (1, 3, 4):
                raise SlideError(
                    f"{self.path.name}: only 8-bit grey or RGB slides can be imported "
                    f"(found {page.samplesperpixel} samples of {page.dtype})."
                )
            tile_w, tile_h = (page.tilewidth, page.tilelength) if page.is_tiled else (_TILE, _TILE)
            downsample = base.imagewidth / page.imagewidth
            levels.append(SlideLevel(page.imagewidth, page.imagelength, tile_w, tile_h, downsample))
        return levels

    def _check_tile_counts(self) -> None:
        """Refuse a level whose size needs more tiles than the file lists."""
        for number, (page, level) in enumerate(zip(self._pages, self.levels, strict=True)):
            count = level.rows * level.columns
            listed = min(len(page.dataoffsets), len(page.databytecounts))
            if page.is_tiled and listed < count:
                raise SlideError(
                    f"{self.path.name}: level {number} lists {listed} tiles where its size "
                    f"needs {count} (the file is damaged)."
                )

    # ------------------------------------------------------------------ resolution
    def _mpp(self) -> tuple[float, float] | None:
        for found in (self._ome_mpp(), self._svs_mpp(), self._tag_mpp()):
            if found is not None and all(0 < v < 1e6 for v in found):
                return found
        return None

    def _ome_mpp(self) -> tuple[float, float] | None:
        xml = self._tif.ome_metadata if self._tif.is_ome else None
        if not xml:
            return None
        match = re.search(r"<Pixels\b[^>]*>", xml)
        if match is None:
            return None
        tag = match.group(0)

        def attribute(name: str) -> str | None:
            found = re.search(rf'\b{name}="([^"]*)"', tag)
            return found.group(1) if found else None

        x, y = attribute("PhysicalSizeX"), attribute("PhysicalSizeY")
        if x is None:
            return None
        unit = _OME_UNIT_UM.get(attribute("PhysicalSizeXUnit") or "µm")
        if unit is None:
            return None
        return float(x) * unit, float(y or x) * unit

    def _svs_mpp(self) -> tuple[float, float] | None:
        if not self._tif.is_svs:
            return None
        found = re.search(r"\bMPP\s*=\s*([0-9.eE+-]+)", self._pages[0].description or "")
        return (float(found.group(1)), float(found.group(1))) if found else None

    def _tag_mpp(self) -> tuple[float, float] | None:
        tags = self._pages[0].tags
        unit = _UNIT_UM.get(int(tags.valueof(296, 2)))
        x, y = tags.valueof(282), tags.valueof(283)
        if unit is None or x is None or y is None:
            return None
        x_res, y_res = x[0] / x[1], y[0] / y[1]
        if x_res <= 0 or y_res <= 0:
            return None
        return unit / x_res, unit / y_res

    # ------------------------------------------------------------------ tiles
    def _copied(self, page: Any) -> str | None:
        """The codec name when the page's tiles can be copied as they are, else None."""
        copyable = page.is_tiled and page.planarconfig == 1 and page.bitspersample == 8
        return _COPIED.get(int(page.compression)) if copyable else None

    def codec(self, level: int) -> Codec:
        """Copied tiles keep their encoding; others become ``zlib-rgb``."""
        import tifffile

        page = self._pages[level]
        name = self._copied(page)
        if name is None:
            return zlib_rgb_codec()
        codec: Codec = {"codec": name}
        if name == JPEG:
            colorspace, outcolorspace = tifffile.tifffile.jpeg_decode_colorspace(
                page.photometric, page.planarconfig, page.extrasamples, page.is_jfif
            )
            codec.update(
                tables=page.jpegtables.hex() if page.jpegtables else None,
                colorspace=colorspace,
                outcolorspace=outcolorspace,
            )
        return codec

    def _places(self, level: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The byte offset and length of each tile of a tiled ``level``, checked to lie in
        the file."""
        page = self._pages[level]
        info = self.levels[level]
        count = info.rows * info.columns
        offsets = np.asarray(page.dataoffsets[:count], np.int64)
        lengths = np.asarray(page.databytecounts[:count], np.int64)
        outside = (lengths != 0) & (
            (offsets < 0) | (lengths < 0) | (offsets + lengths > self._file_size)
        )
        if outside.any():
            raise SlideError(
                f"{self.path.name}: tile {int(np.argmax(outside))} of level {level} lies past "
                "the end of the file (it is truncated or damaged)."
            )
        return offsets, lengths

    def tiles(self, level: int) -> Iterator[bytes | memoryview]:
        """The level's tiles row by row, copied or re-encoded."""
        page = self._pages[level]
        if not page.is_tiled:
            yield from self._cut_untiled(level)
            return
        copied = self._copied(page) is not None
        offsets, lengths = self._places(level)
        for number, data in self._read_runs(offsets.tolist(), lengths.tolist()):
            yield data if copied or not data else self._recode(page, level, number, bytes(data))

    def tile_ranges(self, level: int) -> TileRanges | None:
        """Where the level's tiles lie, when they are copied as they are."""
        page = self._pages[level]
        if self._copied(page) is None:
            return None
        return TileRanges(self.path, *self._places(level))

    def _read_runs(
        self, offsets: list[int], lengths: list[int]
    ) -> Iterator[tuple[int, memoryview]]:
        """Each tile's bytes; tiles that follow one another in the file are read together, up
        to :data:`_RUN` bytes at a time (one system call instead of thousands)."""
        handle = self._tif.filehandle
        number = 0
        while number < len(offsets):
            if not lengths[number]:
                yield number, memoryview(b"")
                number += 1
                continue
            start = end = offsets[number]
            last = number
            while (
                last < len(offsets)
                and lengths[last]
                and offsets[last] == end
                and end + lengths[last] - start <= _RUN
            ):
                end += lengths[last]
                last += 1
            last = max(last, number + 1)
            end = max(end, start + lengths[number])
            handle.seek(start)
            run = memoryview(handle.read(end - start))
            for tile in range(number, last):
                at = offsets[tile] - start
                yield tile, run[at : at + lengths[tile]]
            number = last

    def _recode(self, page: Any, level: int, number: int, data: bytes) -> bytes:
        try:
            pixels, _, _ = page.decode(data, number, jpegtables=page.jpegtables)
        except Exception as exc:  # noqa: BLE001 - any codec error of a damaged tile
            raise _problem(self.path, exc) from None
        column, row = number % self.levels[level].columns, number // self.levels[level].columns
        _, _, width, height = self.levels[level].tile_box(column, row)
        return encode_zlib_rgb(np.asarray(pixels).reshape(pixels.shape[-3:])[:height, :width])

    def _cut_untiled(self, level: int) -> Iterator[bytes]:
        info = self.levels[level]
        if info.width * info.height > _UNTILED_MAX_PIXELS:
            raise SlideError(f"{self.path.name}: level {level} is too large and not tiled.")
        pixels = self._pages[level].asarray()
        for row in range(info.rows):
            for column in range(info.columns):
                x, y, width, height = info.tile_box(column, row)
                yield encode_zlib_rgb(pixels[y : y + height, x : x + width])

    def associated(self) -> dict[str, RGB]:
        """Label, macro and thumbnail series (SVS and others name them)."""
        found: dict[str, RGB] = {}
        for series in self._tif.series[1:]:
            name = (series.name or "").strip().lower()
            name = "macro" if name == "overview" else name
            if name not in ASSOCIATED_NAMES or name in found:
                continue
            shape = series.shape
            if int(np.prod(shape[:2])) > _ASSOCIATED_MAX_PIXELS or series.dtype != np.uint8:
                continue
            try:
                found[name] = series.asarray()
            except Exception as exc:  # noqa: BLE001
                raise _problem(self.path, exc) from None
        return found
