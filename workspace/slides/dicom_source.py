"""DICOM whole-slide images (VL Whole Slide Microscopy, one instance per level), read with
``wsidicom``.

JPEG and JPEG 2000 frames are copied as they are; frames in any other transfer syntax are
decoded by wsidicom and kept lossless (``zlib-rgb``). The resolution is the level's
``PixelSpacing``; the label and the overview (macro) come from their own instances.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workspace.slides.codecs import JPEG, JPEG2K, RGB, Codec, encode_zlib_rgb, zlib_rgb_codec
from workspace.slides.model import SlideError, SlideLevel, check_levels

_COPIED = {
    "1.2.840.10008.1.2.4.50": JPEG,
    "1.2.840.10008.1.2.4.51": JPEG,
    "1.2.840.10008.1.2.4.90": JPEG2K,
    "1.2.840.10008.1.2.4.91": JPEG2K,
}


class DicomSlideSource:
    """The DICOM WSI instances of one slide (see :class:`~.source.TileSource`)."""

    format_name = "dicom-wsi"

    def __init__(self, paths: list[Path]) -> None:
        from wsidicom import WsiDicom

        self.paths = paths
        where = paths[0].parent.name or paths[0].name
        try:
            self._slide: Any = WsiDicom.open(paths)
            self._levels: list[Any] = list(self._slide.levels)
        except Exception as exc:  # noqa: BLE001 - wsidicom raises many kinds for bad files
            reason = str(exc).strip() or type(exc).__name__
            raise SlideError(
                f"{where}: not a readable DICOM whole-slide image ({reason})."
            ) from None
        try:
            base = self._levels[0].size.width if self._levels else 1
            self.levels = [
                SlideLevel(
                    int(level.size.width),
                    int(level.size.height),
                    int(level.tile_size.width),
                    int(level.tile_size.height),
                    base / level.size.width,
                )
                for level in self._levels
            ]
            check_levels(self.levels, where)
        except SlideError:
            self.close()
            raise
        mpp = self._slide.mpp
        self.mpp = (float(mpp.width), float(mpp.height)) if mpp is not None else None

    def close(self) -> None:
        """Close the files."""
        self._slide.close()

    def _image_data(self, level: int) -> Any:
        return self._levels[level].default_instance.image_data

    def _copied(self, level: int) -> str | None:
        return _COPIED.get(str(self._image_data(level).transfer_syntax))

    def codec(self, level: int) -> Codec:
        """JPEG frames keep their encoding (RGB ones decoded without a colour transform)."""
        name = self._copied(level)
        if name is None:
            return zlib_rgb_codec()
        codec: Codec = {"codec": name}
        if name == JPEG and str(self._image_data(level).photometric_interpretation) == "RGB":
            codec.update(colorspace=2, outcolorspace=2)
        return codec

    def tiles(self, level: int) -> Iterator[bytes]:
        """Each frame of the level, row by row."""
        info = self.levels[level]
        copied = self._copied(level) is not None
        for row in range(info.rows):
            for column in range(info.columns):
                try:
                    if copied:
                        yield self._slide.read_encoded_tile(
                            level, (column, row), crop_to_image_boundary=False
                        )
                    else:
                        pixels = np.asarray(self._slide.read_tile(level, (column, row)))
                        _, _, width, height = info.tile_box(column, row)
                        yield encode_zlib_rgb(pixels[:height, :width])
                except SlideError:
                    raise
                except Exception as exc:  # noqa: BLE001 - a damaged frame, whatever the cause
                    raise SlideError(
                        f"{self.paths[0].parent.name}: frame ({column}, {row}) of level {level} "
                        f"cannot be read ({exc})."
                    ) from None

    def tile_ranges(self, level: int) -> None:
        """None: the tiles are read through the library, one by one."""
        del level

    def associated(self) -> dict[str, RGB]:
        """The label and the overview (stored as ``macro``)."""
        found: dict[str, RGB] = {}
        for name, present, read in (
            ("label", self._slide.labels, self._slide.read_label),
            ("macro", self._slide.overviews, self._slide.read_overview),
        ):
            if present:
                found[name] = np.asarray(read().convert("RGB"))
        return found
