"""Segment overlay: a grey slice and its labels blended into packed RGB (no Qt).

One table holds, for every (label slot, grey level) pair, the segment's colour blended over
that grey at the segment's opacity (background and hidden segments give the grey alone), so a
displayed pixel costs one lookup. Pixels are packed ``0xFFRRGGBB``, which is Qt's
``QImage.Format_RGB32`` on little-endian machines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.volume.model import Segment

SLOTS = 256  # distinct colours a slice can show: background plus 255 visible segments
_OPAQUE = np.uint32(0xFF000000)


def parse_color(color: str) -> tuple[int, int, int]:
    """``'#rrggbb'`` as an ``(r, g, b)`` tuple."""
    text = color.lstrip("#")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _pack(rgb: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    packed = _OPAQUE | (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]
    return packed.astype(np.uint32)


GREY_ONLY = _pack(np.repeat(np.arange(256, dtype=np.uint32)[:, None], 3, axis=1))


class Overlay:
    """The lookup tables of one segment list: label value -> slot -> blended colour."""

    def __init__(self, segments: Sequence[Segment], max_value: int = 255) -> None:
        shown = [s for s in segments if s.visible and s.opacity > 0 and 0 < s.value <= max_value]
        shown = shown[: SLOTS - 1]
        grey = np.arange(256, dtype=np.uint32)
        rgb = np.repeat(np.repeat(grey[None, :, None], 3, axis=2), SLOTS, axis=0)
        #: label value -> slot (None when labels can index the colour table directly)
        self.slots: npt.NDArray[np.uint8] | None = None
        if max_value >= SLOTS:
            self.slots = np.zeros(max_value + 1, dtype=np.uint8)
        for slot, segment in enumerate(shown, start=1):
            index = slot if self.slots is not None else segment.value
            if self.slots is not None:
                self.slots[segment.value] = slot
            color = np.array(parse_color(segment.color), dtype=np.uint32)
            alpha = np.uint32(round(min(segment.opacity, 1.0) * 256))
            rgb[index] = (grey[:, None] * (256 - alpha) + color[None, :] * alpha) >> 8
        self.visible = bool(shown)
        #: packed colour of (slot << 8 | grey)
        self.table = _pack(rgb).reshape(SLOTS * 256)

    @classmethod
    def for_labels(cls, segments: Sequence[Segment], dtype: np.dtype[Any]) -> Overlay:
        """The overlay of ``segments`` for a label array of ``dtype`` (uint8 or uint16)."""
        return cls(segments, int(np.iinfo(dtype).max))


class Composer:
    """Blends slices into reusable buffers (one per display size): no allocation per frame."""

    def __init__(self) -> None:
        self._buffers: dict[tuple[int, int], tuple[Any, Any, Any]] = {}

    def _buffers_for(
        self, shape: tuple[int, int]
    ) -> tuple[npt.NDArray[np.uint16], npt.NDArray[np.uint8], npt.NDArray[np.uint32]]:
        if shape not in self._buffers:
            self._buffers = {  # keep one size: a view's slices all share it
                shape: (
                    np.empty(shape, np.uint16),
                    np.empty(shape, np.uint8),
                    np.empty(shape, np.uint32),
                )
            }
        return self._buffers[shape]

    def compose(
        self,
        grey: npt.NDArray[np.uint8],
        labels: npt.NDArray[Any] | None,
        overlay: Overlay | None,
        out: npt.NDArray[np.uint32] | None = None,
    ) -> npt.NDArray[np.uint32]:
        """Packed RGB of ``grey`` with ``labels`` blended in (``out`` is filled when given)."""
        shape = (int(grey.shape[0]), int(grey.shape[1]))
        index, slot, image = self._buffers_for(shape)
        target = image if out is None else out
        if labels is None or overlay is None or not overlay.visible:
            return np.take(GREY_ONLY, grey, out=target, mode="clip")
        if overlay.slots is not None:
            labels = np.take(overlay.slots, labels, out=slot, mode="clip")
        np.left_shift(labels, 8, out=index, dtype=np.uint16)
        np.bitwise_or(index, grey, out=index)
        return np.take(overlay.table, index, out=target, mode="clip")


def compose(
    grey: npt.NDArray[np.uint8], labels: npt.NDArray[Any] | None, overlay: Overlay | None
) -> npt.NDArray[np.uint32]:
    """Packed RGB of a grey slice with its segments blended in (a new array)."""
    return Composer().compose(grey, labels, overlay).copy()


def unpack_rgb(image: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint8]:
    """An ``(..., 3)`` RGB array of a packed image (for tests and exports)."""
    return np.stack([(image >> s) & 0xFF for s in (16, 8, 0)], axis=-1).astype(np.uint8)
