"""Polygons and 2D-image markups in the exports: on a volume, a polygon is a TID 1410 group with
a closed SCOORD3D POLYGON, its area and the HU inside; on a single-frame image every markup is
an SCOORD region on the image (POINT, POLYLINE, closed POLYLINE) in a Comprehensive SR with no
frame of reference needed; a 2D image's segmentation is a DICOM SEG of that one frame; the JSON
has each markup in LPS mm and in pixel (voxel index) coordinates. Files are read back with
highdicom and checked by dciodvfy."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import generate_ct_series
from workspace.export.base import ExportError
from workspace.export.dicom_seg import write_dicom_seg
from workspace.export.item_export import export_item
from workspace.export.measurement_report import write_image_report
from workspace.export.sr_image_regions import image_markups, pixels_of
from workspace.export.sr_markups import polygons_of
from workspace.item_payloads import StoredPayloads
from workspace.segmentation.measurements import box3d, landmark, polygon, ruler
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

DCIODVFY = shutil.which("dciodvfy")
TRIANGLE = [(0.0, 4.0, 4.0), (0.0, 4.0, 30.0), (0.0, 30.0, 17.0)]


def _dciodvfy_errors(path: Path) -> list[str]:
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, check=False)
    return [line for line in (result.stdout + result.stderr).splitlines() if "Error" in line]


def _import(workspace: Workspace, folder: Path, slices: int) -> str:
    generate_ct_series(folder, slices=slices, rows=40, cols=48, seed=5)
    (item,) = workspace.import_paths([folder])
    return item.id


def _add(workspace: Workspace, item_id: str, *annotations: Annotation) -> None:
    stack, document = workspace.command_stack(item_id), workspace.document(item_id)
    for annotation in annotations:
        stack.push(AddAnnotation(document, annotation))


def test_a_volume_s_polygon_is_a_closed_scoord3d_polygon_with_its_hu(
    profile_dir: Path, tmp_path: Path
) -> None:
    import highdicom as hd

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item_id = _import(workspace, tmp_path / "ct", slices=6)
        volume = workspace.load_volume(item_id)
        outline = [(3.0, j, i) for _k, j, i in TRIANGLE]
        made = polygon(item_id, volume.geometry, outline, "lesion", voxels=volume.voxels)
        _add(workspace, item_id, made)
        (sr,) = export_item(workspace, item_id, "sr", tmp_path / "report.dcm")
        (out,) = export_item(workspace, item_id, "json", tmp_path / "report.json")
    finally:
        workspace.lock()
    dataset = pydicom.dcmread(sr)
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.34"  # Comprehensive 3D SR
    (group,) = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
    assert group.roi.graphic_type == hd.sr.GraphicTypeValues3D.POLYGON
    ring = group.roi.value
    assert np.allclose(ring[:-1], made.data["points"]) and np.allclose(ring[0], ring[-1])
    found = {m.name.meaning: (m.value, m.unit.value) for m in group.get_measurements()}
    values = made.data["values"]
    assert found["Area"] == (pytest.approx(made.data["area_mm2"], abs=1e-3), "mm2")
    assert found["Mean"] == (pytest.approx(values["mean"], abs=1e-3), "[hnsf'U]")
    assert found["Minimum"][0] == pytest.approx(values["min"])
    assert found["Maximum"][0] == pytest.approx(values["max"])
    if DCIODVFY:
        assert _dciodvfy_errors(sr) == []
    (entry,) = json.loads(out.read_text(encoding="utf-8"))["polygons"]
    assert entry["label"] == "lesion"
    assert np.allclose(entry["points_lps_mm"], made.data["points"])
    assert entry["points_ijk"] == [[i, j, 3.0] for _k, j, i in TRIANGLE]
    assert entry["area_mm2"] == pytest.approx(made.data["area_mm2"])
    assert entry["values"] == made.data["values"]


def test_a_2d_image_s_markups_are_scoord_regions_on_the_image(
    profile_dir: Path, tmp_path: Path
) -> None:
    import highdicom as hd

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item_id = _import(workspace, tmp_path / "one", slices=1)
        volume = workspace.load_volume(item_id)
        geometry = volume.geometry
        assert geometry.shape == (1, 40, 48)
        made = [
            landmark(item_id, geometry, (0.0, 3.0, 7.0), "lesion"),
            ruler(item_id, geometry, (0.0, 2.0, 2.0), (0.0, 20.0, 30.0)),
            box3d(item_id, geometry, (0, 5, 6), (0, 15, 25), "liver"),
            polygon(item_id, geometry, TRIANGLE, "lesion", voxels=volume.voxels),
        ]
        _add(workspace, item_id, *made)
        (sr,) = export_item(workspace, item_id, "sr", tmp_path / "report.dcm")
        (out,) = export_item(workspace, item_id, "json", tmp_path / "report.json")
        (header,) = StoredPayloads(workspace.profile).source_headers(workspace.item(item_id))
    finally:
        workspace.lock()
    dataset = pydicom.dcmread(sr)
    assert dataset.SOPClassUID == "1.2.840.10008.5.1.4.1.1.88.33"  # Comprehensive SR
    groups = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
    assert [g.tracking_identifier for g in groups] == [
        "landmark 1: lesion",
        "ruler 1: length",
        "box 1: liver",
        "polygon 1: lesion",
    ]
    point, line, box, outline = (g.roi for g in groups)
    graphic = hd.sr.GraphicTypeValues
    assert [r.graphic_type for r in (point, line, box, outline)] == [
        graphic.POINT,
        graphic.POLYLINE,
        graphic.POLYLINE,
        graphic.POLYLINE,
    ]
    # image coordinates: the centre of pixel (row j, column i) is (i + 0.5, j + 0.5)
    assert np.allclose(point.value, [[7.5, 3.5]])
    assert np.allclose(line.value, [[2.5, 2.5], [30.5, 20.5]])
    assert np.allclose(box.value, [[6, 5], [26, 5], [26, 16], [6, 16], [6, 5]])
    triangle = [[i + 0.5, j + 0.5] for _k, j, i in TRIANGLE]
    assert np.allclose(outline.value, [*triangle, triangle[0]])
    referenced = point.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID
    assert referenced == header.SOPInstanceUID
    measured = {m.name.meaning: m.value for m in groups[3].get_measurements()}
    assert measured["Area"] == pytest.approx(made[3].data["area_mm2"], abs=1e-3)
    assert measured["Mean"] == pytest.approx(made[3].data["values"]["mean"], abs=1e-3)
    (length,) = groups[1].get_measurements()
    assert length.value == pytest.approx(made[1].data["length_mm"], abs=1e-3)
    si, sj, _ = geometry.spacing
    sizes = {m.name.meaning: m.value for m in groups[2].get_measurements()}
    assert sizes["Width"] == pytest.approx(20 * si, abs=1e-3)
    assert sizes["Height"] == pytest.approx(11 * sj, abs=1e-3)
    assert sizes["Area"] == pytest.approx(20 * si * 11 * sj, abs=1e-3)
    if DCIODVFY:
        assert _dciodvfy_errors(sr) == []
    # the pixel grid through the image plane agrees with the voxel indices
    assert np.allclose(pixels_of([(0.0, 3.0, 7.0)], header, geometry), [(7.5, 3.5)])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["grid"] == {"size_ijk": [48, 40, 1], "spacing_mm_ijk": list(geometry.spacing)}
    assert report["landmarks"][0]["point_ijk"] == [7.0, 3.0, 0.0]
    assert report["measurements"][0]["points_ijk"] == [[2.0, 2.0, 0.0], [30.0, 20.0, 0.0]]
    assert report["boxes"][0]["corners_ijk"] == [[5.5, 4.5, -0.5], [25.5, 15.5, 0.5]]
    assert report["polygons"][0]["points_ijk"] == [[i, j, 0.0] for _k, j, i in TRIANGLE]


def test_a_2d_image_s_segmentation_is_a_one_frame_seg(profile_dir: Path, tmp_path: Path) -> None:
    import highdicom as hd

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        item_id = _import(workspace, tmp_path / "one", slices=1)
        geometry = workspace.load_volume(item_id).geometry
        labels = np.zeros(geometry.shape, dtype=np.uint8)
        labels[0, 10:20, 5:30] = 1
        labels[0, 25:35, 30:40] = 2
        segments = [Segment(1, "liver", "#dd8265"), Segment(2, "spleen", "#9d6ca2")]
        workspace.save_segmentation(item_id, LabelMap(labels, geometry, segments), source="test")
        (out,) = export_item(workspace, item_id, "dicom-seg", tmp_path / "seg.dcm")
        (header,) = StoredPayloads(workspace.profile).source_headers(workspace.item(item_id))
    finally:
        workspace.lock()
    seg = hd.seg.segread(out)
    assert seg.number_of_segments == 2
    volume = seg.get_pixels_by_source_instance(
        [header.SOPInstanceUID], combine_segments=True, skip_overlap_checks=True
    )
    assert np.array_equal(volume[0], labels[0])
    if DCIODVFY:
        assert _dciodvfy_errors(out) == []


@pytest.mark.parametrize("name", ["SC_rgb.dcm", "US1_UNCR.dcm"])
def test_images_without_a_frame_of_reference_get_sr_and_seg(name: str, tmp_path: Path) -> None:
    """pydicom's secondary capture and ultrasound test images have no patient frame."""
    import highdicom as hd

    source = pydicom.dcmread(get_testdata_file(name))
    assert "FrameOfReferenceUID" not in source
    shape = (1, int(source.Rows), int(source.Columns))
    geometry = VolumeGeometry(shape, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), np.eye(3).tolist())
    made = [
        polygon("item", geometry, TRIANGLE, "lesion"),
        ruler("item", geometry, (0.0, 1.0, 1.0), (0.0, 10.0, 20.0)),
    ]
    markups = image_markups(made, source, None)
    sr = write_image_report(source, markups, [], tmp_path / "sr.dcm")
    groups = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
    assert groups[0].roi.value[0].tolist() == [4.5, 4.5]
    labels = np.zeros(shape, dtype=np.uint8)
    labels[0, 10:30, 20:40] = 1
    seg_path = write_dicom_seg(
        [source], LabelMap(labels, geometry, [Segment(1, "lesion", "#ff0000")]), tmp_path / "s.dcm"
    )
    seg = pydicom.dcmread(seg_path)  # highdicom's segread wants a slice thickness SC lacks
    assert len(seg.SegmentSequence) == 1 and int(seg.NumberOfFrames) == 1
    assert np.array_equal(seg.pixel_array.astype(bool), labels[0].astype(bool))
    (frame,) = seg.PerFrameFunctionalGroupsSequence
    reference = frame.DerivationImageSequence[0].SourceImageSequence[0]
    assert reference.ReferencedSOPInstanceUID == source.SOPInstanceUID
    if DCIODVFY:
        assert _dciodvfy_errors(sr) == []
        assert _dciodvfy_errors(seg_path) == []


