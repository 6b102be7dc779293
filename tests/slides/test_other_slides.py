"""DICOM WSI (wsidicom) and OpenSlide-only slides: imported with their levels, resolution and
label; DICOM frames copied as they are, OpenSlide tiles re-encoded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.slides.generate import write_dicom_wsi, write_svs
from workspace.slides.openslide_source import OpenSlideSource
from workspace.slides.reader import SlideReader
from workspace.slides.store import seal_slide
from workspace.workspace import Workspace


@pytest.fixture(scope="module")
def dicom_slide(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dicom") / "case-7"
    write_dicom_wsi(folder, 1000, 700, levels=3, mpp=0.25)
    return folder


def test_a_dicom_wsi_opens_with_its_levels_resolution_and_frames(profile, profile_dir, dicom_slide):
    from wsidicom import WsiDicom

    problems: list[str] = []
    items = Workspace(profile).import_paths([dicom_slide], lambda p, m: problems.append(m))
    assert problems == []
    (item,) = items
    assert item.modality == "slide" and item.meta["levels"] == 3
    with SlideReader.open(profile.blobs, item) as reader, WsiDicom.open(dicom_slide) as plain:
        assert [(lv.width, lv.height) for lv in reader.levels] == [
            (1000, 700),
            (500, 350),
            (250, 175),
        ]
        assert reader.levels[2].downsample == 4.0
        assert reader.mpp == pytest.approx((0.25, 0.25))
        assert reader.format_name == "dicom-wsi"
        frame = plain.read_encoded_tile(0, (1, 2), crop_to_image_boundary=False)
        assert reader.read_encoded_tile(0, 1, 2) == frame
        expected = np.asarray(plain.read_tile(0, (1, 1)).convert("RGB"))
        np.testing.assert_array_equal(reader.read_tile(0, 1, 1), expected)
        assert reader.associated_names == ("label",)
        label = reader.read_associated("label")
        np.testing.assert_array_equal(label, np.asarray(plain.read_label().convert("RGB")))
    stored = b"".join(p.read_bytes() for p in profile_dir.rglob("*") if p.is_file())
    assert frame[200:264] not in stored
    assert b"Doe^Jane" not in stored


def test_a_damaged_dicom_wsi_gets_one_clear_message(profile, dicom_slide, tmp_path):
    folder = tmp_path / "damaged"
    folder.mkdir()
    for path in sorted(dicom_slide.iterdir()):
        data = path.read_bytes()
        (folder / path.name).write_bytes(data[: len(data) // 2])
    problems: list[str] = []
    items = Workspace(profile).import_paths([folder], lambda p, m: problems.append(m))
    assert items == []
    assert len(problems) >= 1
    assert all("\n" not in message and "Traceback" not in message for message in problems)


def test_openslide_tiles_are_re_encoded_when_they_cannot_be_copied(profile, tmp_path):
    import openslide

    path = tmp_path / "scan.svs"
    write_svs(path, 1200, 900)
    source = OpenSlideSource(path)  # the OpenSlide route, used for NDPI, MIRAX...
    try:
        sealed, entry = seal_slide(profile.blobs, source)
    finally:
        source.close()
    assert entry["format"] == "openslide-aperio"
    assert entry["mpp"] == pytest.approx([0.25, 0.25])
    assert entry["associated"] == ["label", "macro", "thumbnail"]
    from workspace.items import ItemSummary

    item = ItemSummary("i", "slide", "t", sealed.identity, {"slide": entry})
    with SlideReader.open(profile.blobs, item) as reader, openslide.OpenSlide(str(path)) as plain:
        assert [lv.tile_width for lv in reader.levels] == [512, 512]
        region = np.asarray(plain.read_region((0, 0), 0, (512, 512)).convert("RGB"))
        got = reader.read_tile(0, 0, 0).astype(int)
        assert np.abs(got - region).mean() < 3  # JPEG quality 90
