"""A series' identity (headers + voxels, no whole-file hashing), headers the scan already read,
and voxels sealed while they are read."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pydicom
import pytest

import storage.blobs as blobs_module
from storage.blob_stream import StreamingBlob
from storage.profile import Profile
from tests.conftest import PASSPHRASE
from tests.workspace.volume.series_helpers import by_position, rewrite, small_series
from workspace.importers.dicom import DicomImporter, DicomSeriesItem
from workspace.volume.dicom_series import (
    AssembledVolume,
    StreamTo,
    VolumeAssemblyError,
    assemble_series,
)
from workspace.volume.store import load_volume, seal_series, source_identity
from workspace.workspace import Workspace


def _identity(files: list[Path]) -> str:
    return source_identity(assemble_series(files))


def _scanned(files: list[Path]) -> DicomSeriesItem:
    (item,) = DicomImporter().read(files)
    assert isinstance(item, DicomSeriesItem)
    return item


def _stream_to(profile: Profile) -> StreamTo:
    """Stream even the small volumes of these tests (the store streams large ones only)."""
    return lambda data: StreamingBlob(profile.blobs, data)


def _leftovers(profile: Profile) -> list[Path]:
    """Temporary files in the blob store (a stream neither finished nor aborted)."""
    return list(profile.blobs.root.rglob("*.tmp"))


def test_identity_is_stable_and_does_not_depend_on_paths(tmp_path: Path) -> None:
    files = small_series(tmp_path / "a")
    copy = tmp_path / "b"
    shutil.copytree(tmp_path / "a", copy)
    first = _identity(files)
    assert _identity(list(reversed(files))) == first
    assert _identity(sorted(copy.iterdir())) == first


def test_identity_changes_with_one_pixel(tmp_path: Path) -> None:
    files = small_series(tmp_path)
    before = _identity(files)
    ds = pydicom.dcmread(files[4])
    values = ds.pixel_array.copy()
    values[3, 2] += 1
    ds.PixelData = values.tobytes()
    ds.save_as(files[4])
    assert _identity(files) != before


def test_identity_changes_with_one_header_value(tmp_path: Path) -> None:
    files = small_series(tmp_path)
    before = _identity(files)
    rewrite(files[2], StudyDate="19990101")  # voxels unchanged
    assembled = assemble_series(files)
    assert source_identity(assembled) != before
    assert assembled.volume.sha256 == assemble_series(files).volume.sha256


def test_identity_without_a_digest_from_the_assembly(tmp_path: Path) -> None:
    assembled = assemble_series(small_series(tmp_path))
    unhashed = AssembledVolume(
        type(assembled.volume)(assembled.volume.voxels.copy(), assembled.volume.geometry),
        assembled.sources,
    )
    assert source_identity(unhashed) == source_identity(assembled)


def test_headers_read_by_the_scan_are_used_as_they_are(tmp_path: Path) -> None:
    files = small_series(tmp_path)
    item = _scanned(files)
    assert set(item.parsed) == set(files)
    paths = [f.path for f in item.files]
    reused = assemble_series(paths, parsed=item.parsed)
    fresh = assemble_series(paths)
    assert np.array_equal(reused.volume.voxels, fresh.volume.voxels)
    assert reused.volume.geometry == fresh.volume.geometry
    assert reused.volume.sha256 == fresh.volume.sha256
    assert [s.header_bytes for s in reused.sources] == [s.header_bytes for s in fresh.sources]
    assert source_identity(reused) == source_identity(fresh)


def test_a_file_changed_after_the_scan_is_left_out(tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path))
    item = _scanned(files)
    rewrite(files[-1], SeriesDescription="edited after the scan")
    assembled = assemble_series([f.path for f in item.files], parsed=item.parsed)
    ((path, reason),) = assembled.skipped
    assert path == files[-1] and "changed while it was being imported" in reason
    assert assembled.volume.geometry.shape[0] == len(files) - 1


def test_streamed_voxels_are_stored_as_put_would(profile: Profile, tmp_path: Path) -> None:
    files = small_series(tmp_path, slices=30)
    assembled = assemble_series(files, stream_to=_stream_to(profile))
    assert assembled.sealing is not None
    _, entry = seal_series(profile.blobs, assembled)
    voxels = assembled.volume.voxels
    assert entry["voxels"] == hashlib.sha256(voxels.tobytes()).hexdigest()
    assert np.array_equal(load_volume(profile.blobs, {"volume": entry}).voxels, voxels)
    profile.blobs.verify(entry["voxels"])
    assert _leftovers(profile) == []


def test_a_stream_is_dropped_when_the_voxels_are_read_again(
    profile: Profile, tmp_path: Path
) -> None:
    """Values beyond int16 send the assembly round again as float32; a corrupt file sends it
    round without that file. The voxels streamed before are thrown away each time."""
    files = by_position(small_series(tmp_path, slices=6))
    ds = pydicom.dcmread(files[4])
    values = ds.pixel_array.astype(np.uint16)
    values[0, 0] = 65000
    ds.PixelData = values.tobytes()
    ds.BitsStored, ds.HighBit, ds.RescaleIntercept = 16, 15, "0"
    ds.save_as(files[4])
    raw = files[-1].read_bytes()
    files[-1].write_bytes(raw[: len(raw) - 100])  # pixel data cut short
    assembled = assemble_series(files, stream_to=_stream_to(profile))
    assert assembled.volume.voxels.dtype == np.float32 and len(assembled.skipped) == 1
    assert assembled.sealing is not None
    _, entry = seal_series(profile.blobs, assembled)
    assert entry["voxels"] == hashlib.sha256(assembled.volume.voxels.tobytes()).hexdigest()
    assert _leftovers(profile) == []


def test_a_refused_series_leaves_no_stream_behind(profile: Profile, tmp_path: Path) -> None:
    files = by_position(small_series(tmp_path))
    raw = files[5].read_bytes()
    files[5].write_bytes(raw[: len(raw) - 100])  # a slice missing in the middle
    with pytest.raises(VolumeAssemblyError, match="missing"):
        assemble_series(files, stream_to=_stream_to(profile))
    assert _leftovers(profile) == []


def test_reimport_is_recognised_and_leaves_no_stream_behind(
    profile_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(blobs_module, "STREAM_MIN_SIZE", 0)  # stream these small volumes too
    small_series(tmp_path / "ct", slices=8)
    shutil.copytree(tmp_path / "ct", tmp_path / "copy")
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([tmp_path / "ct"])
        voxels = workspace.load_volume(item.id).voxels
        assert np.array_equal(
            voxels, assemble_series(sorted((tmp_path / "ct").iterdir())).volume.voxels
        )
        workspace.profile.blobs.verify(workspace.item(item.id).meta["volume"]["voxels"])
        assert workspace.import_paths([tmp_path / "ct"]) == [item]
        assert workspace.import_paths([tmp_path / "copy"]) == [item]  # same files elsewhere
        assert len(workspace.items()) == 1
        assert _leftovers(workspace.profile) == []
        rewrite(next((tmp_path / "copy").iterdir()), StudyDate="19990101")
        (other,) = workspace.import_paths([tmp_path / "copy"])
        assert other.id != item.id
    finally:
        workspace.lock()
