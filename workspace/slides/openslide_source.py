"""Slides in the formats only OpenSlide reads (Hamamatsu NDPI, MIRAX, Leica SCN, Ventana...).

Their tiles cannot be copied as they are (NDPI stores JPEG stripes, MIRAX overlapping
images), so each level is read through ``read_region`` in 512-pixel tiles, composited on
white, and re-encoded as JPEG (quality 90). The resolution is OpenSlide's ``mpp-x``/``mpp-y``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from workspace.slides.codecs import JPEG, RGB, Codec
from workspace.slides.model import ASSOCIATED_NAMES, SlideError, SlideLevel, check_levels

TILE = 512
QUALITY = 90


class OpenSlideSource:
    """A slide OpenSlide can open (see :class:`~.source.TileSource`)."""

    format_name = "openslide"

    def __init__(self, path: Path) -> None:
        import openslide

        self.path = path
        try:
            self._slide: Any = openslide.OpenSlide(str(path))
        except (openslide.OpenSlideError, OSError, ValueError) as exc:
            reason = str(exc).strip() or type(exc).__name__
            raise SlideError(f"{path.name}: not a slide OpenSlide can read ({reason}).") from None
        try:
            self.levels = [
                SlideLevel(int(w), int(h), TILE, TILE, float(d))
                for (w, h), d in zip(
                    self._slide.level_dimensions, self._slide.level_downsamples, strict=True
                )
            ]
            check_levels(self.levels, path.name)
        except SlideError:
            self.close()
            raise
        self.mpp = self._mpp()
        vendor = self._slide.properties.get("openslide.vendor")
        self.format_name = f"openslide-{vendor}" if vendor else "openslide"

    def _mpp(self) -> tuple[float, float] | None:
        properties = self._slide.properties
        try:
            x = float(properties["openslide.mpp-x"])
            y = float(properties.get("openslide.mpp-y", x))
        except (KeyError, ValueError):
            return None
        return (x, y) if x > 0 and y > 0 else None

    def close(self) -> None:
        """Close the slide."""
        self._slide.close()

    def codec(self, level: int) -> Codec:
        """Re-encoded tiles are complete JPEG images."""
        del level
        return {"codec": JPEG}

    def tiles(self, level: int) -> Iterator[bytes]:
        """Each tile read through OpenSlide and encoded as JPEG."""
        import imagecodecs
        import openslide

        info = self.levels[level]
        for row in range(info.rows):
            for column in range(info.columns):
                x, y, width, height = info.tile_box(column, row)
                origin = (round(x * info.downsample), round(y * info.downsample))
                try:
                    region = self._slide.read_region(origin, level, (width, height))
                except openslide.OpenSlideError as exc:
                    raise SlideError(f"{self.path.name}: a tile cannot be read ({exc}).") from None
                yield bytes(imagecodecs.jpeg_encode(_on_white(np.asarray(region)), level=QUALITY))

    def tile_ranges(self, level: int) -> None:
        """None: the tiles are read through the library, one by one."""
        del level

    def associated(self) -> dict[str, RGB]:
        """OpenSlide's associated images named label, macro or thumbnail."""
        return {
            name: _on_white(np.asarray(image.convert("RGBA")))
            for name, image in self._slide.associated_images.items()
            if name in ASSOCIATED_NAMES
        }


def _on_white(rgba: np.ndarray) -> RGB:
    """RGBA composited on white (OpenSlide leaves what no scan covers transparent)."""
    alpha = rgba[:, :, 3:4].astype(np.uint32)
    rgb = rgba[:, :, :3].astype(np.uint32) * alpha // 255 + (255 - alpha)
    return np.clip(rgb, 0, 255).astype(np.uint8)
