"""Sealing a slide's tiles: read straight from the file in runs, packed exactly as tile by
tile, and nothing kept of an import that stops part way."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from storage.blob_format import is_random_id
from storage.profile import Profile
from tests.slides.generate import write_pyramid
from workspace.importers.base import ScanCancelledError
from workspace.slides import store
from workspace.slides.model import SlideError
from workspace.slides.source import TileRanges
from workspace.slides.store import seal_slide, unpack_index
from workspace.slides.tiff_source import TiffSlideSource


@pytest.fixture(scope="module")
def slide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("slide") / "slide.tif"
    write_pyramid(path, 1500, 1100, levels=3)
    return path


class Plain(TiffSlideSource):
    """The TIFF, its tiles read in runs (``ranged``) or one by one, as sources that cannot
    say where their tiles lie are read."""

    def __init__(self, path: Path, ranged: bool = True) -> None:
        super().__init__(path)
        self.ranged = ranged

    def tile_ranges(self, level: int) -> TileRanges | None:
        return super().tile_ranges(level) if self.ranged else None


class Scattered(Plain):
    """The TIFF with each level's tiles listed in reverse file order and every third one
    missing: ranges that do not follow one another in the file."""

    def _scattered(self, level: int) -> TileRanges:
        ranges = TiffSlideSource.tile_ranges(self, level)
        assert ranges is not None
        offsets, lengths = ranges.offsets[::-1].copy(), ranges.lengths[::-1].copy()
        lengths[::3] = 0
        return replace(ranges, offsets=offsets, lengths=lengths)

    def tile_ranges(self, level: int) -> TileRanges | None:
        return self._scattered(level) if self.ranged else None

    def tiles(self, level: int) -> Iterator[bytes]:
        ranges = self._scattered(level)
        with ranges.path.open("rb") as handle:
            for offset, length in zip(ranges.offsets, ranges.lengths, strict=True):
                handle.seek(int(offset))
                yield handle.read(int(length))


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


@pytest.mark.parametrize("segment_size", [3000, 40_000, 16 << 20])
@pytest.mark.parametrize("kind", [Plain, Scattered])
def test_tiles_read_in_runs_are_packed_as_tile_by_tile(
    profile: Profile,
    slide: Path,
    monkeypatch: pytest.MonkeyPatch,
    segment_size: int,
    kind: type[Plain],
) -> None:
    monkeypatch.setattr(store, "SEGMENT_SIZE", segment_size)  # 3000: most tiles alone
    ranged, per_tile = kind(slide), kind(slide, ranged=False)
    try:
        assert ranged.tile_ranges(0) is not None
        assert per_tile.tile_ranges(0) is None
        fast, fast_entry = seal_slide(profile.blobs, ranged)
        slow, slow_entry = seal_slide(profile.blobs, per_tile)
    finally:
        ranged.close()
        per_tile.close()
    assert fast.identity == slow.identity
    assert {**fast_entry, "index": None} == {**slow_entry, "index": None}
    assert [f.name for f in fast.files] == [f.name for f in slow.files]
    for quick, tile_by_tile in zip(fast.files, slow.files, strict=True):
        if quick.name.startswith("segment-"):  # random ids, the same bytes
            assert is_random_id(quick.digest) and quick.digest != tile_by_tile.digest
            assert profile.blobs.get(quick.digest) == profile.blobs.get(tile_by_tile.digest)
        elif quick.name != store.INDEX_NAME:  # the index names the segments
            assert quick.digest == tile_by_tile.digest


def test_every_tile_reads_back_as_the_file_holds_it(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "SEGMENT_SIZE", 40_000)
    source = Scattered(slide)
    try:
        _, entry = seal_slide(profile.blobs, source)
        expected = [source.tile_ranges(n) for n in range(len(source.levels))]
    finally:
        source.close()
    header, indexes = unpack_index(profile.blobs.get(entry["index"]))
    assert len(header["segments"]) > 5
    data = slide.read_bytes()
    missing = 0
    for ranges, index in zip(expected, indexes, strict=True):
        assert ranges is not None
        for offset, length, segment, at, stored in zip(
            ranges.offsets,
            ranges.lengths,
            index.segment.ravel(),
            index.offset.ravel(),
            index.length.ravel(),
            strict=True,
        ):
            assert stored == length
            if not length:
                missing += 1
                continue
            with profile.blobs.open(header["segments"][segment]) as reader:
                assert reader.read(int(at), int(length)) == data[offset : offset + length]
    assert missing > 0


def test_a_cancelled_import_leaves_nothing_in_the_store(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "SEGMENT_SIZE", 20_000)  # segments sealed before it stops
    before = _files(profile.blobs.root)
    known = profile.blobs.digests()
    calls = iter(range(1000))
    source = TiffSlideSource(slide)
    try:
        with pytest.raises(ScanCancelledError):
            seal_slide(profile.blobs, source, cancelled=lambda: next(calls) >= 2)
    finally:
        source.close()
    assert _files(profile.blobs.root) == before
    assert profile.blobs.digests() == known


def test_a_file_cut_short_after_it_was_opened_is_one_clear_error(
    profile: Profile, slide: Path, tmp_path: Path
) -> None:
    path = tmp_path / "cut.tif"
    path.write_bytes(slide.read_bytes())
    source = TiffSlideSource(path)
    try:
        level = len(source.levels) - 1
        ranges = source.tile_ranges(0)
        assert ranges is not None
        with path.open("r+b") as handle:  # level 0's last tiles gone
            handle.truncate(int(ranges.offsets[-1]) + 10)
        before = _files(profile.blobs.root)
        with pytest.raises(SlideError, match="ends early"):
            seal_slide(profile.blobs, source)
        assert level > 0
    finally:
        source.close()
    assert _files(profile.blobs.root) == before


def test_segments_are_indexed_in_one_transaction_after_they_are_written(
    profile: Profile, slide: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "SEGMENT_SIZE", 20_000)
    source = TiffSlideSource(slide)
    try:
        sealed, _ = seal_slide(profile.blobs, source)
    finally:
        source.close()
    known = {info.digest for info in profile.blobs.digests()}
    assert {f.digest for f in sealed.files} <= known
    for stored in sealed.files:
        profile.blobs.verify(stored.digest)
    assert not [p for p in _files(profile.blobs.root) if p.name.endswith(".tmp")]
    assert np.unique([f.digest for f in sealed.files]).size > 10
