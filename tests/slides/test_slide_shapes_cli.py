"""Slide shapes through ``caliper``: QuPath GeoJSON in and out, DICOM ANN read by highdicom,
hostile GeoJSON refused in one line with nothing stored changed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from tests.slides.generate import write_dicom_wsi, write_svs

#: A QuPath export: a region with a hole and sub-pixel vertices, counted cells, a line.
QUPATH = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "0f6c3b3e-8b1f-4f59-9f0b-4d7b1c0a1e01",
            "geometry": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [10.5, 10.25],
                        [400.125, 12.0],
                        [390.0, 300.75],
                        [12.333333333333334, 280.0],
                        [10.5, 10.25],
                    ],
                    [
                        [100.0, 100.0],
                        [150.5, 100.0],
                        [150.5, 150.0],
                        [100.0, 150.0],
                        [100.0, 100.0],
                    ],
                ],
            },
            "properties": {
                "objectType": "annotation",
                "isLocked": False,
                "classification": {"name": "tumour", "color": [200, 0, 30]},
                "attributes": {"grade": "G2"},
            },
        },
        {
            "type": "Feature",
            "id": "0f6c3b3e-8b1f-4f59-9f0b-4d7b1c0a1e02",
            "geometry": {"type": "MultiPoint", "coordinates": [[20.1, 30.2], [40.7, 50.9]]},
            "properties": {
                "objectType": "annotation",
                "classification": {"name": "lymphocyte", "color": [140, 60, 200]},
            },
        },
        {
            "type": "Feature",
            "id": "0f6c3b3e-8b1f-4f59-9f0b-4d7b1c0a1e03",
            "geometry": {"type": "Point", "coordinates": [700.0009765625, 500.5]},
            "properties": {
                "objectType": "annotation",
                "classification": {"name": "mitosis", "color": [0, 160, 60]},
            },
        },
        {
            "type": "Feature",
            "id": "0f6c3b3e-8b1f-4f59-9f0b-4d7b1c0a1e04",
            "geometry": {"type": "LineString", "coordinates": [[1.0, 2.0], [3.5, 4.75]]},
            "properties": {
                "objectType": "annotation",
                "name": "margin distance",
                "classification": {"name": "other", "color": [255, 200, 0]},
            },
        },
    ],
}


@pytest.fixture
def slide_item(tmp_path: Path) -> tuple[Path, str]:
    from workspace.workspace import Workspace

    profile = tmp_path / "profile"
    Workspace.create(profile, PASSPHRASE, user="path", kdf=FAST_KDF).lock()
    slide = tmp_path / "case.svs"
    write_svs(slide, 800, 600, mpp=0.25)
    result = caliper("import", str(slide), "--profile", str(profile))
    assert result.returncode == 0, result.stderr
    return profile, result.stdout.split("\t")[0]


def test_qupath_geojson_in_and_out_is_identical_and_dicom_ann_reads_back(
    slide_item: tuple[Path, str], tmp_path: Path
) -> None:
    profile, item_id = slide_item
    source = tmp_path / "case.geojson"
    source.write_text(json.dumps(QUPATH), encoding="utf-8")
    read = caliper("import", str(source), "--annotations-of", item_id, "--profile", str(profile))
    assert read.returncode == 0, read.stderr
    assert "4 annotations" in read.stdout

    out = tmp_path / "out.geojson"
    exported = caliper(
        "export", item_id, "--format", "geojson", "--out", str(out), "--profile", str(profile)
    )
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text(encoding="utf-8")) == QUPATH

    holed = caliper(
        "export",
        item_id,
        "--format",
        "dicom-ann",
        "--out",
        str(tmp_path / "a.dcm"),
        "--profile",
        str(profile),
    )
    assert_one_line_error(holed, "holes")


def test_dicom_ann_is_read_back_identically_by_highdicom(
    slide_item: tuple[Path, str], tmp_path: Path
) -> None:
    import highdicom as hd

    profile, item_id = slide_item
    features = [f for f in QUPATH["features"] if f["geometry"]["type"] != "Polygon"]
    region = {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[10.5, 10.25], [400.125, 12.0], [390.0, 300.75], [10.5, 10.25]]],
        },
        "properties": {"classification": {"name": "stroma", "color": [150, 200, 250]}},
    }
    source = tmp_path / "case.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [*features, region]}))
    read = caliper("import", str(source), "--annotations-of", item_id, "--profile", str(profile))
    assert read.returncode == 0, read.stderr
    out = tmp_path / "ann.dcm"
    exported = caliper(
        "export", item_id, "--format", "dicom-ann", "--out", str(out), "--profile", str(profile)
    )
    assert exported.returncode == 0, exported.stderr

    ann = hd.ann.annread(out)
    groups = {(g.label, g.graphic_type.value): g for g in ann.get_annotation_groups()}
    assert set(groups) == {
        ("lymphocyte", "POINT"),
        ("mitosis", "POINT"),
        ("other", "POLYLINE"),
        ("stroma", "POLYGON"),
    }

    def graphics(key: tuple[str, str]) -> list[list[list[float]]]:
        return [g.tolist() for g in groups[key].get_graphic_data(ann.annotation_coordinate_type)]

    assert graphics(("lymphocyte", "POINT")) == [[[20.1, 30.2]], [[40.7, 50.9]]]
    assert graphics(("mitosis", "POINT")) == [[[700.0009765625, 500.5]]]
    assert graphics(("other", "POLYLINE")) == [[[1.0, 2.0], [3.5, 4.75]]]
    assert graphics(("stroma", "POLYGON")) == [[[10.5, 10.25], [400.125, 12.0], [390.0, 300.75]]]
    assert np.asarray(graphics(("stroma", "POLYGON"))).dtype == np.float64


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Point", "coordinates": [NaN, 1]}, "properties": {"classification": '
            '{"name": "mitosis"}}}]}',
            "NaN",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Point", "coordinates": ["a", 1]}, "properties": {"classification": '
            '{"name": "mitosis"}}}]}',
            "feature 1",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Polygon", "coordinates": 7}, "properties": {"classification": '
            '{"name": "tumour"}}}]}',
            "feature 1",
        ),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "Point", "coordinates": [1, 1]}, "properties": {"classification": '
            '{"name": "unicorn"}}}]}',
            "not in the schema",
        ),
        ('{"type": "Topology"}', "FeatureCollection"),
        ("[" * 100_000 + "]" * 100_000, "GeoJSON"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": '
            '{"type": "MultiPoint", "coordinates": ['
            + ",".join(["[1,1]"] * 2_000_001)
            + ']}, "properties": {"classification": {"name": "mitosis"}}}]}',
            "vertices",
        ),
    ],
    ids=["nan", "string-coordinate", "wrong-type", "unknown-class", "not-geojson", "deep", "huge"],
)
def test_hostile_geojson_is_one_line_and_nothing_is_stored(
    slide_item: tuple[Path, str], tmp_path: Path, content: str, fragment: str
) -> None:
    profile, item_id = slide_item
    before = stored_state(profile)
    bad = tmp_path / "bad.geojson"
    bad.write_text(content, encoding="utf-8")
    result = caliper("import", str(bad), "--annotations-of", item_id, "--profile", str(profile))
    assert_one_line_error(result, fragment)
    assert_nothing_stored_changed(before, profile)


def test_dicom_ann_of_a_dicom_slide_refers_to_its_study_and_image(tmp_path: Path) -> None:
    import highdicom as hd
    import pydicom

    from workspace.workspace import Workspace

    profile = tmp_path / "profile"
    Workspace.create(profile, PASSPHRASE, user="path", kdf=FAST_KDF).lock()
    files = write_dicom_wsi(tmp_path / "case-3", 600, 400, levels=2, mpp=0.5)
    result = caliper("import", str(tmp_path / "case-3"), "--profile", str(profile))
    assert result.returncode == 0, result.stderr
    item_id = result.stdout.split("\t")[0]
    cells = {"type": "FeatureCollection", "features": [QUPATH["features"][1]]}
    source = tmp_path / "cells.geojson"
    source.write_text(json.dumps(cells), encoding="utf-8")
    read = caliper("import", str(source), "--annotations-of", item_id, "--profile", str(profile))
    assert read.returncode == 0, read.stderr
    out = tmp_path / "cells.dcm"
    exported = caliper(
        "export", item_id, "--format", "dicom-ann", "--out", str(out), "--profile", str(profile)
    )
    assert exported.returncode == 0, exported.stderr

    base = max(
        (pydicom.dcmread(f, stop_before_pixels=True) for f in files),
        key=lambda h: int(h.get("TotalPixelMatrixColumns", 0) or 0),
    )
    ann = hd.ann.annread(out)
    assert ann.StudyInstanceUID == base.StudyInstanceUID
    (series,) = ann.ReferencedSeriesSequence
    assert series.SeriesInstanceUID == base.SeriesInstanceUID
    assert series.ReferencedInstanceSequence[0].ReferencedSOPInstanceUID == base.SOPInstanceUID
