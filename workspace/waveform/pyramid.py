"""A min/max level-of-detail pyramid: any window of a long record drawn at two points a column.

A screen column of a zoomed-out trace stands for thousands of samples; drawing it as the
vertical segment from their minimum to their maximum keeps every spike visible, as EDFbrowser,
LightWAVE and pyqtgraph's ``peak`` downsampling do. Scanning 43 million samples a channel per
frame is too slow, so the minima and maxima of fixed blocks are kept in levels: level 0 holds
one ``(min, max)`` pair per ``first`` samples (16), each next level one per ``factor`` (4) blocks
of the level below, up to the whole record. The levels take ``2 / first * factor / (factor - 1)``
of the raw samples' memory (1/6 with the defaults), in the samples' own dtype.

Queries are exact: a column's range is rarely aligned to blocks, so :meth:`LodPyramid.envelopes`
reads each column's whole blocks from the coarsest level whose blocks fit ``BODY`` (64) times in
the narrowest column, and splits the block that straddles each column boundary level by level
down to the raw samples (``factor`` values a level, ``first`` samples at the bottom) -- only
where that block's own minimum or maximum could still change a neighbouring column, so a wide
column reads a handful of raw samples, if any. Columns narrower than ``BODY * first`` samples
are reduced from the raw samples directly. The result equals numpy's ``min``/``max`` over each
column's samples, NaN included.

Building is vectorised in chunks of samples (reshape, then ``np.minimum``/``np.maximum`` over
the block axis), reports its progress and stops when the progress callback returns ``False``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.errors import WorkspaceError

Samples = npt.NDArray[Any]
#: All channels (a slice) or the row numbers of some.
Rows = slice | npt.NDArray[np.intp]
#: Called with the fraction built so far (0..1); returning ``False`` cancels the build.
Progress = Callable[[float], bool | None]

FIRST = 16
FACTOR = 4
#: A column's body is read from the coarsest level whose blocks fit BODY times in it: reading
#: many blocks a column costs little (one ``reduceat`` segment), and the more of the column the
#: body covers, the fewer boundary blocks can still change it (measured best at 64).
BODY = 64
#: Raw samples a build step reads per channel (a multiple of the first block).
CHUNK = 1 << 15


class PyramidError(WorkspaceError, ValueError):
    """Samples a pyramid cannot be built over (not numbers, not one or two dimensions)."""


class BuildCancelledError(Exception):
    """The progress callback asked the build to stop."""


@dataclass(frozen=True)
class Level:
    """The minima and maxima of consecutive ``block``-sample blocks, shape (channels, blocks)."""

    block: int
    mins: Samples
    maxs: Samples


def column_edges(start: int, stop: int, columns: int) -> npt.NDArray[np.int64]:
    """``columns + 1`` sample edges splitting ``[start, stop)`` as evenly as integers allow."""
    if columns < 1 or stop - start < columns:
        raise ValueError(f"{stop - start} samples cannot fill {columns} columns")
    return start + (np.arange(columns + 1, dtype=np.int64) * (stop - start)) // columns


class LodPyramid:
    """Min/max levels over the rows of ``samples`` (channels × samples), which it keeps."""

    def __init__(self, samples: Samples, levels: Sequence[Level], factor: int) -> None:
        self.samples = samples
        self.levels = tuple(levels)
        self.factor = factor

    @classmethod
    def build(
        cls,
        samples: Samples,
        *,
        first: int = FIRST,
        factor: int = FACTOR,
        progress: Progress | None = None,
    ) -> LodPyramid:
        """Build the levels over ``samples``: one channel (1-D) or channels × samples (2-D).

        Integer and floating dtypes are kept as they are (int16 stays int16). Raises
        :class:`BuildCancelledError` when ``progress`` returns ``False``.
        """
        samples = _as_channels(samples)
        if first < 2 or factor < 2:
            raise ValueError("blocks must hold at least two values")
        if CHUNK % first:
            raise ValueError(f"the first block ({first}) must divide {CHUNK}")
        channels, count = samples.shape
        blocks = count // first
        mins = np.empty((channels, blocks), samples.dtype)
        maxs = np.empty((channels, blocks), samples.dtype)
        for begin in range(0, blocks * first, CHUNK):
            end = min(begin + CHUNK, blocks * first)
            chunk, out = samples[:, begin:end], slice(begin // first, end // first)
            _fold(chunk, first, np.minimum, out=mins[:, out])
            _fold(chunk, first, np.maximum, out=maxs[:, out])
            _report(progress, 0.95 * end / max(count, 1))
        levels = [Level(first, mins, maxs)]
        while levels[-1].mins.shape[1] >= 2 * factor:
            below = levels[-1]
            size = below.mins.shape[1] // factor * factor
            levels.append(
                Level(
                    below.block * factor,
                    _fold(below.mins[:, :size], factor, np.minimum),
                    _fold(below.maxs[:, :size], factor, np.maximum),
                )
            )
        _report(progress, 1.0)
        return cls(samples, levels if blocks else [], factor)

    @property
    def channel_count(self) -> int:
        """Number of channels (rows)."""
        return int(self.samples.shape[0])

    @property
    def sample_count(self) -> int:
        """Samples per channel."""
        return int(self.samples.shape[1])

    @property
    def nbytes(self) -> int:
        """Memory held by the levels (the raw samples not counted)."""
        return sum(level.mins.nbytes + level.maxs.nbytes for level in self.levels)

    def envelope(
        self, channel: int, start: int, stop: int, columns: int
    ) -> tuple[Samples, Samples]:
        """Minimum and maximum of each of ``columns`` even splits of ``[start, stop)``."""
        mins, maxs = self.envelopes(start, stop, columns, [channel])
        return mins[0], maxs[0]

    def envelopes(
        self, start: int, stop: int, columns: int, channels: Sequence[int] | None = None
    ) -> tuple[Samples, Samples]:
        """As :meth:`envelope` for several channels (all by default): (channels, columns)."""
        if not 0 <= start < stop <= self.sample_count:
            raise ValueError(f"[{start}, {stop}) is not inside 0..{self.sample_count}")
        return self.envelopes_at(column_edges(start, stop, columns), channels)

    def envelopes_at(
        self, edges: npt.NDArray[np.int64], channels: Sequence[int] | None = None
    ) -> tuple[Samples, Samples]:
        """Minimum and maximum over ``[edges[i], edges[i + 1])`` (strictly increasing edges)."""
        edges = np.asarray(edges, dtype=np.int64)
        widths = np.diff(edges)
        if widths.size < 1 or widths.min() < 1 or edges[0] < 0 or edges[-1] > self.sample_count:
            raise ValueError("column edges must increase strictly inside the record")
        rows: Rows = slice(None) if channels is None else np.asarray(channels, dtype=np.intp)
        fitting = [level for level in self.levels if level.block * BODY <= widths.min()]
        if not fitting:
            raw = _rows(self.samples, rows, slice(int(edges[0]), int(edges[-1])))
            offsets = edges[:-1] - edges[0]
            return np.minimum.reduceat(raw, offsets, axis=1), np.maximum.reduceat(
                raw, offsets, axis=1
            )
        return (
            _refine(_MIN, self.samples, fitting, edges, rows),
            _refine(_MAX, self.samples, fitting, edges, rows),
        )

    def samples_between(self, channel: int, start: int, stop: int) -> Samples:
        """The raw samples of one channel in ``[start, stop)`` (clipped to the record)."""
        start, stop = max(start, 0), min(stop, self.sample_count)
        return self.samples[channel, start : max(start, stop)]


def _as_channels(samples: Samples) -> Samples:
    array = np.asarray(samples)
    if array.dtype.kind not in "iuf":
        raise PyramidError(f"signal samples must be numbers, not {array.dtype}")
    if array.ndim == 1:
        return array[None, :]
    if array.ndim != 2:
        raise PyramidError(f"signal samples must be channels × samples, not shape {array.shape}")
    return array


def _report(progress: Progress | None, fraction: float) -> None:
    if progress is not None and progress(fraction) is False:
        raise BuildCancelledError


def _fold(values: Samples, factor: int, ufunc: np.ufunc, out: Samples | None = None) -> Samples:
    """Reduce each run of ``factor`` consecutive values of every row with ``ufunc``."""
    runs = values.reshape(values.shape[0], -1, factor)
    if out is None:
        out = runs[:, :, 0].copy()
    else:
        np.copyto(out, runs[:, :, 0])
    for j in range(1, factor):
        ufunc(out, runs[:, :, j], out=out)
    return out


@functools.cache
def _identity(dtype: np.dtype[Any], *, high: bool) -> Any:
    if dtype.kind == "f":
        return dtype.type(np.inf if high else -np.inf)
    info = np.iinfo(dtype)
    return dtype.type(info.max if high else info.min)


@dataclass(frozen=True)
class _Side:
    """The minimum or the maximum: its levels' arrays, its reduction, which value beats."""

    ufunc: np.ufunc
    beats: np.ufunc
    neutral_is_high: bool

    def values(self, level: Level) -> Samples:
        """The level's minima or maxima."""
        return level.mins if self.ufunc is np.minimum else level.maxs

    def identities(self, dtype: np.dtype[Any]) -> tuple[Any, Any]:
        """(the reduction's neutral value, a value every sample beats)."""
        high = self.neutral_is_high
        return _identity(dtype, high=high), _identity(dtype, high=not high)


