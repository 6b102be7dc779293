"""One view's display pipeline: reslice, window/level, overlay (no Qt, no allocation per frame).

::

    pipeline = SlicePipeline(slice_frame(geometry, View.AXIAL), voxels)
    pipeline.set_labels(labels, Overlay.for_labels(segments, labels.dtype))
    image = pipeline.render(index)  # (rows, cols) uint32, 0xFFRRGGBB

A slice across the array's last axis (the sagittal view of an axial series) touches one
cache line per voxel, which makes it ten times slower to gather than an axial slice. While
such a view scrolls, the pipeline copies ``SLAB`` neighbouring slices at once, contiguously
(one pass over the same cache lines serves them all), so scrolling costs about what it costs
in the axial view; a jump is read directly. The label slab is dropped when an edit touches it
(:meth:`SlicePipeline.labels_changed`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from viewers.volume.overlay import Composer, Overlay
from viewers.volume.reslice import SliceFrame
from viewers.volume.window_level import DEFAULT_PRESET, PRESETS, WindowLevel

SLAB = 16
BBox = tuple[int, int, int, int, int, int]  # k0, k1, j0, j1, i0, i1 (ends exclusive)


class SlabCache:
    """Slices ``array[:, :, i]`` while scrolling, from contiguous copies of ``SLAB`` slices.

    A jump to a far slice is served directly (a strided view, None here); a step to a
    neighbouring slice builds the slab ahead in the direction of travel, so the next steps
    are contiguous reads.
    """

    def __init__(self, array: npt.NDArray[Any], depth: int = SLAB) -> None:
        self.array = array
        self.depth = min(depth, int(array.shape[2]))
        self._start = -1
        self._last: int | None = None
        self._slab: npt.NDArray[Any] | None = None

    def plane(self, index: int) -> npt.NDArray[Any] | None:
        """``array[:, :, index]`` as a contiguous 2D array (valid until the next call), or
        None when ``index`` is a jump or the slice shown last (read it from ``array``
        directly: a slab costs 16 strided slices, worth it only while scrolling)."""
        last, self._last = self._last, index
        if self._slab is not None and self._start <= index < self._start + self.depth:
            return self._slab[index - self._start]
        if last is None or index == last or abs(index - last) > 2:
            return None  # a jump, or the same slice again (a new window): no slab to build
        size = int(self.array.shape[2])
        start = index if index > last else index - self.depth + 1
        start = max(0, min(start, size - self.depth))
        self._build(start)
        assert self._slab is not None
        return self._slab[index - start]

    def _build(self, start: int) -> None:
        rows, cols, _ = self.array.shape
        if self._slab is None:
            self._slab = np.empty((self.depth, rows, cols), dtype=self.array.dtype)
        stop = start + self.depth
        step = 32  # rows per chunk: the chunk's copy stays in the CPU cache while it turns
        for row in range(0, rows, step):
            chunk = self.array[row : row + step, :, start:stop].copy()
            self._slab[:, row : row + step, :] = chunk.transpose(2, 0, 1)
        self._start = start

    def invalidate(self, low: int, high: int) -> None:
        """Forget the slab if it holds any of slices ``low`` to ``high`` (exclusive)."""
        if low < self._start + self.depth and high > self._start:
            self._start = -self.depth - 1


class SlicePipeline:
    """Renders slices of one view; the returned image is reused by the next render."""

    def __init__(self, frame: SliceFrame, voxels: npt.NDArray[Any]) -> None:
        if tuple(voxels.shape) != frame.shape:
            raise ValueError(f"voxels {voxels.shape} do not match the frame {frame.shape}")
        self.frame = frame
        self.voxels = voxels
        self.labels: npt.NDArray[Any] | None = None
        self.overlay: Overlay | None = None
        self.window_level = WindowLevel(*PRESETS[DEFAULT_PRESET])
        rows, cols = frame.size
        self._grey = np.empty((rows, cols), np.uint8)
        self._composer = Composer()
        self._across = frame.fixed_axis == 2  # slices across the fastest-varying axis
        self._voxel_slabs = SlabCache(voxels) if self._across else None
        self._label_slabs: SlabCache | None = None

    def set_labels(self, labels: npt.NDArray[Any] | None, overlay: Overlay | None) -> None:
        """Segment labels on the voxels' grid and their colours (None: no overlay)."""
        if labels is not self.labels:
            self._label_slabs = SlabCache(labels) if self._across and labels is not None else None
        self.labels, self.overlay = labels, overlay

    def labels_changed(self, bbox: BBox) -> None:
        """An edit changed the labels in ``bbox``: drop what was copied from there."""
        if self._label_slabs is not None:
            self._label_slabs.invalidate(bbox[4], bbox[5])

    def _slice(self, array: npt.NDArray[Any], slabs: SlabCache | None, index: int) -> Any:
        plane = None if slabs is None else slabs.plane(index)
        if plane is None:
            return self.frame.extract(array, index)
        return self.frame.orient(plane)

    def grey(self, index: int) -> npt.NDArray[np.uint8]:
        """Window/levelled grey of slice ``index`` (reused buffer)."""
        plane = self._slice(self.voxels, self._voxel_slabs, index)
        return self.window_level.apply(plane, out=self._grey)

    def render(self, index: int) -> npt.NDArray[np.uint32]:
        """Packed RGB of slice ``index`` with the overlay (reused buffer)."""
        grey = self.grey(index)
        labels = None
        if self.labels is not None and self.overlay is not None and self.overlay.visible:
            labels = self._slice(self.labels, self._label_slabs, index)
        return self._composer.compose(grey, labels, self.overlay)
