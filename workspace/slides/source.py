"""What an importer hands the store: a slide's levels and their tiles, encoded, level by level.

A :class:`TileSource` is read once, front to back, while the slide is sealed: each level's
tiles come in row-major order, as they are encoded (or re-encoded, when the source's tiles
cannot be copied), so the slide is never held in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from workspace.slides.codecs import RGB, Codec
from workspace.slides.model import SlideLevel


class TileSource(Protocol):
    """A slide file open for import."""

    levels: list[SlideLevel]
    mpp: tuple[float, float] | None
    format_name: str

    def codec(self, level: int) -> Codec:
        """How the tiles of ``level`` are encoded (see :mod:`workspace.slides.codecs`)."""
        ...

    def tiles(self, level: int) -> Iterator[bytes | memoryview]:
        """Every tile of ``level``, row by row, encoded (empty for a tile the file lacks)."""
        ...

    def associated(self) -> dict[str, RGB]:
        """The associated images (label, macro, thumbnail) the file holds, as RGB."""
        ...

    def close(self) -> None:
        """Close the file."""
        ...
