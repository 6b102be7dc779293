"""4D NIfTI (a time series): one frame is imported, the first by default, with a notice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storage.profile import Profile
from tests.cli.test_cli import assert_one_line_error, caliper
from workspace.workspace import Workspace


def _write_4d(path: Path, frames: int = 4) -> np.ndarray:
    """A 4D NIfTI of ``frames`` 3D frames (each value tells its frame), oblique and offset;
    returns its voxels as ``[t, k, j, i]``."""
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(4)
    voxels = rng.integers(0, 1000, (frames, 5, 6, 7), dtype=np.int16)
    voxels += (np.arange(frames, dtype=np.int16) * 1000)[:, None, None, None]
    image = sitk.JoinSeries([sitk.GetImageFromArray(frame) for frame in voxels])
    image.SetSpacing((1.5, 2.0, 3.0, 2.5))
    image.SetOrigin((10.0, -20.0, 5.0, 0.0))
    angle = np.radians(30)
    direction = np.eye(4)
    direction[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    image.SetDirection(direction.ravel().tolist())
    sitk.WriteImage(image, str(path))
    return voxels


@pytest.fixture
def four_d(tmp_path: Path) -> tuple[Path, np.ndarray]:
    path = tmp_path / "bold.nii.gz"
    return path, _write_4d(path)


def test_first_frame_by_default_with_a_notice_saying_how_to_choose(profile: Profile, four_d):
    path, voxels = four_d
    warnings: list[str] = []
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([path], on_warning=lambda _p, m: warnings.append(m))
    volume = workspace.load_volume(item.id)
    assert np.array_equal(volume.voxels, voxels[0])
    assert volume.geometry.shape == (5, 6, 7)
    assert np.allclose(volume.geometry.spacing, (1.5, 2.0, 3.0))
    assert np.allclose(volume.geometry.origin, (10.0, -20.0, 5.0))
    assert np.allclose(
        volume.geometry.matrix[:2, 0], (np.cos(np.radians(30)), np.sin(np.radians(30)))
    )
    assert item.title.endswith("frame 1 of 4")
    (notice,) = warnings
    assert "A 4D image of 4 frames: frame 1 was imported (the first, by default)" in notice
    assert "--frame N" in notice and "1 to 4" in notice
    assert notice.split(": ", 1)[1] in item.meta["volume"]["warnings"]


def test_each_frame_is_its_own_item(profile: Profile, four_d):
    path, voxels = four_d
    workspace = Workspace(profile)
    (first,) = workspace.import_paths([path])
    (third,) = workspace.import_paths([path], frame=3)
    assert third.id != first.id
    assert np.array_equal(workspace.load_volume(third.id).voxels, voxels[2])
    assert workspace.import_paths([path], frame=3) == [third]  # the same frame is not stored twice


def test_cli_frame_option_and_a_frame_out_of_range(profile_dir: Path, four_d):
    path, _voxels = four_d
    result = caliper("import", str(path), "--frame", "4", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("frame 4 of 4")
    assert "frame 4 was imported" in result.stderr
    assert_one_line_error(
        caliper("import", str(path), "--frame", "9", "--profile", str(profile_dir)),
        "there is no frame 9; this 4D image has frames 1 to 4",
    )
