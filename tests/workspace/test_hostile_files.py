"""Crafted and damaged files are refused at import, with a reason, and nothing is stored.

A detached header may only name a data file in its own folder; a folder import never follows
a symbolic link out of the folder; a file shorter than its header says, or a volume with a
zero, negative, NaN or infinite spacing, is refused.
"""

from __future__ import annotations

import gzip
import math
import struct
from pathlib import Path

import numpy as np
import pytest

from storage.profile import Profile
from workspace.demo_data import generate_ct_series, write_ecg
from workspace.volume.geometry import VolumeGeometry
from workspace.workspace import Workspace

SECRET = b"root:x:0:0:root:/root:/bin/bash\n" * 64  # stands in for /etc/passwd


class Problems:
    """Collects ``on_problem`` reports of an import."""

    def __init__(self) -> None:
        self.reports: list[tuple[Path, str]] = []

    def __call__(self, path: Path, message: str) -> None:
        self.reports.append((path, message))

    def text(self) -> str:
        return "\n".join(message for _, message in self.reports)


def _import(profile: Profile, *paths: Path) -> tuple[list[object], Problems]:
    problems = Problems()
    items = Workspace(profile).import_paths(list(paths), on_problem=problems)
    return list(items), problems


def _assert_refused(profile: Profile, path: Path, fragment: str) -> None:
    items, problems = _import(profile, path)
    assert items == [], problems.text()
    assert fragment in problems.text()
    assert Workspace(profile).items() == []
    assert [p for p in profile.blobs.root.rglob("*") if p.is_file()] == []


def _write_image(path: Path, spacing: tuple[float, float, float] = (0.7, 0.8, 2.5)) -> None:
    import SimpleITK as sitk  # noqa: N813

    array = np.arange(6 * 5 * 4, dtype=np.int16).reshape(4, 5, 6)
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(spacing)
    sitk.WriteImage(image, str(path))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="latin-1")
    assert old in text
    path.write_text(text.replace(old, new), encoding="latin-1")


def _cut(path: Path, count: int) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:-count])


# ---------------------------------------------------------------- data files outside the folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A file outside the folder being imported (as /etc/passwd would be)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    secret = folder / "secret.raw"
    secret.write_bytes(SECRET)
    return secret


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
@pytest.mark.parametrize(
    ("name", "field"), [("scan.nhdr", "data file: "), ("scan.mhd", "ElementDataFile = ")]
)
def test_a_data_file_outside_the_headers_folder_is_refused(
    profile: Profile, tmp_path: Path, outside: Path, how: str, name: str, field: str
) -> None:
    folder = tmp_path / "scan"
    folder.mkdir()
    header = folder / name
    _write_image(header)
    (folder / "scan.raw").unlink()
    if how == "absolute":
        target = str(outside)
    elif how == "dotdot":
        target = "../elsewhere/secret.raw"
    else:
        (folder / "linked.raw").symlink_to(outside)
        target = "linked.raw"
    _edit(header, f"{field}scan.raw", f"{field}{target}")
    _assert_refused(profile, header, "names a data file outside its own folder")


def test_etc_passwd_as_a_data_file_is_refused(profile: Profile, tmp_path: Path) -> None:
    header = tmp_path / "scan.nhdr"
    _write_image(header)
    _edit(header, "data file: scan.raw", "data file: /etc/passwd")
    _assert_refused(profile, header, "outside its own folder (data file: /etc/passwd)")


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("scan.nrrd", "encoding: raw\n", "encoding: raw\ndata file: ../elsewhere/secret.raw\n"),
        ("scan.mha", "ElementDataFile = LOCAL", "ElementDataFile = ../elsewhere/secret.raw"),
    ],
)
def test_a_single_file_extension_does_not_hide_a_detached_data_file(
    profile: Profile, tmp_path: Path, outside: Path, name: str, old: str, new: str
) -> None:
    folder = tmp_path / "scan"
    folder.mkdir()
    path = folder / name
    _write_image(path)
    text = path.read_bytes()
    header_end = text.index(b"\n\n") + 2 if name.endswith(".nrrd") else text.index(b"LOCAL\n") + 6
    head = text[:header_end].decode("latin-1").replace(old, new)
    path.write_bytes(head.encode("latin-1"))
    _assert_refused(profile, path, "outside its own folder")


@pytest.mark.parametrize(
    ("name", "field", "value"),
    [
        ("scan.nhdr", "data file: ", "LIST\n../elsewhere/secret.raw"),
        ("scan.nhdr", "data file: ", "../elsewhere/secret%c.raw 1 1 1"),
        ("scan.mhd", "ElementDataFile = ", "LIST\n../elsewhere/secret.raw"),
    ],
)
def test_data_spread_over_several_files_is_refused(
    profile: Profile, tmp_path: Path, outside: Path, name: str, field: str, value: str
) -> None:
    folder = tmp_path / "scan"
    folder.mkdir()
    header = folder / name
    _write_image(header)
    _edit(header, f"{field}scan.raw", f"{field}{value}")
    _assert_refused(profile, header, "spreads its data over several files")


