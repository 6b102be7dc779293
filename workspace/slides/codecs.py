"""Decoding stored tiles: each level names its codec, and its tiles are kept as encoded.

A codec is a small JSON dict (kept in the sealed index): ``{"codec": "jpeg", "tables": hex,
"colorspace": ..., "outcolorspace": ...}`` for JPEG tiles copied from a TIFF (abbreviated
streams whose tables are shared, decoded with the same colour-space choice tifffile makes),
``"jpeg2k"``, ``"webp"``, and ``"zlib-rgb"`` for tiles that could not be copied as they were
(decoded from the source and kept lossless, deflated).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import numpy.typing as npt

from workspace.slides.model import SlideError

Codec = dict[str, Any]
RGB = npt.NDArray[np.uint8]

JPEG, JPEG2K, WEBP, ZLIB_RGB = "jpeg", "jpeg2k", "webp", "zlib-rgb"


def zlib_rgb_codec() -> Codec:
    """The codec of tiles re-encoded losslessly here."""
    return {"codec": ZLIB_RGB}


def encode_zlib_rgb(pixels: npt.NDArray[Any]) -> bytes:
    """``pixels`` made RGB and deflated (what ``zlib-rgb`` tiles hold)."""
    return zlib.compress(np.ascontiguousarray(as_rgb(pixels)).tobytes(), 1)


def as_rgb(pixels: npt.NDArray[Any]) -> RGB:
    """Height x width x 3 uint8: grey repeated, alpha dropped, a leading plane axis removed."""
    array = np.asarray(pixels)
    while array.ndim > 3:
        array = array[0]
    if array.ndim == 2:
        array = array[:, :, None]
    if array.dtype != np.uint8:
        raise SlideError(f"tiles of {array.dtype} samples are not supported (8-bit RGB only)")
    if array.shape[2] == 1:
        array = np.repeat(array, 3, axis=2)
    return array[:, :, :3]


def decode_tile(codec: Codec, data: bytes | bytearray | memoryview, height: int, width: int) -> RGB:
    """The tile's pixels, ``height x width x 3`` (a padded edge tile is cut to size)."""
    import imagecodecs

    kind = codec.get("codec")
    try:
        if kind == JPEG:
            tables = codec.get("tables")
            pixels = imagecodecs.jpeg_decode(
                bytes(data),
                tables=bytes.fromhex(tables) if tables else None,
                colorspace=codec.get("colorspace"),
                outcolorspace=codec.get("outcolorspace"),
            )
        elif kind == JPEG2K:
            pixels = imagecodecs.jpeg2k_decode(bytes(data))
        elif kind == WEBP:
            pixels = imagecodecs.webp_decode(bytes(data))
        elif kind == ZLIB_RGB:
            flat = np.frombuffer(zlib.decompress(data), np.uint8)
            pixels = flat.reshape(-1, width, 3)  # stored cut to the level's edge
        else:
            raise SlideError(f"stored tiles use an unknown codec {kind!r}")
    except (RuntimeError, zlib.error, ValueError) as exc:  # imagecodecs raises RuntimeErrors
        if isinstance(exc, SlideError):
            raise
        raise SlideError(f"a stored tile could not be decoded ({exc})") from None
    return as_rgb(pixels)[:height, :width]