_MIN = _Side(np.minimum, np.less, neutral_is_high=True)
_MAX = _Side(np.maximum, np.greater, neutral_is_high=False)


def _refine(
    side: _Side,
    samples: Samples,
    levels: Sequence[Level],
    edges: npt.NDArray[np.int64],
    rows: Rows,
) -> Samples:
    """One side (min or max) of every column: its whole blocks of ``levels[-1]``, then its edges.

    At a boundary ``e`` the block that straddles it is split level by level: the children of
    the straddling parent wholly left of ``e`` belong to the column on the left, those wholly
    right to the column on the right, and the one still straddling is split at the next level,
    down to the raw samples. A straddling parent whose own value cannot beat either neighbouring
    column's value so far is not split: none of its pieces can change the result, so wide
    columns read almost no raw samples.
    """
    neutral, beaten = side.identities(samples.dtype)
    parent = levels[-1]
    current = _body(side.values(parent), rows, edges, parent.block, side.ufunc, neutral)
    # One column of padding each side, beaten by anything, for the outer boundaries.
    padded = np.full((current.shape[0], edges.size + 1), beaten, dtype=current.dtype)
    padded[:, 1:-1] = current
    for child in [*reversed(levels[:-1]), None]:
        block = child.block if child is not None else 1
        source = side.values(child) if child is not None else samples
        straddling = edges % parent.block != 0
        if straddling.any():
            _split(side, edges, rows, padded, parent, (source, block), straddling)
        if child is not None:
            parent = child
    return padded[:, 1:-1]