def test_a_misspelt_metaimage_data_field_is_refused(profile: Profile, tmp_path: Path) -> None:
    header = tmp_path / "scan.mhd"
    _write_image(header)
    _edit(
        header,
        "ElementDataFile = scan.raw",
        "ELEMENTDATAFILE = scan.raw\nElementDataFile = /etc/passwd",
    )
    _assert_refused(profile, header, "misspelt ElementDataFile")


def test_a_data_file_beside_its_header_still_imports(profile: Profile, tmp_path: Path) -> None:
    folder = tmp_path / "scan"
    (folder / "data").mkdir(parents=True)
    header = folder / "scan.nhdr"
    _write_image(header)
    (folder / "scan.raw").rename(folder / "data" / "scan.raw")
    (folder / "alias.raw").symlink_to(folder / "data" / "scan.raw")
    _edit(header, "data file: scan.raw", "data file: alias.raw")
    items, problems = _import(profile, header)
    assert len(items) == 1, problems.text()


# ---------------------------------------------------------------- symbolic links in a folder


def test_a_folder_import_does_not_follow_links_out_of_the_folder(
    profile: Profile, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "notes").mkdir(parents=True)
    (elsewhere / "private.txt").write_text("Private note\nnot for import\n")
    (elsewhere / "notes" / "other.txt").write_text("Other note\nnot for import\n")
    folder = tmp_path / "import-me"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "kept.txt").write_text("Kept note\nimported\n")
    (folder / "file-link.txt").symlink_to(elsewhere / "private.txt")
    (folder / "folder-link").symlink_to(elsewhere / "notes")
    (folder / "inside-link.txt").symlink_to(folder / "sub" / "kept.txt")
    items, problems = _import(profile, folder)
    assert [item.title for item in items] == ["Kept note"]  # type: ignore[attr-defined]
    reported = {path.name: message for path, message in problems.reports}
    assert set(reported) == {"file-link.txt", "folder-link"}
    assert all("symbolic link to a place outside" in m for m in reported.values())


# ---------------------------------------------------------------- shorter than the header says


