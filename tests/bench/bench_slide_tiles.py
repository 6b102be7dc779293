"""Whole-slide tiles from the encrypted store, beside OpenSlide on the plain file (same run).

Goals (issue 13): a 256² tile at a random place from the encrypted store ≤ 1.5× OpenSlide's
``read_region`` on the plain file, and < 5 ms from the tile cache; import ≤ 1.5× a plain copy
of the file (written and flushed to disk, as the store's blobs are).

The slide is a generated JPEG pyramid of at least 50,000 × 50,000 pixels (``--quick``: 8,192²),
written fast: a few tiles are encoded once and tifffile writes them over and over as
pre-encoded tiles, so generating it costs about what writing its bytes costs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from tests.bench.common import report, scratch_profile
from tests.slides.generate import tissue
from workspace.slides.reader import SlideReader
from workspace.workspace import Workspace

GOAL_RANDOM_RATIO = 1.5
GOAL_CACHED_S = 0.005
GOAL_IMPORT_RATIO = 1.5
TILE = 256


def write_big_pyramid(path: Path, size: int) -> None:
    """A JPEG pyramid ``size`` pixels square (levels halving down to one tile), its tiles a few
    pre-encoded ones (noisy, about as large as a scanner's) repeated; level 0 in the first IFD,
    the others in its SubIFDs."""
    import imagecodecs
    import tifffile

    noise = np.random.default_rng(11).normal(0, 12, (4 * TILE, 4 * TILE, 3))
    picture = np.clip(tissue(4 * TILE, 4 * TILE, seed=11) + noise, 0, 255).astype(np.uint8)
    encoded = [
        imagecodecs.jpeg_encode(picture[y : y + TILE, x : x + TILE], level=80)
        for y in range(0, 4 * TILE, TILE)
        for x in range(0, 4 * TILE, TILE)
    ]
    sizes = [size]
    while sizes[-1] > TILE:
        sizes.append((sizes[-1] + 1) // 2)

    def tiles(side: int) -> Iterator[bytes]:
        count = -(-side // TILE)
        for number in range(count * count):
            yield encoded[(number * 7 + number // count) % len(encoded)]

    options = {
        "tile": (TILE, TILE),
        "compression": "jpeg",
        "photometric": "rgb",
        "dtype": np.uint8,
        "metadata": None,
    }
    with tifffile.TiffWriter(path, bigtiff=True) as tif:
        tif.write(
            tiles(sizes[0]),
            shape=(sizes[0], sizes[0], 3),
            subifds=len(sizes) - 1,
            resolution=(1e4 / 0.25, 1e4 / 0.25),
            resolutionunit="CENTIMETER",
            **options,
        )
        for side in sizes[1:]:
            tif.write(tiles(side), shape=(side, side, 3), subfiletype=1, **options)


def _copy_to_disk(source: Path, target: Path) -> None:
    """A plain copy, flushed to disk (the store fsyncs its blobs)."""
    shutil.copyfile(source, target)
    with target.open("rb+") as handle:
        os.fsync(handle.fileno())


def _median_ms(times: list[float]) -> float:
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> float:
    """Run the benchmark; returns the random-tile ratio (store / OpenSlide)."""
    import openslide

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    size = 8192 if args.quick else 51200
    samples = 60 if args.quick else 300
    with tempfile.TemporaryDirectory(prefix="caliper-slide-") as tmp, scratch_profile() as profile:
        path = Path(tmp) / "slide.tif"
        start = time.perf_counter()
        write_big_pyramid(path, size)
        generate_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6

        start = time.perf_counter()
        _copy_to_disk(path, Path(tmp) / "copy.tif")
        copy_s = time.perf_counter() - start
        (Path(tmp) / "copy.tif").unlink()

        start = time.perf_counter()
        (item,) = Workspace(profile).import_paths([path])
        import_s = time.perf_counter() - start

        rng = np.random.default_rng(5)
        reader = SlideReader.open(profile.blobs, item, cache_mb=0)  # every read from the store
        plain = openslide.OpenSlide(str(path))
        level = reader.levels[0]
        places = [
            (int(rng.integers(level.columns)), int(rng.integers(level.rows)))
            for _ in range(samples)
        ]
        store_times, plain_times = [], []
        for column, row in places:  # interleaved: both see the same load
            start = time.perf_counter()
            reader.read_tile(0, column, row)
            store_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain.read_region((column * TILE, row * TILE), 0, (TILE, TILE))
            plain_times.append(time.perf_counter() - start)
        reader.close()
        plain.close()

        cached = SlideReader.open(profile.blobs, item, cache_mb=64)
        cached.read_tile(0, *places[0])
        cached_times = []
        for _ in range(200):
            start = time.perf_counter()
            cached.read_tile(0, *places[0])
            cached_times.append(time.perf_counter() - start)
        cached.close()

    store_ms, plain_ms = _median_ms(store_times), _median_ms(plain_times)
    cached_ms = _median_ms(cached_times)
    ratio = store_ms / plain_ms
    import_ratio = import_s / copy_s
    report(
        f"Slide: {size:,}² JPEG pyramid ({size_mb:,.0f} MB), generated in {generate_s:.1f} s",
        [
            ("random 256² tile, encrypted store", f"{store_ms:.2f} ms", f"median of {samples}"),
            ("random 256² tile, OpenSlide plain", f"{plain_ms:.2f} ms", "read_region, same run"),
            ("same tile again, tile cache", f"{cached_ms * 1000:.1f} µs", "median of 200"),
            ("import into the store", f"{import_s:.2f} s", f"{size_mb / import_s:,.0f} MB/s"),
            ("plain copy + fsync", f"{copy_s:.2f} s", "baseline"),
        ],
        f"random tile {ratio:.2f}× OpenSlide "
        f"({'meets' if ratio <= GOAL_RANDOM_RATIO else 'MISSES'} ≤ {GOAL_RANDOM_RATIO}×); "
        f"cached {'meets' if cached_ms / 1000 < GOAL_CACHED_S else 'MISSES'} < 5 ms; "
        f"import {import_ratio:.2f}× a copy "
        f"({'meets' if import_ratio <= GOAL_IMPORT_RATIO else 'MISSES'} ≤ {GOAL_IMPORT_RATIO}×)",
    )
    return ratio


if __name__ == "__main__":
    main()
