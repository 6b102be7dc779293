"""Synthetic demo data: every modality is written, readable, plausible and deterministic."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pydicom
import pytest

from workspace.demo_data import (
    ECG_FS,
    ECG_LEADS,
    SPEAKER_TURNS,
    ct_phantom_hu,
    ecg_signals,
    generate_ct_series,
    generate_demo_data,
)
from workspace.importers import scan


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return generate_demo_data(tmp_path_factory.mktemp("demo"), seed=3)


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_demo_data_round_trips_through_scan_into_four_items(demo):
    problems: list[tuple[Path, str]] = []
    items = scan([demo["ct"].parent], on_problem=lambda p, m: problems.append((p, m)))
    assert problems == []
    assert sorted(item.modality for item in items) == ["audio", "text", "volume", "waveform"]
    for item in items:
        json.dumps(item.meta)  # meta is stored as JSON
        assert all(f.path.is_file() for f in item.files)
    volume = next(item for item in items if item.modality == "volume")
    assert volume.meta["slices"] == 40
    assert volume.title == "CT — Synthetic chest-abdomen phantom (40 slices)"


def test_the_returned_paths_import_on_their_own(demo):
    items = scan(list(demo.values()))
    waveform = next(item for item in items if item.modality == "waveform")
    assert [f.name for f in waveform.files] == ["ecg_12lead.hea", "ecg_12lead.dat"]
    assert len(items) == 4


def test_same_seed_same_bytes_other_seed_other_data(tmp_path):
    generate_demo_data(tmp_path / "a", seed=7)
    generate_demo_data(tmp_path / "b", seed=7)
    generate_demo_data(tmp_path / "c", seed=8)
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b")
    assert set(_digests(tmp_path / "a").values()).isdisjoint(_digests(tmp_path / "c").values())


def test_ct_series_geometry_reads_back_consistently(tmp_path):
    paths = generate_ct_series(tmp_path, slices=12, rows=32, cols=48, seed=5)
    assert len(paths) == len({p.name for p in paths}) == 12
    datasets = [pydicom.dcmread(p) for p in paths]
    assert [int(ds.InstanceNumber) for ds in datasets] == list(range(1, 13))
    assert len({ds.StudyInstanceUID for ds in datasets}) == 1
    assert len({ds.SeriesInstanceUID for ds in datasets}) == 1
    assert len({ds.SOPInstanceUID for ds in datasets}) == 12
    first = datasets[0]
    assert first.SOPClassUID == pydicom.uid.CTImageStorage
    assert first.file_meta.TransferSyntaxUID == pydicom.uid.ExplicitVRLittleEndian
    assert (first.Rows, first.Columns) == (32, 48)
    orientation = np.array([float(v) for v in first.ImageOrientationPatient])
    normal = np.cross(orientation[:3], orientation[3:])
    along = sorted(
        float(np.dot(normal, [float(v) for v in ds.ImagePositionPatient])) for ds in datasets
    )
    steps = np.diff(along)
    assert np.all(steps > 0)
    assert np.allclose(steps, float(first.SliceThickness), atol=1e-3)
    for ds in datasets:
        assert [float(v) for v in ds.ImageOrientationPatient] == list(orientation)
        assert ds.PixelSpacing == first.PixelSpacing
        assert ds.pixel_array.shape == (32, 48)
    # The image centre lies on the patient axis: x and y of the origin are -half the extent.
    x0, y0, _ = (float(v) for v in first.ImagePositionPatient)
    spacing = float(first.PixelSpacing[0])
    assert x0 == pytest.approx(-(48 - 1) / 2 * spacing, abs=1e-3)
    assert y0 == pytest.approx(-(32 - 1) / 2 * spacing, abs=1e-3)


def test_ct_pixels_carry_sensible_hounsfield_units(tmp_path):
    paths = generate_ct_series(tmp_path, slices=20, rows=64, cols=64, seed=1)
    by_z = sorted(
        (pydicom.dcmread(p) for p in paths), key=lambda ds: float(ds.ImagePositionPatient[2])
    )
    hu = np.stack(
        [ds.pixel_array * float(ds.RescaleSlope) + float(ds.RescaleIntercept) for ds in by_z]
    )
    assert np.array_equal(hu, ct_phantom_hu(20, 64, 64, seed=1)[0])
    assert np.median(hu[:, 0, 0]) < -950  # air in the corner
    chest = hu[-3]  # a superior slice crosses both lungs
    assert np.median(chest[32, 8:24]) < -700 or np.median(chest[32, 40:56]) < -700
    assert hu.max() > 500  # bone
    assert ((hu > 20) & (hu < 80)).mean() > 0.1  # soft tissue and organs


def test_two_series_from_different_seeds_are_distinct(tmp_path):
    one = generate_ct_series(tmp_path, slices=3, rows=16, cols=16, seed=1)
    two = generate_ct_series(tmp_path, slices=3, rows=16, cols=16, seed=2)
    assert not {p.name for p in one} & {p.name for p in two}
    uid_one = pydicom.dcmread(one[0]).SeriesInstanceUID
    assert uid_one != pydicom.dcmread(two[0]).SeriesInstanceUID


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_generated_ct_passes_the_reference_validator(tmp_path):
    path = generate_ct_series(tmp_path, slices=2, rows=16, cols=16)[0]
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, check=False)
    report = result.stdout + result.stderr
    assert "Error" not in report, report
    assert "Warning" not in report, report


def test_clinical_note_is_synthetic_and_names_the_patient(demo):
    text = demo["note"].read_text(encoding="utf-8")
    assert text.startswith("DISCHARGE SUMMARY")
    assert "SYNTHETIC DEMO RECORD" in text
    assert "Jane Synthetic" in text
    patient_id = pydicom.dcmread(next(demo["ct"].glob("*.dcm"))).PatientID
    assert f"MRN: {patient_id}" in text


def test_ecg_is_twelve_consistent_leads_at_about_seventy_bpm(demo):
    import wfdb

    record = wfdb.rdrecord(str(demo["ecg"].with_suffix("")))
    assert record.sig_name == list(ECG_LEADS)
    assert record.fs == ECG_FS
    assert record.sig_len == 10 * ECG_FS
    assert record.units == ["mV"] * 12
    lead = {name: record.p_signal[:, i] for i, name in enumerate(record.sig_name)}
    assert np.allclose(lead["III"], lead["II"] - lead["I"], atol=0.003)  # Einthoven
    assert np.allclose(lead["aVR"] + lead["aVL"] + lead["aVF"], 0, atol=0.003)  # Goldberger
    _, peaks = ecg_signals(seed=3)
    rate = 60 * ECG_FS / np.mean(np.diff(peaks))
    assert 65 < rate < 75
    r_amplitudes = lead["II"][peaks]
    assert np.all(r_amplitudes > 0.8)  # the R wave dominates lead II at every peak


def test_audio_is_two_speakers_of_different_pitch_taking_turns(demo):
    import soundfile

    audio, rate = soundfile.read(str(demo["audio"]))
    assert rate == 16_000
    assert audio.ndim == 1
    assert audio.size == 5 * rate

    def segment(start: float, end: float) -> np.ndarray:
        return audio[int(start * rate) : int(end * rate)]

    def pitch(samples: np.ndarray) -> float:
        """Fundamental frequency from the autocorrelation peak between 70 and 400 Hz."""
        correlation = np.correlate(samples, samples, mode="full")[samples.size - 1 :]
        lags = np.arange(rate // 400, rate // 70)
        return rate / float(lags[np.argmax(correlation[lags])])

    speech_rms = np.sqrt(np.mean(segment(*SPEAKER_TURNS[0][:2]) ** 2))
    pause_rms = np.sqrt(np.mean(segment(SPEAKER_TURNS[0][1] + 0.05, SPEAKER_TURNS[1][0]) ** 2))
    assert speech_rms > 10 * pause_rms
    pitches = {speaker: pitch(segment(start, end)) for start, end, speaker in SPEAKER_TURNS}
    assert pitches["A"] < 150 < pitches["B"]