@pytest.mark.parametrize("name", ["scan.nii", "scan.nrrd", "scan.mha"])
def test_a_truncated_single_file_volume_is_refused(
    profile: Profile, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    _write_image(path)
    _cut(path, 100)
    _assert_refused(profile, path, "is shorter than its header says")


@pytest.mark.parametrize("name", ["scan.nhdr", "scan.mhd"])
def test_a_truncated_detached_data_file_is_refused(
    profile: Profile, tmp_path: Path, name: str
) -> None:
    header = tmp_path / name
    _write_image(header)
    _cut(tmp_path / "scan.raw", 100)
    _assert_refused(profile, header, "in its data file scan.raw")


def test_a_truncated_gzipped_nifti_is_refused(profile: Profile, tmp_path: Path) -> None:
    plain = tmp_path / "plain.nii"
    _write_image(plain)
    path = tmp_path / "scan.nii.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()[:-100]))  # a whole gzip of too few bytes
    _assert_refused(profile, path, "is shorter than its header says")


@pytest.mark.parametrize("name", ["scan.nrrd", "scan.mha", "scan.nii.gz"])
def test_cut_compressed_data_is_refused(profile: Profile, tmp_path: Path, name: str) -> None:
    import SimpleITK as sitk  # noqa: N813

    rng = np.random.default_rng(5)
    image = sitk.GetImageFromArray(rng.integers(0, 4000, size=(8, 9, 10)).astype(np.int16))
    path = tmp_path / name
    sitk.WriteImage(image, str(path), useCompression=True)
    _cut(path, 400)
    _assert_refused(profile, path, "is shorter than its header says")


def _write_wav(path: Path) -> None:
    import soundfile

    soundfile.write(path, np.zeros(8000, dtype=np.int16), 8000)


def test_a_truncated_wav_is_refused(profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    _write_wav(path)
    _cut(path, 4000)
    _assert_refused(profile, path, "its data chunk should hold 16000 bytes, and 12000 follow")


def test_a_whole_wav_still_imports(profile: Profile, tmp_path: Path) -> None:
    path = tmp_path / "talk.wav"
    _write_wav(path)
    items, problems = _import(profile, path)
    assert len(items) == 1, problems.text()


# ---------------------------------------------------------------- spacing


def _nifti_with_pixdim(path: Path, value: float) -> None:
    _write_image(path)
    data = bytearray(path.read_bytes())
    struct.pack_into("<f", data, 80, value)  # pixdim[1], the spacing along i
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("value", [math.nan, 0.0, -0.7, math.inf])
def test_nifti_with_an_unusable_pixdim_is_refused(
    profile: Profile, tmp_path: Path, value: float
) -> None:
    path = tmp_path / "scan.nii"
    _nifti_with_pixdim(path, value)
    _assert_refused(profile, path, "unusable voxel spacing")


@pytest.mark.parametrize(
    ("name", "old", "new"),
    [
        ("scan.nhdr", "(0.69999999999999996,0,0)", "(nan,nan,nan)"),
        ("scan.nhdr", "(0.69999999999999996,0,0)", "(0,0,0)"),
        ("scan.nhdr", "(0.69999999999999996,0,0)", "(inf,0,0)"),
        ("scan.mhd", "ElementSpacing = 0.69999999999999996", "ElementSpacing = nan"),
        ("scan.mhd", "ElementSpacing = 0.69999999999999996", "ElementSpacing = 0"),
        ("scan.mhd", "ElementSpacing = 0.69999999999999996", "ElementSpacing = -0.7"),
        ("scan.mhd", "ElementSpacing = 0.69999999999999996", "ElementSpacing = inf"),
    ],
)
def test_nrrd_and_metaimage_with_an_unusable_spacing_are_refused(
    profile: Profile, tmp_path: Path, name: str, old: str, new: str
) -> None:
    header = tmp_path / name
    _write_image(header)
    _edit(header, old, new)
    _assert_refused(profile, header, "unusable voxel spacing")


@pytest.mark.filterwarnings("ignore:Invalid value for VR DS")
@pytest.mark.parametrize("thickness", ["NaN", "0", "-2.5", "inf"])
def test_a_single_dicom_slice_with_an_unusable_thickness_is_refused(
    profile: Profile, tmp_path: Path, thickness: str
) -> None:
    import pydicom

    (path,) = generate_ct_series(tmp_path / "dicom", slices=1, rows=16, cols=16, seed=2)
    ds = pydicom.dcmread(path)
    ds["SliceThickness"].value = thickness
    ds.save_as(path)
    _assert_refused(profile, path, "SliceThickness")


@pytest.mark.parametrize("spacing", [math.nan, math.inf, 0.0, -1.0])
def test_volume_geometry_refuses_an_unusable_spacing(spacing: float) -> None:
    with pytest.raises(ValueError, match="finite and positive"):
        VolumeGeometry(shape=(2, 2, 2), spacing=(1.0, spacing, 1.0))


def test_a_segmentation_whose_data_file_lies_outside_is_refused(
    profile: Profile, tmp_path: Path, outside: Path
) -> None:
    from workspace.segmentation.label_files import SegmentationImportError

    volume = tmp_path / "ct.nii"
    _write_image(volume)
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([volume])
    (tmp_path / "labels").mkdir()
    labels = tmp_path / "labels" / "labels.nhdr"
    _write_image(labels)
    _edit(labels, "data file: labels.raw", f"data file: {outside}")
    with pytest.raises(SegmentationImportError, match="outside its own folder"):
        workspace.import_segmentation(item.id, labels, ["organ"])


def test_a_nifti_understating_its_bits_per_voxel_is_refused_when_short(
    profile: Profile, tmp_path: Path
) -> None:
    path = tmp_path / "scan.nii"
    _write_image(path)  # int16 (datatype 4): 240 bytes of voxels
    data = bytearray(path.read_bytes())
    struct.pack_into("<h", data, 72, 8)  # bitpix says 8, as if 120 bytes were enough
    path.write_bytes(bytes(data[:-120]))
    _assert_refused(profile, path, "240 bytes of voxels expected, 120 found")


def test_a_wfdb_signal_file_linked_from_outside_is_refused(
    profile: Profile, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    write_ecg(elsewhere / "rec")
    folder = tmp_path / "record"
    folder.mkdir()
    (elsewhere / "rec.hea").rename(folder / "rec.hea")
    (folder / "rec.dat").symlink_to(elsewhere / "rec.dat")
    _assert_refused(profile, folder / "rec.hea", "leads outside the record's folder")


def test_a_symbolic_link_loop_is_reported_not_raised(profile: Profile, tmp_path: Path) -> None:
    folder = tmp_path / "import-me"
    folder.mkdir()
    (folder / "a.txt").symlink_to(folder / "b.txt")
    (folder / "b.txt").symlink_to(folder / "a.txt")
    (folder / "note.txt").write_text("A note\nfine\n")
    header = folder / "scan.nhdr"
    _write_image(header)
    _edit(header, "data file: scan.raw", "data file: a.txt")
    (folder / "scan.raw").unlink()
    items, problems = _import(profile, folder)
    assert len(items) == 1
    reported = {path.name: message for path, message in problems.reports}
    assert "a loop" in reported["a.txt"]
    assert "cannot be found" in reported["scan.nhdr"]