def _split(
    side: _Side,
    edges: npt.NDArray[np.int64],
    rows: Rows,
    padded: Samples,
    parent: Level,
    children: tuple[Samples, int],
    straddling: npt.NDArray[np.bool_],
) -> None:
    """Fold the pieces of the straddling ``parent`` blocks into the columns beside them."""
    source, block = children
    neutral, _ = side.identities(padded.dtype)
    parents = edges // parent.block
    values = side.values(parent)
    bound = _gather(values, rows, np.minimum(parents, values.shape[1] - 1))
    useful = side.beats(bound, padded[:, :-1]) | side.beats(bound, padded[:, 1:])
    useful |= parents >= values.shape[1]  # a partial last block has no value: always split
    if padded.dtype.kind == "f":
        useful |= np.isnan(bound)
    found, boundary = np.nonzero(useful & straddling)
    if not found.size:
        return
    channel = found if isinstance(rows, slice) else rows[found]
    per_parent = parent.block // block
    # (children, found): reductions run along the first axis, over whole rows at a time.
    index = parents[boundary] * per_parent + np.arange(per_parent)[:, None]
    pieces = source[channel, np.minimum(index, source.shape[1] - 1)]
    begins = index * block
    at = edges[boundary]
    left = side.ufunc.reduce(np.where(begins + block <= at, pieces, neutral), axis=0)
    right = side.ufunc.reduce(np.where(begins >= at, pieces, neutral), axis=0)
    padded[found, boundary] = side.ufunc(padded[found, boundary], left)
    padded[found, boundary + 1] = side.ufunc(padded[found, boundary + 1], right)


def _rows(values: Samples, rows: Rows, span: slice) -> Samples:
    if isinstance(rows, slice):
        return values[rows, span]
    return values[rows[:, None], np.arange(span.start, span.stop)]


def _gather(values: Samples, rows: Rows, index: npt.NDArray[np.int64]) -> Samples:
    """``values[rows][:, index]`` without copying whole rows."""
    if isinstance(rows, slice):
        return np.take(values[rows], index, axis=1)
    return values[rows[:, None], index]


def _body(
    values: Samples,
    rows: Rows,
    edges: npt.NDArray[np.int64],
    block: int,
    ufunc: np.ufunc,
    neutral: Any,
) -> Samples:
    """Reduce the whole blocks inside each column: ``[ceil(e_i / block), floor(e_i+1 / block))``."""
    lows = -(-edges[:-1] // block)
    highs = edges[1:] // block
    count = lows.size
    rows_out = values.shape[0] if isinstance(rows, slice) else rows.size
    out = np.full((rows_out, count), neutral, dtype=values.dtype)
    base, end = int(lows[0]), int(highs[-1])
    if end <= base:
        return out
    segment = _rows(values, rows, slice(base, end))
    offsets = np.empty(2 * count - 1, dtype=np.int64)
    offsets[0::2] = lows - base
    offsets[1::2] = highs[:-1] - base
    # Offsets never decrease; those at the segment's end only start empty segments.
    usable = int(np.searchsorted(offsets, end - base))
    reduced = ufunc.reduceat(segment, offsets[:usable], axis=1)[:, 0::2]
    filled = reduced.shape[1]
    keep = highs[:filled] > lows[:filled]
    out[:, :filled] = np.where(keep, reduced, neutral)
    return out
