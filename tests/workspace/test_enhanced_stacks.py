"""An Enhanced series written one file per stack imports as one volume when its stacks fit
together (one frame of reference, one regular grid), as in 3D Slicer; else one item per file.

Built from the field's own files: pydicom-data's Enhanced CT (its two frames, and a copy of it
moved along the slice normal as the next stack), and highdicom's Legacy Converted Enhanced MR
made from two halves of an oblique classic series.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pydicom
import pytest

from storage.profile import Profile
from tests.workspace.dicom_images import oblique_mr_series, phantom
from workspace.volume.dicom_series import assemble_series
from workspace.workspace import Workspace

DATA = Path(pytest.importorskip("data_store").__file__).parent / "data"
ENHANCED_CT = DATA / "eCT_Supplemental.dcm"  # 2 frames, 10 mm apart along the normal


@pytest.fixture
def workspace(profile: Profile) -> Iterator[Workspace]:
    yield Workspace(profile)


def _import(workspace: Workspace, folder: Path) -> list:
    problems: list[str] = []
    items = workspace.import_paths([folder], on_problem=lambda _p, m: problems.append(m))
    assert problems == []
    return items


def _next_stack(source: pydicom.Dataset, shift_mm: float) -> pydicom.Dataset:
    """A copy of ``source`` as another file of its series, its frames ``shift_mm`` further
    along the slice normal (z here: the orientation is axial)."""
    stack = copy.deepcopy(source)
    stack.SOPInstanceUID = pydicom.uid.generate_uid()
    stack.file_meta.MediaStorageSOPInstanceUID = stack.SOPInstanceUID
    stack.InstanceNumber = int(source.get("InstanceNumber") or 1) + 1
    for group in stack.PerFrameFunctionalGroupsSequence:
        position = group.PlanePositionSequence[0]
        x, y, z = (float(v) for v in position.ImagePositionPatient)
        position.ImagePositionPatient = [x, y, z + shift_mm]
    return stack


def _enhanced_ct_in_two_files(folder: Path, shift_mm: float) -> pydicom.Dataset:
    folder.mkdir()
    source = pydicom.dcmread(ENHANCED_CT)
    source.save_as(folder / "stack1.dcm")
    _next_stack(source, shift_mm).save_as(folder / "stack2.dcm")
    return source


def test_two_enhanced_ct_stacks_of_one_series_are_one_volume(tmp_path, workspace) -> None:
    source = _enhanced_ct_in_two_files(tmp_path / "series", shift_mm=20.0)
    (item,) = _import(workspace, tmp_path / "series")
    volume = workspace.load_volume(item.id)
    assert volume.geometry.shape == (4, 512, 512)
    assert np.allclose(volume.geometry.spacing[2], 10.0)  # one regular grid, 10 mm apart
    one = assemble_series([ENHANCED_CT]).volume  # the pydicom-data file alone
    # both stacks hold the same pixels, rescaled as the file alone is; the slice normal points
    # to the feet (-z), so the copy 20 mm higher comes first
    assert np.array_equal(volume.voxels[:2], one.voxels)
    assert np.array_equal(volume.voxels[2:], one.voxels)
    assert np.allclose(volume.geometry.origin, np.add(one.geometry.origin, (0.0, 0.0, 20.0)))
    assert np.allclose(volume.geometry.matrix, one.geometry.matrix)
    assert item.meta["series_instance_uid"] == source.SeriesInstanceUID


def test_stacks_that_leave_a_gap_stay_one_item_each(tmp_path, workspace) -> None:
    _enhanced_ct_in_two_files(tmp_path / "series", shift_mm=35.0)  # 15 mm gap, not 10
    items = _import(workspace, tmp_path / "series")
    assert len(items) == 2
    assert [workspace.load_volume(i.id).geometry.shape for i in items] == [(2, 512, 512)] * 2


def test_stacks_in_two_frames_of_reference_stay_one_item_each(tmp_path, workspace) -> None:
    folder = tmp_path / "series"
    source = _enhanced_ct_in_two_files(folder, shift_mm=20.0)
    moved = pydicom.dcmread(folder / "stack2.dcm")
    moved.FrameOfReferenceUID = pydicom.uid.generate_uid()  # another registration
    moved.save_as(folder / "stack2.dcm")
    items = _import(workspace, folder)
    assert len(items) == 2
    assert {i.meta["frame_of_reference_uid"] for i in items} == {
        source.FrameOfReferenceUID,
        moved.FrameOfReferenceUID,
    }


def test_an_oblique_enhanced_mr_in_two_files_matches_its_classic_series(
    tmp_path, workspace
) -> None:
    import highdicom as hd

    files = oblique_mr_series(tmp_path / "classic", phantom((5, 12, 10), seed=3))
    classic = assemble_series(files).volume
    series_uid = hd.UID()
    (tmp_path / "enhanced").mkdir()
    for number, part in enumerate((files[:3], files[3:]), start=1):
        enhanced = hd.legacy.LegacyConvertedEnhancedMRImage(
            legacy_datasets=[pydicom.dcmread(p) for p in part],
            series_instance_uid=series_uid,
            series_number=7,
            sop_instance_uid=hd.UID(),
            instance_number=number,
        )
        enhanced.save_as(tmp_path / "enhanced" / f"stack{number}.dcm")
    (item,) = _import(workspace, tmp_path / "enhanced")
    volume = workspace.load_volume(item.id)
    assert item.meta["slices"] == 5
    assert np.array_equal(volume.voxels, classic.voxels)
    assert np.allclose(volume.geometry.affine, classic.geometry.affine, atol=1e-4)
