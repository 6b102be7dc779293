"""A public radiograph as a radiologist annotates it: imported by the real importer, a polygon,
a box and a segmentation drawn, exported as SR, DICOM SEG and JSON and read back (pydicom-data's
``RG1_UNCR.dcm``: a CR with ImagerPixelSpacing and no frame of reference)."""

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
from workspace.export.item_export import export_item
from workspace.segmentation.measurements import box3d, polygon
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

data_store = pytest.importorskip("data_store", reason="pydicom-data is a dev dependency")
RADIOGRAPH = Path(data_store.__file__).parent / "data" / "RG1_UNCR.dcm"
DCIODVFY = shutil.which("dciodvfy")


def test_a_public_radiograph_annotated_and_exported_as_sr_seg_and_json(
    profile_dir: Path, tmp_path: Path
) -> None:
    import highdicom as hd

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RADIOGRAPH, folder / RADIOGRAPH.name)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder])
        volume = workspace.load_volume(item.id)
        geometry = volume.geometry
        assert geometry.shape == (1, 1955, 1841)
        outline = [(0.0, 400.0, 300.0), (0.0, 400.0, 900.0), (0.0, 1100.0, 600.0)]
        made = [
            polygon(item.id, geometry, outline, "lesion", voxels=volume.voxels),
            box3d(item.id, geometry, (0, 100, 200), (0, 300, 500), "liver"),
        ]
        document, stack = workspace.document(item.id), workspace.command_stack(item.id)
        for annotation in made:
            stack.push(AddAnnotation(document, annotation))
        labels = np.zeros(geometry.shape, dtype=np.uint8)
        labels[0, 500:700, 800:1000] = 1
        segments = [Segment(1, "lesion", "#ff0000"), Segment(2, "liver", "#00ff00")]  # 2: empty
        workspace.save_segmentation(item.id, LabelMap(labels, geometry, segments), source="test")
        (sr,) = export_item(workspace, item.id, "sr", tmp_path / "report.dcm")
        (seg,) = export_item(workspace, item.id, "dicom-seg", tmp_path / "seg.dcm")
        (report,) = export_item(workspace, item.id, "json", tmp_path / "report.json")
    finally:
        workspace.lock()
    source = pydicom.dcmread(RADIOGRAPH, stop_before_pixels=True)
    groups = hd.sr.srread(sr).content.get_planar_roi_measurement_groups()
    assert [g.tracking_identifier for g in groups] == ["polygon 1: lesion", "box 1: liver"]
    shape, box = (g.roi for g in groups)
    triangle = [[i + 0.5, j + 0.5] for _k, j, i in outline]
    assert np.allclose(shape.value, [*triangle, triangle[0]])
    assert np.allclose(box.value, [[200, 100], [501, 100], [501, 301], [200, 301], [200, 100]])
    referenced = shape.ContentSequence[0].ReferencedSOPSequence[0].ReferencedSOPInstanceUID
    assert referenced == source.SOPInstanceUID
    written = pydicom.dcmread(seg)
    assert len(written.SegmentSequence) == 1  # the empty segment is left out
    assert np.array_equal(written.pixel_array.astype(bool), labels[0].astype(bool))
    frame = written.PerFrameFunctionalGroupsSequence[0]
    reference = frame.DerivationImageSequence[0].SourceImageSequence[0]
    assert reference.ReferencedSOPInstanceUID == source.SOPInstanceUID
    exported = json.loads(report.read_text(encoding="utf-8"))
    assert exported["polygons"][0]["points_ijk"] == [[i, j, 0.0] for _k, j, i in outline]
    if DCIODVFY:
        for path in (sr, seg):
            result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True)
            assert [x for x in (result.stdout + result.stderr).splitlines() if "Error" in x] == []
