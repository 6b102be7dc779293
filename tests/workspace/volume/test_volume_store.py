"""Volumes in the encrypted store: one voxel blob, geometry in the item's meta, exact reopen."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from storage.profile import Profile
from tests.conftest import FAST_KDF, PASSPHRASE
from tests.workspace.volume.series_helpers import rewrite, small_series
from workspace.errors import NotFoundError
from workspace.volume.dicom_series import assemble_series
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume
from workspace.volume.store import load_volume, read_axial_slice, seal_volume
from workspace.workspace import Workspace


def test_float_volume_reopens_exactly_and_slice_by_slice(profile_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ct"
    files = small_series(folder, slices=7)
    for path in files:
        rewrite(path, RescaleSlope="0.25")
    expected = assemble_series(files).volume
    assert expected.voxels.dtype == np.float32
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    (item,) = workspace.import_paths([folder])
    workspace.lock()
    shutil.rmtree(folder)
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    try:
        meta = Workspace(profile).item(item.id).meta
        entry = meta["volume"]
        json.dumps(entry)
        assert entry["dtype"] == "<f4" and entry["layout"] == "raw-little-endian-c-order-kji"
        assert entry["geometry"] == expected.geometry.to_json()
        volume = load_volume(profile.blobs, meta)
        assert np.array_equal(volume.voxels, expected.voxels)
        assert volume.geometry == expected.geometry
        for k in range(7):
            assert np.array_equal(read_axial_slice(profile.blobs, meta, k), expected.voxels[k])
        with pytest.raises(IndexError):
            read_axial_slice(profile.blobs, meta, 7)
    finally:
        profile.lock()


def test_the_same_series_seals_to_the_same_blobs_in_any_profile(tmp_path: Path) -> None:
    folder = tmp_path / "ct"
    small_series(folder, slices=4)
    entries = []
    for name in ("a", "b"):
        workspace = Workspace.create(tmp_path / name, PASSPHRASE, kdf=FAST_KDF)
        try:
            (item,) = workspace.import_paths([folder])
            entries.append(item.meta["volume"])
        finally:
            workspace.lock()
    assert entries[0]["voxels"] == entries[1]["voxels"]
    assert entries[0]["headers"] == entries[1]["headers"]  # the header archive is deterministic


def test_an_item_without_voxels_says_so(profile, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("Findings\n", encoding="utf-8")
    workspace = Workspace(profile)
    (item,) = workspace.import_paths([note])
    with pytest.raises(NotFoundError, match="no stored volume"):
        workspace.load_volume(item.id)


@pytest.mark.parametrize("slope", ["1", "0.25"])  # int16 and float32 voxels
def test_assembly_hashes_the_voxels_it_seals(profile, tmp_path: Path, slope: str) -> None:
    files = small_series(tmp_path / "ct", slices=6)
    for path in files:
        rewrite(path, RescaleSlope=slope)
    volume = assemble_series(files).volume
    expected = hashlib.sha256(
        volume.voxels.astype(volume.voxels.dtype.newbyteorder("<"))
    ).hexdigest()
    assert volume.sha256 == expected
    assert not volume.voxels.flags.writeable  # the digest cannot go stale
    with pytest.raises(ValueError, match="read-only"):
        volume.voxels[0, 0, 0] = 1
    _, entry = seal_volume(profile.blobs, volume, "identity", [])
    assert entry["voxels"] == expected
    profile.blobs.verify(expected)


def test_a_writable_volume_is_hashed_when_sealed(profile) -> None:
    voxels = np.arange(2 * 3 * 4, dtype=np.int16).reshape(2, 3, 4)
    volume = Volume(voxels, VolumeGeometry((2, 3, 4), (1.0, 1.0, 1.0)), sha256="0" * 64)
    _, entry = seal_volume(profile.blobs, volume, "identity", [])  # may have changed: not trusted
    assert entry["voxels"] == hashlib.sha256(voxels.tobytes()).hexdigest()
