"""Landmarks and 3D boxes in the SR (TID 1410 POINT, TID 1411 POLYGON faces) and the JSON
report, read back with highdicom and checked by dciodvfy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation
from workspace.demo_data import generate_ct_series
from workspace.export.item_export import export_item
from workspace.export.measurement_report import write_measurement_report
from workspace.export.sr_markups import BoxMarkup, PointMarkup, box_corners, markups_of
from workspace.segmentation.measurements import box3d, landmark
from workspace.volume.geometry import VolumeGeometry
from workspace.workspace import Workspace

POINT = PointMarkup("lesion", (10.0, 20.0, -30.0), {"certainty": "probable"})
CUBE = tuple(
    (float(x), float(y), float(z)) for z in (0, 30) for y in (0, 20) for x in (0, 10)
)  # corner n = bits (k, j, i): x varies fastest
BOX = BoxMarkup("liver", CUBE, (10.0, 20.0, 30.0), 6.0)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> list[pydicom.Dataset]:
    folder = tmp_path_factory.mktemp("ct")
    files = generate_ct_series(folder, slices=4, rows=16, cols=16, patient_id="SR2", seed=3)
    return [pydicom.dcmread(f) for f in files]


def test_a_box_has_six_closed_faces_each_on_one_side() -> None:
    faces = BOX.faces()
    assert len(faces) == 6
    for face in faces:
        assert face.shape == (5, 3) and np.array_equal(face[0], face[-1])
        assert sum(len(set(face[:, axis])) == 1 for axis in range(3)) == 1  # planar, axis-aligned
    assert {tuple(p) for face in faces for p in face} == set(CUBE)


def test_landmarks_and_boxes_read_back_from_the_sr(source, tmp_path: Path) -> None:
    import highdicom as hd

    out = write_measurement_report(source, [], [], tmp_path / "sr.dcm", points=[POINT], boxes=[BOX])
    content = hd.sr.srread(out).content
    (planar,) = content.get_planar_roi_measurement_groups()
    assert planar.roi.graphic_type == hd.sr.GraphicTypeValues3D.POINT
    assert planar.roi.value.tolist() == [list(POINT.point)]
    assert planar.finding_type.meaning == "lesion"
    (evaluation,) = planar.get_qualitative_evaluations()
    assert evaluation.value.meaning == "probable"
    (volumetric,) = content.get_volumetric_roi_measurement_groups()
    assert volumetric.finding_type.meaning == "liver"
    values = {m.name.meaning: (m.value, m.unit.value) for m in volumetric.get_measurements()}
    assert values == {
        "Volume": (6000.0, "mm3"),
        "Width": (10.0, "mm"),
        "Height": (20.0, "mm"),
        "Depth": (30.0, "mm"),
    }
    surface = volumetric.roi
    faces = [item.value for item in surface if item.value_type == hd.sr.ValueTypeValues.SCOORD3D]
    assert len(faces) == 6
    assert all(item.graphic_type == hd.sr.GraphicTypeValues3D.POLYGON for item in surface[:6])
    assert {tuple(p) for face in faces for p in face.tolist()} == set(CUBE)
    series = [item for item in surface if item.value_type == hd.sr.ValueTypeValues.UIDREF]
    assert [item.value for item in series] == [source[0].SeriesInstanceUID]


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_dciodvfy_accepts_landmarks_and_boxes(source, tmp_path: Path) -> None:
    out = write_measurement_report(source, [], [], tmp_path / "sr.dcm", points=[POINT], boxes=[BOX])
    result = subprocess.run(["dciodvfy", str(out)], capture_output=True, text=True, check=False)
    lines = (result.stdout + result.stderr).splitlines()
    assert [line for line in lines if line.startswith("Error")] == []


def test_an_oblique_box_has_the_grid_s_corners() -> None:
    turn = ((0.0, -1.0, 0.0), (1.0, 0.0, 0.0), (0.0, 0.0, 1.0))  # i along +y
    geometry = VolumeGeometry((8, 16, 16), (0.5, 0.7, 2.0), (5.0, 6.0, 7.0), turn)
    data = {"min_kji": [1, 2, 3], "max_kji": [4, 6, 8], "corners": [[0, 0, 0], [1, 1, 1]]}
    corners = box_corners(data, geometry)
    assert corners[0] == pytest.approx(tuple(geometry.index_to_lps([2.5, 1.5, 0.5])))
    assert corners[7] == pytest.approx(tuple(geometry.index_to_lps([8.5, 6.5, 4.5])))
    assert corners[1] == pytest.approx(tuple(geometry.index_to_lps([8.5, 1.5, 0.5])))  # i high
    # without the grid: the two stored corners as an axis-aligned box
    assert box_corners(data, None)[1] == (1.0, 0.0, 0.0)
    assert box_corners(data, None)[6] == (0.0, 1.0, 1.0)


def test_the_exported_sr_and_json_carry_landmarks_and_boxes(
    profile_dir: Path, tmp_path: Path
) -> None:
    import highdicom as hd

    generate_ct_series(tmp_path / "ct", slices=8, rows=16, cols=20)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([tmp_path / "ct"])
        geometry = workspace.load_volume(item.id).geometry
        stack, document = workspace.command_stack(item.id), workspace.document(item.id)
        point = landmark(item.id, geometry, (2.0, 3.0, 4.0), "lesion")
        box = box3d(item.id, geometry, (1, 2, 3), (4, 6, 12), "liver")
        stack.push(AddAnnotation(document, point))
        stack.push(AddAnnotation(document, box))
        (sr,) = export_item(workspace, item.id, "sr", tmp_path / "report.dcm")
        (out,) = export_item(workspace, item.id, "json", tmp_path / "report.json")
        _points, boxes = markups_of(workspace.annotations(item.id), geometry)
    finally:
        workspace.lock()
    content = hd.sr.srread(sr).content
    (planar,) = content.get_planar_roi_measurement_groups()
    assert planar.roi.value.tolist() == [pytest.approx(point.data["point"])]
    (volumetric,) = content.get_volumetric_roi_measurement_groups()
    si, sj, sk = geometry.spacing
    sizes = {m.name.meaning: m.value for m in volumetric.get_measurements()}
    assert sizes["Width"] == pytest.approx(10 * si, abs=1e-3)  # i: 3..12
    assert sizes["Height"] == pytest.approx(5 * sj, abs=1e-3)  # j: 2..6
    assert sizes["Depth"] == pytest.approx(4 * sk, abs=1e-3)  # k: 1..4
    scoord3d = hd.sr.ValueTypeValues.SCOORD3D
    faces = [item.value for item in volumetric.roi if item.value_type == scoord3d]
    (stored_box,) = boxes
    assert {tuple(np.round(p, 3)) for f in faces for p in f} == {
        tuple(np.round(c, 3)) for c in stored_box.corners
    }
    report = json.loads(out.read_text(encoding="utf-8"))
    (json_box,) = report["boxes"]
    assert json_box["size_mm_xyz"] == pytest.approx([10 * si, 5 * sj, 4 * sk])
    assert "size_mm_kji" not in json_box


def test_an_unreadable_markup_is_one_clear_error() -> None:
    from workspace.annotations import Annotation
    from workspace.export.base import ExportError

    broken = Annotation("item", "landmark", "lesion", {"point": ["a", 2, 3]})
    with pytest.raises(ExportError, match="coordinates cannot be read"):
        markups_of([broken])
    box = Annotation("item", "box3d", "liver", {"corners": [[0, 0, 0]], "size_mm_kji": [1, 2]})
    with pytest.raises(ExportError, match="coordinates cannot be read"):
        markups_of([box])
