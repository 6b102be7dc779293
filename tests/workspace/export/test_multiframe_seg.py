"""DICOM SEG of items imported from one multi-frame file: the voxels land on the right frames.

pydicom-data's ``eCT_Supplemental.dcm`` is an Enhanced CT of two frames whose file order is the
reverse of their order along the slice normal (frame 1 at z = -159, frame 2 at z = -149, the
normal pointing to -z), so slice k = 0 is source frame 2: a SEG that kept our slice order would
put every voxel on the wrong frame. Cines and multi-frame ultrasound have no frame of reference;
their export is refused in one sentence naming what to export instead.
"""

from __future__ import annotations

import shutil
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import PASSPHRASE
from workspace.export.base import ExportError
from workspace.export.dicom_seg import source_frame_slices
from workspace.export.item_export import export_item
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace

data_store = pytest.importorskip("data_store", reason="pydicom-data is a dev dependency")
DATA = Path(data_store.__file__).parent / "data"
ENHANCED_CT = DATA / "eCT_Supplemental.dcm"
SEGMENTS = [Segment(1, "liver", "#dd8265"), Segment(2, "lesion", "#f0e442")]


@pytest.fixture
def workspace(profile_dir: Path) -> Iterator[Workspace]:
    opened = Workspace.unlock(profile_dir, PASSPHRASE)
    yield opened
    opened.lock()


def _imported(workspace: Workspace, path: Path) -> tuple[str, LabelMap]:
    """Import ``path`` alone; its item id and an empty label map on its grid."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of odd values in public files
        (item,) = workspace.import_paths([path])
    geometry = workspace.load_volume(item.id).geometry
    return item.id, LabelMap(np.zeros(geometry.shape, np.uint8), geometry, list(SEGMENTS))


def test_the_enhanced_ct_frames_are_imported_in_reverse_file_order() -> None:
    header = pydicom.dcmread(ENHANCED_CT, stop_before_pixels=True)
    normal_minus_z = ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, -1.0))
    geometry = VolumeGeometry(
        (2, 512, 512), (0.5, 0.5, 10.0), (99.5, -301.5, -149.0), normal_minus_z
    )
    assert source_frame_slices(header, geometry) == [1, 0]  # frame 1 is slice 1, frame 2 slice 0


def test_enhanced_ct_seg_lands_on_the_source_frames(workspace: Workspace, tmp_path: Path) -> None:
    import highdicom as hd

    item_id, labels = _imported(workspace, ENHANCED_CT)
    array = labels.labels
    array[0, 100:140, 200:260] = 1  # slice 0: source frame 2
    array[1, 300:310, 50:70] = 2  # slice 1: source frame 1
    workspace.save_segmentation(item_id, labels, source="test")
    (out,) = export_item(workspace, item_id, "dicom-seg", tmp_path / "seg.dcm")

    source = pydicom.dcmread(ENHANCED_CT, stop_before_pixels=True)
    seg = hd.seg.segread(out)
    assert [s.SegmentLabel for s in seg.SegmentSequence] == ["liver", "lesion"]
    by_frame = seg.get_pixels_by_source_frame(
        source.SOPInstanceUID,
        source_frame_numbers=[1, 2],
        combine_segments=True,
        assert_missing_frames_are_empty=True,
    )
    assert np.array_equal(by_frame[0], array[1])  # source frame 1 holds slice 1's lesion
    assert np.array_equal(by_frame[1], array[0])  # source frame 2 holds slice 0's liver
    assert by_frame[1, 120, 230] == 1 and by_frame[0, 305, 60] == 2
    if shutil.which("dciodvfy"):
        result = subprocess.run(["dciodvfy", str(out)], capture_output=True, text=True)
        assert [x for x in (result.stdout + result.stderr).splitlines() if "Error" in x] == []


@pytest.mark.parametrize("name", ["OBXXXX1A_2frame.dcm", "emri_small.dcm"])
def test_frames_without_a_position_are_refused_in_one_sentence(
    workspace: Workspace, tmp_path: Path, name: str
) -> None:
    item_id, labels = _imported(workspace, DATA / name)
    labels.labels[0, 10:20, 10:20] = 1
    labels.labels[1, 30:40, 5:9] = 2
    workspace.save_segmentation(item_id, labels, source="test")
    with pytest.raises(ExportError, match="NIfTI or NRRD") as caught:
        export_item(workspace, item_id, "dicom-seg", tmp_path / "seg.dcm")
    assert "frames have no position in the patient" in str(caught.value)
    assert not (tmp_path / "seg.dcm").exists()


def test_frames_that_do_not_lie_on_the_slices_are_refused() -> None:
    header = pydicom.dcmread(ENHANCED_CT, stop_before_pixels=True)
    normal_minus_z = ((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, -1.0))
    shifted = VolumeGeometry(
        (2, 512, 512), (0.5, 0.5, 10.0), (99.5, -301.5, -139.0), normal_minus_z
    )
    with pytest.raises(ExportError, match="do not lie on the slices"):
        source_frame_slices(header, shifted)
    three = VolumeGeometry((3, 512, 512), (0.5, 0.5, 10.0), (99.5, -301.5, -149.0), normal_minus_z)
    with pytest.raises(ExportError, match="2 frames but the label map 3 slices"):
        source_frame_slices(header, three)
