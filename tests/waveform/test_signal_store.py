"""Waveform items through a real encrypted profile: samples sealed per channel, read back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storage.profile import Profile
from tests.waveform.signal_files import (
    EEG_ANNOTATIONS,
    ecg_csv,
    ecg_dicom,
    pyedflib_file,
    write_eeg_edf,
)
from workspace import items as item_store
from workspace.demo_data import write_ecg
from workspace.errors import NotFoundError
from workspace.importers import scan
from workspace.waveform.dicom_reader import read_dicom_waveform
from workspace.waveform.edf_reader import read_edf
from workspace.waveform.store import META_KEY
from workspace.workspace import Workspace


@pytest.fixture
def workspace(profile: Profile) -> Workspace:
    return Workspace(profile)


def _import_one(workspace: Workspace, path: Path) -> str:
    problems: list[tuple[Path, str]] = []
    (item,) = workspace.import_paths([path], on_problem=lambda p, m: problems.append((p, m)))
    assert problems == []
    return item.id


def test_dicom_ecg_round_trips_through_the_store(workspace):
    item_id = _import_one(workspace, ecg_dicom())
    item = workspace.item(item_id)
    assert item.modality == "waveform"
    assert item.title == "ECG — waveform_ecg (12 leads, 10 s)"
    assert item.meta["record_type"] == "ecg"
    assert item.meta["sampling_rates"] == [1000.0] * 12
    assert item.meta["start_time"] == "2013-01-25T10:59:19"
    assert workspace.schema_id_for(item) == "ecg-beats-rhythms"
    stored = workspace.load_signals(item_id)
    source = read_dicom_waveform(ecg_dicom())
    assert stored.names == source.names
    assert stored.start_time == source.start_time
    for got, want in zip(stored.channels, source.channels, strict=True):
        assert got.info == want.info
        np.testing.assert_array_equal(got.samples, want.samples)
    files = workspace.item_files(item_id)
    assert [f.name for f in files] == [f"channel-{n:03d}.raw" for n in range(12)]


def test_bdf_with_mixed_rates_keeps_each_channel_and_loads_a_subset(workspace):
    path = pyedflib_file("tests/data/test_generator.bdf")
    item_id = _import_one(workspace, path)
    (ramp,) = workspace.load_signals(item_id, channels=[2]).channels
    source = read_edf(path)
    assert ramp.name == "ramp 7Hz" and ramp.rate == 500.0
    np.testing.assert_array_equal(ramp.samples, source.channels[2].samples)
    np.testing.assert_allclose(ramp.physical(), source.channels[2].physical())
    item = workspace.item(item_id)
    assert item.meta["sampling_rates"] == [1000.0, 800.0, 500.0, 975.0, 999.0]
    assert workspace.schema_id_for(item) == "waveform-events"


def test_eeg_edf_gets_the_eeg_schema_and_keeps_its_annotations(workspace, tmp_path):
    item_id = _import_one(workspace, write_eeg_edf(tmp_path / "night.edf"))
    item = workspace.item(item_id)
    assert item.title == "EEG — night (3 signals, 10 s)"
    assert workspace.schema_id_for(item) == "eeg-events"
    assert item.meta["file_annotations"] == [list(a) for a in EEG_ANNOTATIONS]
    assert workspace.load_signals(item_id).annotations == EEG_ANNOTATIONS


def test_csv_and_wfdb_import_as_ecg(workspace, tmp_path):
    csv_id = _import_one(workspace, ecg_csv(tmp_path / "strip.csv"))
    header = write_ecg(tmp_path / "rec")
    wfdb_id = _import_one(workspace, header)
    assert workspace.schema_id_for(workspace.item(csv_id)) == "ecg-beats-rhythms"
    wfdb_item = workspace.item(wfdb_id)
    assert workspace.schema_id_for(wfdb_item) == "ecg-beats-rhythms"
    assert wfdb_item.title == "ECG — rec (12 leads, 10 s)"
    record = workspace.load_signals(wfdb_id)
    assert record.names[:3] == ["I", "II", "III"]
    assert record.nbytes == 12 * 5000 * 2  # int16 in memory, as stored


def test_the_same_file_imported_twice_is_one_item(workspace):
    first = _import_one(workspace, pyedflib_file("data/test_generator.edf"))
    again = _import_one(workspace, pyedflib_file("data/test_generator.edf"))
    assert first == again
    assert len(workspace.items()) == 1


def test_an_item_stored_before_samples_were_is_upgraded_by_reimport(workspace, tmp_path):
    header = write_ecg(tmp_path / "old")
    (imported,) = scan([header])
    del imported.meta["signal_format"]  # as the WFDB importer stored records before
    legacy = item_store.store_item(workspace.profile, imported)
    assert legacy is not None
    with pytest.raises(NotFoundError, match="import its files again"):
        workspace.load_signals(legacy.id)
    again = _import_one(workspace, header)
    assert again == legacy.id
    assert workspace.load_signals(legacy.id).names[:2] == ["I", "II"]
    names = [f.name for f in workspace.item_files(legacy.id)]
    assert names[:2] == ["old.hea", "old.dat"] and names[2] == "channel-000.raw"
    assert META_KEY in workspace.item(legacy.id).meta


def test_no_sample_value_is_readable_in_the_profile_folder(workspace, profile_dir, tmp_path):
    path = ecg_csv(tmp_path / "strip.csv")
    item_id = _import_one(workspace, path)
    samples = workspace.load_signals(item_id).channels[0].samples
    needle = samples[100:140].tobytes()
    for file in profile_dir.rglob("*"):
        if file.is_file():
            assert needle not in file.read_bytes(), file


def test_a_damaged_stored_channel_is_repaired_by_importing_the_file_again(workspace):
    path = pyedflib_file("data/test_generator.edf")
    item_id = _import_one(workspace, path)
    blob = workspace.item(item_id).meta[META_KEY]["channels"][4]["blob"]
    sealed = workspace.profile.blobs.path_of(blob)
    raw = bytearray(sealed.read_bytes())
    raw[-20] ^= 0xFF
    sealed.write_bytes(bytes(raw))
    assert workspace.profile.blobs.damage(blob) is not None
    assert _import_one(workspace, path) == item_id
    assert workspace.profile.blobs.damage(blob) is None
    np.testing.assert_array_equal(
        workspace.load_signals(item_id, channels=[4]).channels[0].samples,
        read_edf(path).channels[4].samples,
    )
