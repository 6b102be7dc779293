"""What is wrong with a series is said clearly: warn and load where safe, refuse where not."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import PASSPHRASE
from tests.workspace.volume.series_helpers import by_position, rewrite, small_series
from workspace.volume.dicom_series import VolumeAssemblyError, assemble_series
from workspace.workspace import Workspace


def _shift_sideways(files: list[Path], mm_per_slice: float) -> None:
    for n, path in enumerate(by_position(files)):
        x, y, z = (float(v) for v in pydicom.dcmread(path).ImagePositionPatient)
        rewrite(path, ImagePositionPatient=[f"{x:.4f}", f"{y + n * mm_per_slice:.4f}", f"{z:.4f}"])


def test_gantry_tilt_under_half_a_pixel_loads_with_a_warning(tmp_path: Path) -> None:
    files = small_series(tmp_path)  # 15 mm pixels, 20 mm slices, 10 slices
    _shift_sideways(files, 0.6)  # 5.4 mm over the stack: more than 5 %, less than 50 % of 15 mm
    assembled = assemble_series(files)
    (warning,) = assembled.warnings
    assert "gantry tilt of 1.72°" in warning and "5.40 mm" in warning
    assert assembled.volume.geometry.matrix[:, 2] == pytest.approx([0, 0, 1])


def test_gantry_tilt_over_half_a_pixel_is_refused_with_angle_and_displacement(
    tmp_path: Path,
) -> None:
    files = small_series(tmp_path)
    _shift_sideways(files, 1.5)
    with pytest.raises(VolumeAssemblyError, match=r"sheared by 4\.3° \(gantry tilt\).*13\.5 mm"):
        assemble_series(files)


def test_spacing_that_drifts_is_refused(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path))
    z0 = float(pydicom.dcmread(files[0]).ImagePositionPatient[2])
    for k, path in enumerate(files):
        x, y, _ = pydicom.dcmread(path).ImagePositionPatient
        rewrite(path, ImagePositionPatient=[x, y, f"{z0 + 20 * k + 0.4 * k * k:.3f}"])
    with pytest.raises(
        VolumeAssemblyError, match=r"Slice spacing is uneven .* from its true place"
    ):
        assemble_series(files)


def test_one_slightly_displaced_slice_loads_with_a_warning(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path))
    x, y, z = (float(v) for v in pydicom.dcmread(files[3]).ImagePositionPatient)
    rewrite(files[3], ImagePositionPatient=[x, y, z + 1.0])  # 5 % of a 20 mm step
    (warning,) = assemble_series(files).warnings
    assert "varies by up to 5.0%" in warning and "1.000 mm" in warning


def test_two_slices_at_one_position_are_refused(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path, slices=4))
    rewrite(files[2], ImagePositionPatient=pydicom.dcmread(files[1]).ImagePositionPatient)
    with pytest.raises(VolumeAssemblyError, match="lie at the same position"):
        assemble_series(files)


def test_mixed_sizes_and_orientations_are_refused_naming_the_file(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path, slices=4))
    odd = pydicom.dcmread(files[2])
    odd.Rows, odd.Columns = 8, 8
    odd.PixelData = np.zeros((8, 8), dtype="<u2").tobytes()
    odd.save_as(files[2])
    with pytest.raises(VolumeAssemblyError, match=rf"{files[2].name} is 8×8 .* differ in size"):
        assemble_series(files)
    files = by_position(small_series(tmp_path / "turned", slices=4))
    rewrite(files[1], ImageOrientationPatient=["0", "1", "0", "1", "0", "0"])
    with pytest.raises(VolumeAssemblyError, match=rf"{files[1].name}: its orientation differs"):
        assemble_series(files)


def _corrupt_rle(path: Path) -> None:
    from pydicom.encaps import encapsulate, generate_frames

    ds = pydicom.dcmread(path)
    ds.compress(pydicom.uid.RLELossless)
    (frame,) = generate_frames(ds.PixelData, number_of_frames=1)
    ds.PixelData = encapsulate([frame[: len(frame) // 2]])  # the RLE segments cut in half
    ds.save_as(path)


def test_an_undecodable_end_slice_is_left_out_naming_it(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path, slices=6))
    expected = assemble_series(files[:-1]).volume
    _corrupt_rle(files[-1])
    (tmp_path / "notes.dcm").write_bytes(b"not dicom" * 50)
    assembled = assemble_series([*files, tmp_path / "notes.dcm"])
    assert np.array_equal(assembled.volume.voxels, expected.voxels)
    assert assembled.volume.geometry == expected.geometry
    assert {path.name for path, _ in assembled.skipped} == {files[-1].name, "notes.dcm"}
    assert assembled.volume.sha256 == hashlib.sha256(expected.voxels).hexdigest()
    assert any(files[-1].name in w and "could not be decoded" in w for w in assembled.warnings)


def test_an_undecodable_middle_slice_leaves_a_gap_which_is_refused(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path, slices=6))
    _corrupt_rle(files[2])
    with pytest.raises(
        VolumeAssemblyError, match=rf"slice is missing.*leaving out {files[2].name}"
    ):
        assemble_series(files)


def test_import_skips_corrupt_files_naming_each_and_loads_the_rest(
    profile_dir: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "ct"
    files = by_position(small_series(folder, slices=6))
    expected = assemble_series(files[1:]).volume
    files[0].write_bytes(files[0].read_bytes()[:-100])  # an end slice, cut short
    (folder / "garbage.dcm").write_bytes(bytes(range(256)) * 8)
    problems: dict[str, str] = {}
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths(
            [folder], on_problem=lambda p, m: problems.update({p.name: m})
        )
        assert np.array_equal(workspace.load_volume(item.id).voxels, expected.voxels)
    finally:
        workspace.lock()
    assert set(problems) == {files[0].name, "garbage.dcm"}
    assert "truncated" in problems[files[0].name]
    assert "not a DICOM file" in problems["garbage.dcm"]


def test_import_reports_a_slice_left_out_at_assembly(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ct"
    files = by_position(small_series(folder, slices=5, series_description="Synthetic"))
    _corrupt_rle(files[-1])  # the importer cannot see this: only decoding finds it
    problems: list[tuple[Path, str]] = []
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder], on_problem=lambda p, m: problems.append((p, m)))
        assert workspace.load_volume(item.id).geometry.shape[0] == item.meta["slices"] == 4
        assert any(files[-1].name in w for w in item.meta["volume"]["warnings"])
    finally:
        workspace.lock()
    ((path, message),) = problems
    assert path == files[-1].absolute()
    assert message.startswith(f"{files[-1].name}: pixel data could not be decoded")
    assert message.endswith("The rest of the series was imported: CT — Synthetic (4 slices).")


def test_import_reports_the_warning_and_loads(tmp_path: Path) -> None:
    from tests.cli.test_cli import caliper

    files = small_series(tmp_path / "series")
    _shift_sideways(files, 0.6)
    profile = tmp_path / "profile"
    assert caliper("init", "--profile", str(profile)).returncode == 0
    result = caliper("import", str(tmp_path / "series"), "--profile", str(profile))
    assert result.returncode == 0, result.stderr
    assert "\tvolume\t" in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("caliper: warning: ") and "gantry tilt of 1.72°" in line
