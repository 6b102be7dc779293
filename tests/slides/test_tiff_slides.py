"""Pyramidal TIFF, OME-TIFF and SVS slides: imported tile by tile into the encrypted store and
read back equal to the source's own tiles; hostile files refused with one clear message."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.slides.generate import write_pyramid, write_svs
from workspace.importers.base import ImportProblem
from workspace.importers.registry import scan
from workspace.importers.slides import TiffSlideImporter
from workspace.slides.model import SlideError
from workspace.slides.reader import SlideReader
from workspace.workspace import Workspace

WIDTH, HEIGHT = 1500, 1100


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("slides")
    write_pyramid(folder / "plain.tif", WIDTH, HEIGHT, mpp=0.5)
    write_pyramid(folder / "plain.ome.tif", WIDTH, HEIGHT, mpp=0.25, ome=True)
    write_svs(folder / "aperio.svs", WIDTH, HEIGHT, mpp=0.2525)
    return {p.name: p for p in folder.iterdir()}


def _source_tiles(path: Path, level: int) -> list[tuple[bytes, np.ndarray]]:
    """Each tile of ``level`` as the file holds it and as tifffile decodes it."""
    import tifffile

    with tifffile.TiffFile(path) as tif:
        page = tif.series[0].levels[level].keyframe
        handle = tif.filehandle
        tiles = []
        for number, (offset, count) in enumerate(
            zip(page.dataoffsets, page.databytecounts, strict=True)
        ):
            handle.seek(offset)
            data = handle.read(count)
            pixels, _, _ = page.decode(data, number, jpegtables=page.jpegtables)
            tiles.append((data, np.asarray(pixels)[0]))
    return tiles


def _import(profile, path: Path):
    problems: list[str] = []
    items = Workspace(profile).import_paths([path], on_problem=lambda p, m: problems.append(m))
    assert problems == []
    (item,) = items
    return item


@pytest.mark.parametrize(
    ("name", "levels", "mpp", "kind"),
    [
        ("plain.tif", [(1500, 1100), (750, 550), (375, 275)], 0.5, "tiff"),
        ("plain.ome.tif", [(1500, 1100), (750, 550), (375, 275)], 0.25, "ome-tiff"),
        ("aperio.svs", [(1500, 1100), (375, 275)], 0.2525, "svs"),
    ],
)
def test_a_pyramid_opens_with_its_levels_and_resolution(profile, slides, name, levels, mpp, kind):
    item = _import(profile, slides[name])
    assert item.modality == "slide"
    assert item.meta["width"] == WIDTH and item.meta["levels"] == len(levels)
    with SlideReader.open(profile.blobs, item) as reader:
        assert [(lv.width, lv.height) for lv in reader.levels] == levels
        assert [lv.tile_width for lv in reader.levels] == [256] * len(levels)
        assert reader.levels[-1].downsample == pytest.approx(WIDTH / levels[-1][0])
        assert reader.mpp == pytest.approx((mpp, mpp))
        assert reader.format_name == kind


def test_tiles_read_back_equal_the_source_tiles_and_none_is_stored_in_plaintext(
    profile, profile_dir, slides
):
    path = slides["plain.tif"]
    item = _import(profile, path)
    with SlideReader.open(profile.blobs, item) as reader:
        for level in range(3):
            info = reader.levels[level]
            tiles = _source_tiles(path, level)
            assert len(tiles) == info.columns * info.rows
            for number, (data, pixels) in enumerate(tiles):
                row, column = divmod(number, info.columns)
                assert reader.read_encoded_tile(level, column, row) == data
                got = reader.read_tile(level, column, row)
                _, _, width, height = info.tile_box(column, row)
                np.testing.assert_array_equal(got, pixels[:height, :width])
    stored = b"".join(p.read_bytes() for p in profile_dir.rglob("*") if p.is_file())
    for data, _ in _source_tiles(path, 0)[:6]:
        assert data[40:104] not in stored  # a run of each tile's entropy-coded bytes


def test_read_region_stitches_tiles_and_pads_outside_the_level(profile, slides):
    import tifffile

    item = _import(profile, slides["plain.tif"])
    level1 = tifffile.imread(slides["plain.tif"], series=0, level=1)
    with SlideReader.open(profile.blobs, item, cache_mb=1) as reader:
        region = reader.read_region(1, 200, 240, 400, 300)
        np.testing.assert_array_equal(region, level1[240:540, 200:600])
        edge = reader.read_region(1, 700, 500, 100, 100)
        np.testing.assert_array_equal(edge[:50, :50], level1[500:550, 700:750])
        assert (edge[50:, :] == 255).all() and (edge[:, 50:] == 255).all()
        assert reader.cache_bytes <= 1 << 20
        assert reader.best_level(3.0) == 1 and reader.best_level(0.5) == 0


def test_cached_tiles_are_returned_without_reading_again(profile, slides):
    item = _import(profile, slides["plain.ome.tif"])
    with SlideReader.open(profile.blobs, item) as reader:
        first = reader.read_tile(0, 2, 1)
        assert reader.read_tile(0, 2, 1) is first
        assert not first.flags.writeable


def test_the_label_is_stored_encrypted_and_read_back(profile, profile_dir, slides):
    import openslide

    item = _import(profile, slides["aperio.svs"])
    with openslide.OpenSlide(str(slides["aperio.svs"])) as plain:
        expected_label = np.asarray(plain.associated_images["label"].convert("RGB"))
        region = np.asarray(plain.read_region((512, 256), 0, (256, 256)).convert("RGB"))
    with SlideReader.open(profile.blobs, item) as reader:
        assert reader.associated_names == ("label", "macro", "thumbnail")
        label = reader.read_associated("label")
        np.testing.assert_array_equal(label, expected_label)
        np.testing.assert_array_equal(reader.read_region(0, 512, 256, 256, 256), region)
    stored = b"".join(p.read_bytes() for p in profile_dir.rglob("*") if p.is_file())
    assert label[40:80, 40:260].tobytes()[:96] not in stored
    assert b"Aperio" not in stored


def test_the_same_file_imported_twice_is_one_item(profile, slides):
    workspace = Workspace(profile)
    (first,) = workspace.import_paths([slides["plain.tif"]])
    (again,) = workspace.import_paths([slides["plain.tif"]])
    assert again.id == first.id


def _cut(source: Path, target: Path, keep: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * keep)])
    return target


@pytest.mark.parametrize("keep", [0.02, 0.5, 0.97])
def test_a_truncated_tiff_gets_one_clear_message_and_nothing_is_stored(
    profile, slides, tmp_path, keep
):
    path = _cut(slides["plain.tif"], tmp_path / "cut.tif", keep)
    problems: list[str] = []
    items = Workspace(profile).import_paths([path], on_problem=lambda p, m: problems.append(m))
    assert items == []
    (message,) = problems
    assert "cut.tif" in message and "Traceback" not in message
    assert "\n" not in message


def test_hostile_tiffs_get_one_clear_message(tmp_path):
    import tifffile

    garbage = tmp_path / "garbage.tif"
    garbage.write_bytes(b"II*\x00" + b"\xff" * 64)
    huge = tmp_path / "huge.tif"  # a first IFD that points far past the end of the file
    huge.write_bytes(b"II*\x00" + (1 << 31).to_bytes(4, "little") + bytes(64))
    plain = tmp_path / "photo.tif"  # a TIFF, but no slide: strips, not tiles
    tifffile.imwrite(plain, np.zeros((64, 64, 3), np.uint8))
    importer = TiffSlideImporter()
    for path in (garbage, huge, plain):
        assert importer.claims(path)
        with pytest.raises(ImportProblem) as raised:
            importer.read([path])
        assert str(raised.value).startswith(str(path))
        assert "\n" not in str(raised.value)
    with pytest.raises(ImportProblem, match="not tiled"):
        importer.read([plain])


@pytest.mark.parametrize("width", [65_000, 4_000_000_000])
def test_a_tiff_claiming_more_tiles_than_it_holds_gets_one_clear_message(tmp_path, width):
    import struct

    import tifffile

    path = tmp_path / "inflated.tif"
    tifffile.imwrite(
        path, np.zeros((512, 512, 3), np.uint8), tile=(256, 256), compression="jpeg", metadata=None
    )
    data = path.read_bytes()
    entry = struct.pack("<HHI", 256, 4, 1)  # ImageWidth, LONG, one value
    assert data.count(entry + struct.pack("<I", 512)) == 1
    path.write_bytes(data.replace(entry + struct.pack("<I", 512), entry + struct.pack("<I", width)))
    with pytest.raises(ImportProblem) as raised:
        TiffSlideImporter().read([path])
    assert "inflated.tif" in str(raised.value) and "\n" not in str(raised.value)


def test_a_stored_tile_outside_the_level_is_a_clear_error(profile, slides):
    item = _import(profile, slides["plain.tif"])
    with SlideReader.open(profile.blobs, item) as reader:
        with pytest.raises(SlideError, match="outside level 0"):
            reader.read_tile(0, 99, 0)
        with pytest.raises(SlideError, match="no level 7"):
            reader.read_tile(7, 0, 0)


def test_the_label_is_shown_only_when_the_profile_allows_and_each_showing_is_audited(
    profile, slides
):
    from storage.models import AuditEntry
    from workspace.slides.label import LabelHiddenError, set_labels_shown, show_label

    item = _import(profile, slides["aperio.svs"])
    with SlideReader.open(profile.blobs, item) as reader:
        with pytest.raises(LabelHiddenError, match="patient's name"):
            show_label(profile, item, reader)
        set_labels_shown(profile, True)
        assert show_label(profile, item, reader).shape == (120, 300, 3)
    with profile.database.read() as session:
        events = [row.event for row in session.query(AuditEntry)]
    assert events.count("slide.label.view") == 1


def test_import_reports_tile_progress_and_stops_when_cancelled(profile, slides):
    from workspace.slides.importing import store_slide_item

    workspace = Workspace(profile)
    seen: list[tuple[int, int]] = []
    workspace.import_paths([slides["plain.tif"]], progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (6 * 5 + 3 * 3 + 2 * 2, 6 * 5 + 3 * 3 + 2 * 2)  # tiles of 3 levels
    (imported,) = scan([slides["plain.ome.tif"]])
    assert store_slide_item(profile, imported, cancelled=lambda: True) is None
    assert len(workspace.items()) == 1  # only the first slide


def test_a_tiff_whose_tiles_cannot_be_decoded_is_refused_at_import(slides, tmp_path):
    import tifffile

    path = tmp_path / "scrambled.tif"
    data = bytearray(slides["plain.tif"].read_bytes())
    with tifffile.TiffFile(slides["plain.tif"]) as tif:
        page = tif.series[0].levels[0].keyframe
        offset = page.dataoffsets[0]
    data[offset : offset + 40] = b"\x00" * 40  # the first tile's JPEG header wiped
    path.write_bytes(bytes(data))
    with pytest.raises(ImportProblem, match="level 0 cannot be decoded") as raised:
        TiffSlideImporter().read([path])
    assert "\n" not in str(raised.value)


_MEASURED_IMPORT = """
import json, sys
from pathlib import Path
from workspace.slides import store, tiff_source
from workspace.workspace import Workspace