def test_a_stack_without_a_frame_of_reference_is_one_clear_error(tmp_path: Path) -> None:
    from workspace.export.measurement_report import LengthMeasurement, write_measurement_report

    frames = [pydicom.dcmread(get_testdata_file("SC_rgb.dcm")) for _ in range(2)]
    ruler_mm = LengthMeasurement("length", (0.0, 0.0, 0.0), (1.0, 0.0, 0.0))
    with pytest.raises(ExportError, match="no patient frame of reference"):
        write_measurement_report(frames, [ruler_mm], [], tmp_path / "sr.dcm")
    assert not (tmp_path / "sr.dcm").exists()


def test_an_unreadable_polygon_is_one_clear_error() -> None:
    broken = Annotation("item", "polygon", "lesion", {"points": [[0, 0, 0]], "area_mm2": 1})
    with pytest.raises(ExportError, match="coordinates cannot be read"):
        polygons_of([broken])
    header = pydicom.dcmread(get_testdata_file("CT_small.dcm"))
    with pytest.raises(ExportError, match="coordinates cannot be read"):
        image_markups([Annotation("item", "polygon", None, {"points_kji": "x"})], header, None)


def test_a_polygon_must_lie_in_one_slice_and_enclose_an_area() -> None:
    geometry = VolumeGeometry((4, 10, 10), (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), np.eye(3).tolist())
    with pytest.raises(ValueError, match="one slice"):
        polygon("item", geometry, [(0.0, 1.0, 1.0), (1.0, 1.0, 5.0), (2.0, 5.0, 5.0)])
    with pytest.raises(ValueError, match="enclose an area"):
        polygon("item", geometry, [(1.0, 1.0, 1.0), (1.0, 2.0, 2.0), (1.0, 3.0, 3.0)])
    with pytest.raises(ValueError, match="three points"):
        polygon("item", geometry, [(1.0, 1.0, 1.0), (1.0, 2.0, 2.0)])
