"""Loading a stored label map: inflated straight into its array, exact, sizes checked."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PASSPHRASE
from tests.workspace.volume.series_helpers import small_series
from workspace.segmentation import codec
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace


def test_a_label_map_larger_than_one_piece_reloads_exactly(
    profile_dir: Path, tmp_path: Path
) -> None:
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([small_series(tmp_path / "ct", slices=3)[0].parent])
        geometry = VolumeGeometry((40, 512, 256), (0.7, 0.7, 2.0))  # 5.2 MB: several pieces
        labels = np.random.default_rng(3).integers(0, 4, geometry.shape, dtype=np.uint8)
        segments = [Segment(v, f"s{v}", "#112233") for v in (1, 2, 3)]
        workspace.save_segmentation(item.id, LabelMap(labels, geometry, segments), "test")
        loaded = workspace.load_segmentation(item.id)
        assert loaded.labels.flags.writeable and loaded.labels.flags.c_contiguous
        assert np.array_equal(loaded.labels, labels)
        assert loaded.segments == segments
    finally:
        workspace.lock()


def _zlib(data: bytes) -> bytes:
    return zlib.compress(data, 1)  # what earlier versions stored (still read back)


def _zstd(data: bytes) -> bytes:
    import imagecodecs

    return bytes(imagecodecs.zstd_encode(data, level=1))


CODECS = pytest.mark.parametrize("pack", [_zlib, _zstd, codec.pack], ids=["zlib", "zstd", "pack"])


@CODECS
@pytest.mark.parametrize("size", [0, 1, 5 << 20])
def test_decompress_into_fills_the_array(size: int, pack) -> None:
    data = np.arange(size, dtype=np.uint8)
    out = np.empty(size, dtype=np.uint8)
    codec.unpack_into(pack(data.tobytes()), out)
    assert np.array_equal(out, data)


@CODECS
@pytest.mark.parametrize(("stored", "expected"), [(99, "smaller"), (101, "larger")])
def test_decompress_into_refuses_a_size_mismatch(stored: int, expected: str, pack) -> None:
    with pytest.raises(ValueError, match=expected):
        codec.unpack_into(pack(bytes(stored)), np.empty(100, dtype=np.uint8))


@CODECS
def test_decompress_into_refuses_a_cut_stream(pack) -> None:
    payload = pack(np.random.default_rng(1).bytes(1 << 20))
    with pytest.raises(ValueError, match=r"smaller|do not decompress"):
        codec.unpack_into(payload[: len(payload) // 2], np.empty(1 << 20, dtype=np.uint8))


def test_a_segmentation_on_another_grid_is_not_shown_as_an_empty_one(
    profile_dir: Path, tmp_path: Path
) -> None:
    from viewers.volume.loader import load_item
    from workspace.errors import DamagedSegmentationError

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([small_series(tmp_path / "ct", slices=3)[0].parent])
        assert load_item(workspace, item.id, lambda _stage: None).label_map is None  # none yet
        geometry = VolumeGeometry((4, 5, 6), (1.0, 1.0, 1.0))
        labels = LabelMap(np.ones(geometry.shape, np.uint8), geometry, [Segment(1, "a", "#112233")])
        workspace.save_segmentation(item.id, labels, "test")
        with pytest.raises(DamagedSegmentationError, match="not a segmentation of this volume"):
            load_item(workspace, item.id, lambda _stage: None)
    finally:
        workspace.lock()


def _stored_record(workspace: Workspace, item_id: str) -> str:
    (record,) = [a for a in workspace.annotations(item_id) if a.kind == "segmentation"]
    return record.id


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data.pop("snapshot"), "its record has no 'snapshot'"),
        (lambda data: data.update(geometry={"shape": [3, 9, 9]}), "is damaged"),
        (lambda data: data.update(dtype="<u2"), "smaller than its geometry says"),
        (lambda data: data.update(segments=[{"value": "x"}]), "is damaged"),
    ],
)
def test_a_malformed_record_is_an_error_everywhere_never_an_empty_map(
    profile_dir: Path, tmp_path: Path, damage, reason: str
) -> None:
    from storage.models import Annotation as AnnotationRow
    from workspace.errors import DamagedSegmentationError

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([small_series(tmp_path / "ct", slices=3)[0].parent])
        workspace.open_segmentation(item.id)
        record_id = _stored_record(workspace, item.id)
        with workspace.profile.database.write() as session:
            row = session.get(AnnotationRow, record_id)
            data = dict(row.data)
            damage(data)
            row.data = data
        fresh = Workspace(workspace.profile)  # nothing cached: reads what is stored
        for read in (fresh.load_segmentation, fresh.open_segmentation):
            with pytest.raises(DamagedSegmentationError, match=reason):
                read(item.id)
    finally:
        workspace.lock()


def test_an_edit_of_another_label_type_is_damage_not_applied(
    profile_dir: Path, tmp_path: Path
) -> None:
    import uuid

    from storage.models import LabelMapDeltaRecord
    from workspace.errors import DamagedSegmentationError
    from workspace.segmentation.delta import compress

    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([small_series(tmp_path / "ct", slices=3)[0].parent])
        workspace.open_segmentation(item.id)  # uint8 labels
        with workspace.profile.database.write() as session:
            session.add(
                LabelMapDeltaRecord(
                    id=str(uuid.uuid4()),
                    item_id=item.id,
                    bbox=[0, 1, 0, 1, 0, 2],
                    dtype="<u2",
                    voxels=compress(np.ones((1, 1, 2), np.uint16)),
                )
            )
        with pytest.raises(DamagedSegmentationError, match="an edit holds <u2 labels"):
            workspace.load_segmentation(item.id)
    finally:
        workspace.lock()
