"""Synthetic whole-slide files for the tests and the benchmark, written with tifffile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def tissue(height: int, width: int, seed: int = 0) -> npt.NDArray[np.uint8]:
    """An RGB picture with structure at every scale (gradients, blobs, noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 180 + 60 * np.sin(x / 37.0) * np.cos(y / 53.0)
    green = 120 + 80 * np.sin((x + y) / 91.0)
    blue = 200 - 0.05 * (x % 400) + 10 * rng.standard_normal((height, width))
    return np.clip(np.stack([red, green, blue], axis=2), 0, 255).astype(np.uint8)


def write_pyramid(
    path: Path,
    width: int,
    height: int,
    *,
    levels: int = 3,
    tile: int = 256,
    mpp: float = 0.5,
    ome: bool = False,
) -> None:
    """A tiled JPEG pyramid: level 0 in the first IFD, lower levels in its SubIFDs; the
    resolution as TIFF tags (centimetres), or as OME ``PhysicalSizeX`` when ``ome``."""
    import tifffile

    image = tissue(height, width)
    options = {"tile": (tile, tile), "compression": "jpeg", "photometric": "rgb"}
    with tifffile.TiffWriter(path, ome=ome) as tif:
        metadata = {"PhysicalSizeX": mpp, "PhysicalSizeY": mpp} if ome else None
        tif.write(
            image,
            subifds=levels - 1,
            resolution=(1e4 / mpp, 1e4 / mpp),
            resolutionunit="CENTIMETER",
            metadata=metadata,
            **options,
        )
        for level in range(1, levels):
            step = 2**level
            tif.write(image[::step, ::step], subfiletype=1, **options)


def write_svs(path: Path, width: int, height: int, *, mpp: float = 0.25) -> npt.NDArray[np.uint8]:
    """An Aperio-style SVS (pyramid in the main IFDs, thumbnail, label, macro); returns the
    label's pixels (which carry the 'patient name')."""
    import tifffile

    image = tissue(height, width)
    label = np.zeros((120, 300, 3), np.uint8)
    label[20:100, 20:280] = (250, 30, 30)  # stands for a printed name
    label[40:80, 40:260, 1] = np.arange(220, dtype=np.uint8)
    macro = tissue(200, 500, seed=2)
    head = f"Aperio Image Library v12.0.15\r\n{width}x{height} [0,0 {width}x{height}] (256x256)"
    description = f"{head} JPEG/RGB Q=70|AppMag = 40|MPP = {mpp}"
    options = {"compression": "jpeg", "photometric": "rgb", "metadata": None}
    with tifffile.TiffWriter(path) as tif:
        tif.write(image, tile=(256, 256), description=description, **options)
        tif.write(image[::8, ::8], description=f"{head} -> thumbnail", **options)
        tif.write(image[::4, ::4], tile=(256, 256), description=description, **options)
        tif.write(
            label,
            subfiletype=1,
            description="Aperio Image Library label",
            photometric="rgb",
            metadata=None,
        )
        tif.write(macro, subfiletype=9, description="Aperio Image Library macro", **options)
    return label