def status(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024

store.SEGMENT_SIZE = 1 << 20
tiff_source._RUN = 1 << 20
workspace = Workspace.unlock(Path(sys.argv[1]), sys.argv[2])
workspace.import_paths([Path(sys.argv[3])])  # libraries loaded, buffers made once
Path("/proc/self/clear_refs").write_text("5")  # the peak starts again from here
before = status("VmRSS")
(item,) = workspace.import_paths([Path(sys.argv[4])])
levels = len(item.meta["slide"]["levels"])
print(json.dumps({"before": before, "peak": status("VmHWM"), "levels": levels}))
"""


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux's /proc")
def test_import_holds_a_few_segments_in_memory_never_the_slide(profile_dir, slides, tmp_path):
    """Peak resident memory of a real import (the segment buffers are mapped memory, which
    tracemalloc never sees), measured in a child process from just before it starts."""
    import json
    import os
    import subprocess
    import sys

    from tests.bench.bench_slide_tiles import write_big_pyramid
    from tests.cli.test_cli import REPO
    from tests.conftest import PASSPHRASE

    path = tmp_path / "big.tif"
    write_big_pyramid(path, 12800)
    size = path.stat().st_size
    warm_and_big = [str(slides["plain.tif"]), str(path)]
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED_IMPORT, str(profile_dir), PASSPHRASE, *warm_and_big],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    measured = json.loads(result.stdout)
    assert measured["levels"] == 7
    assert size > 30 << 20
    grown = measured["peak"] - measured["before"]
    # three 1 MiB segments, a 1 MiB run of tiles read at once, the sealing buffers
    assert grown < size / 4, f"import grew the resident set by {grown / 1e6:.0f} MB"


def test_a_damaged_segment_is_one_clear_error_and_importing_again_repairs_it(profile, slides):
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([slides["plain.tif"]])
    with workspace.open_slide(item.id) as reader:
        expected = reader.read_tile(0, 1, 1).copy()
    (segment,) = [f for f in workspace.item_files(item.id) if f.name.startswith("segment-")]
    path = profile.blobs.path_of(segment.digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with (
        workspace.open_slide(item.id, cache_mb=0) as reader,
        pytest.raises(SlideError, match="integrity check"),
    ):
        reader.read_tile(0, 1, 1)
    (again,) = workspace.import_paths([slides["plain.tif"]])
    assert again.id == item.id
    with workspace.open_slide(item.id) as reader:
        np.testing.assert_array_equal(reader.read_tile(0, 1, 1), expected)


def test_a_damaged_label_is_one_clear_error(profile, slides):
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([slides["aperio.svs"]])
    (label,) = [f for f in workspace.item_files(item.id) if f.name == "label.rgb.z"]
    path = profile.blobs.path_of(label.digest)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with workspace.open_slide(item.id) as reader:
        with pytest.raises(SlideError, match=r"label image cannot be read.*integrity check"):
            reader.read_associated("label")
        assert reader.read_associated("macro").shape == (200, 500, 3)  # the rest still reads
