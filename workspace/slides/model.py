"""What a whole slide is made of: its pyramid levels, resolution and associated images."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workspace.errors import WorkspaceError

#: More tiles than this in one level is a hostile or damaged file (a 1,000,000-pixel-wide
#: slide in 256-pixel tiles has about 15 million).
MAX_TILES = 1 << 24
#: Associated images a slide may carry; the label may show the patient's name (PHI).
ASSOCIATED_NAMES = ("label", "macro", "thumbnail")


class SlideError(WorkspaceError, ValueError):
    """A slide file that cannot be read, or a stored slide that cannot be read back."""


@dataclass(frozen=True)
class SlideLevel:
    """One level of the pyramid: its size in pixels, its tile size and its downsample
    (level-0 pixels per pixel of this level)."""

    width: int
    height: int
    tile_width: int
    tile_height: int
    downsample: float

    @property
    def columns(self) -> int:
        """Tiles across."""
        return math.ceil(self.width / self.tile_width)

    @property
    def rows(self) -> int:
        """Tiles down."""
        return math.ceil(self.height / self.tile_height)

    def tile_box(self, column: int, row: int) -> tuple[int, int, int, int]:
        """``(x, y, width, height)`` of tile ``(column, row)`` inside the level (the last
        column and row are cut at the level's edge)."""
        x, y = column * self.tile_width, row * self.tile_height
        return x, y, min(self.tile_width, self.width - x), min(self.tile_height, self.height - y)

    def to_json(self) -> dict[str, Any]:
        """The level as JSON values (item meta, the stored index)."""
        return {
            "width": self.width,
            "height": self.height,
            "tile_width": self.tile_width,
            "tile_height": self.tile_height,
            "downsample": self.downsample,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> SlideLevel:
        """The level :meth:`to_json` wrote."""
        return cls(
            int(value["width"]),
            int(value["height"]),
            int(value["tile_width"]),
            int(value["tile_height"]),
            float(value["downsample"]),
        )


def check_levels(levels: list[SlideLevel], where: str) -> None:
    """Refuse a pyramid no viewer could show (no level, empty or absurd sizes)."""
    if not levels:
        raise SlideError(f"{where}: no image levels were found in it.")
    for number, level in enumerate(levels):
        sizes = (level.width, level.height, level.tile_width, level.tile_height)
        if (
            min(sizes) < 1
            or max(sizes) > 1 << 24
            or level.tile_width * level.tile_height > 1 << 24
            or level.columns * level.rows > MAX_TILES
        ):
            raise SlideError(f"{where}: level {number} has an impossible size {sizes}.")
