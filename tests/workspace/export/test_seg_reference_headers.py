"""DICOM SEG export reads the source headers lean (all but the first walked, not parsed) and
writes exactly the SEG the fully parsed headers give."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pydicom
import pytest

from tests.conftest import PASSPHRASE
from workspace.demo_data import generate_ct_series
from workspace.export.dicom_seg import write_dicom_seg
from workspace.volume.model import LabelMap, Segment
from workspace.volume.store import (
    REFERENCE_KEYWORDS,
    _lean_header,
    load_reference_headers,
    load_source_headers,
)
from workspace.workspace import Workspace

#: What differs between two SEGs written at different moments.
MOMENT = ("ContentDate", "ContentTime", "InstanceCreationDate", "InstanceCreationTime")
#: Values highdicom makes up itself: DimensionOrganizationUID, ContributionDateTime.
MADE_UP = frozenset({"00209164", "0018A002"})


@pytest.fixture
def stored(profile_dir: Path, tmp_path: Path) -> tuple[list[pydicom.Dataset], ...]:
    """A CT series imported into a profile: its headers parsed in full, and lean."""
    folder = tmp_path / "ct"
    generate_ct_series(folder, slices=24, rows=32, cols=40, patient_id="LEAN", seed=9)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([folder])
        meta = workspace.item(item.id).meta
        blobs = workspace.profile.blobs
        geometry = workspace.load_volume(item.id).geometry
        full, lean = load_source_headers(blobs, meta), load_reference_headers(blobs, meta)
    finally:
        workspace.lock()
    return full, lean, geometry


def test_lean_headers_hold_the_referenced_values(stored) -> None:
    full, lean, _ = stored
    assert len(lean) == len(full) == 24
    assert lean[0] == full[0]  # the first in full
    for whole, walked in zip(full[1:], lean[1:], strict=True):
        assert {e.keyword for e in walked} <= set(REFERENCE_KEYWORDS)
        for keyword in REFERENCE_KEYWORDS:
            assert walked.get(keyword) == whole.get(keyword), keyword


def _blanked(value: object) -> object:
    """A SEG's JSON with the values highdicom makes up itself blanked."""
    if isinstance(value, dict):
        return {tag: "made up" if tag in MADE_UP else _blanked(item) for tag, item in value.items()}
    if isinstance(value, list):
        return [_blanked(item) for item in value]
    return value


def _comparable(path: Path) -> object:
    written = pydicom.dcmread(path)
    for keyword in MOMENT:
        if keyword in written:
            delattr(written, keyword)
    return _blanked(written.to_json_dict())


def _numbered_uids(monkeypatch: pytest.MonkeyPatch) -> None:
    """``highdicom.UID()`` numbered from 1 (the same UIDs in two runs)."""
    import highdicom as hd

    uid, counter = hd.UID, itertools.count(1)
    monkeypatch.setattr(hd, "UID", lambda: uid(f"1.2.826.0.1.3680043.10.1.{next(counter)}"))


def test_the_seg_is_the_same_as_from_full_headers(
    stored, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    full, lean, geometry = stored
    array = np.zeros(geometry.shape, dtype=np.uint8)
    array[3:20, 4:28, 5:30] = 1
    array[10:12, 10:14, 10:14] = 2
    labels = LabelMap(
        array, geometry, [Segment(1, "liver", "#dd8265"), Segment(2, "lesion", "#f0e442")]
    )
    written = []
    for name, headers in (("full", full), ("lean", lean)):
        with monkeypatch.context() as patched:
            _numbered_uids(patched)
            written.append(_comparable(write_dicom_seg(headers, labels, tmp_path / f"{name}.dcm")))
    assert written[0] == written[1]


def test_a_header_the_walker_does_not_take_is_parsed_in_full() -> None:
    data_store = pytest.importorskip("data_store", reason="pydicom-data is a dev dependency")
    enhanced = Path(data_store.__file__).parent / "data" / "eCT_Supplemental.dcm"
    assert _lean_header(enhanced.read_bytes()[:4096]) is None  # multi-frame, cut short
