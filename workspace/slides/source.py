"""What an importer hands the store: a slide's levels and their tiles, encoded, level by level.

A :class:`TileSource` is read once, front to back, while the slide is sealed: each level's
tiles come in row-major order, as they are encoded (or re-encoded, when the source's tiles
cannot be copied), so the slide is never held in memory whole. A source whose tiles are copied
byte for byte from one file can say where they lie (:class:`TileRanges`): the store then reads
them itself, many tiles to a system call and straight into its buffers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from workspace.slides.codecs import RGB, Codec
from workspace.slides.model import SlideLevel


@dataclass(frozen=True)
class TileRanges:
    """Where the tiles of one level lie in ``path``, row by row: each tile's byte ``offsets``
    and ``lengths`` (a length of 0 is a tile the file lacks); every range lies in the file."""

    path: Path
    offsets: npt.NDArray[np.int64]
    lengths: npt.NDArray[np.int64]


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

    def tile_ranges(self, level: int) -> TileRanges | None:
        """Where the tiles of ``level`` lie in the file, when :meth:`tiles` would copy them
        byte for byte from it; None when they are re-encoded or spread over files."""
        ...

    def associated(self) -> dict[str, RGB]:
        """The associated images (label, macro, thumbnail) the file holds, as RGB."""
        ...

    def close(self) -> None:
        """Close the file."""
        ...
