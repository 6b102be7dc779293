"""The EDF, DICOM waveform and CSV importers in the scan: claims, meta, refusals."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pydicom
import pytest

from tests.waveform.signal_files import (
    EEG_ANNOTATIONS,
    ecg_csv,
    ecg_dicom,
    pyedflib_file,
    write_csv,
    write_eeg_edf,
)
from workspace.demo_data import generate_ct_series
from workspace.importers import ImportProblem, default_registry, scan
from workspace.importers.dicom_waveform import DicomWaveformImporter
from workspace.importers.edf import EdfImporter, edf_annotations
from workspace.modalities import modality


def _scan(*paths: Path):
    problems: list[tuple[Path, str]] = []
    items = scan(list(paths), on_problem=lambda p, m: problems.append((p, m)))
    for item in items:
        json.dumps(item.meta)  # stored as JSON
    return items, problems


def test_waveform_modality_lists_every_signal_importer():
    formats = modality("waveform").import_formats
    assert set(formats) == {"wfdb", "edf", "dicom-waveform", "csv-signals"}
    registered = {importer.format_id for importer in default_registry()}
    assert set(formats) <= registered


def test_dicom_ecg_goes_to_the_waveform_importer_not_the_image_one(tmp_path):
    folder = tmp_path / "mixed"
    generate_ct_series(folder, slices=3, rows=8, cols=8, seed=1)
    shutil.copy(ecg_dicom(), folder / "ecg.dcm")
    items, problems = _scan(folder)
    assert problems == []
    assert sorted(item.modality for item in items) == ["volume", "waveform"]
    (ecg,) = (item for item in items if item.modality == "waveform")
    assert default_registry().importer_for(folder / "ecg.dcm").format_id == "dicom-waveform"
    meta = ecg.meta
    assert meta["signal_names"][:3] == ["I", "II", "III"]
    assert meta["units"] == ["uV"] * 12
    assert meta["sampling_rates"] == [1000.0] * 12
    assert meta["n_samples"] == [10000] * 12
    assert meta["duration_s"] == 10.0
    assert meta["record_type"] == "ecg"
    assert meta["description"] == "12-lead ECG Waveform Storage"


def test_edf_meta_and_annotations(tmp_path):
    path = write_eeg_edf(tmp_path / "night.edf")
    (item,), problems = _scan(path)
    assert problems == []
    assert item.modality == "waveform"
    assert item.meta["file_format"] == "edf+"
    assert item.meta["sampling_rates"] == [100.0, 100.0, 50.0]
    assert item.meta["start_time"] == "2024-05-01T22:00:00"
    assert item.meta["record_type"] == "eeg"
    assert item.meta["file_annotations"] == [list(a) for a in EEG_ANNOTATIONS]
    assert edf_annotations(path) == EEG_ANNOTATIONS


def test_pyedflib_files_import_as_items():
    paths = [pyedflib_file("data/test_generator.edf"), pyedflib_file("tests/data/")]
    items, problems = _scan(*paths)
    assert problems == []
    assert len(items) == 8  # the package's copy and the 7 test files (one a duplicate name)
    assert {item.meta["file_format"] for item in items} == {"edf", "edf+", "bdf+"}


def test_csv_imports(tmp_path):
    (item,), problems = _scan(ecg_csv(tmp_path / "strip.csv"))
    assert problems == []
    assert item.title == "ECG — strip (2 leads, 2 s)"
    assert item.meta["signal_names"] == ["II", "V1"]


def _truncated_edf(folder: Path) -> Path:
    path = folder / "cut.edf"
    path.write_bytes(pyedflib_file("data/test_generator.edf").read_bytes()[:-4000])
    return path


def _truncated_dicom(folder: Path) -> Path:
    dataset = pydicom.dcmread(ecg_dicom())
    dataset.WaveformSequence[0].WaveformData = dataset.WaveformSequence[0].WaveformData[:64]
    path = folder / "cut.dcm"
    dataset.save_as(path)
    return path


def _no_groups_dicom(folder: Path) -> Path:
    dataset = pydicom.dcmread(ecg_dicom())
    del dataset.WaveformSequence
    path = folder / "empty.dcm"
    dataset.save_as(path)
    return path


HOSTILE = {
    "edf-truncated": (_truncated_edf, "is truncated: its header needs"),
    "edf-garbage": (
        lambda f: write_csv(f / "x.edf", "0       " + "garbage " * 60),
        "not a readable EDF/BDF file",
    ),
    "dicom-truncated": (_truncated_dicom, "truncated: the waveform data holds 64 bytes"),
    "dicom-no-waveform": (_no_groups_dicom, "holds no waveform sequence"),
    "csv-text": (lambda f: write_csv(f / "t.csv", "name,age\nAda,36\n"), "not a number"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_signal_files_are_one_problem_each(tmp_path, case):
    make, fragment = HOSTILE[case]
    path = make(tmp_path)
    items, problems = _scan(path)
    assert items == []
    ((where, message),) = problems
    assert where == path
    assert message.startswith(f"{path}: ")
    assert message.count(str(path)) == 1
    assert fragment in message


def test_without_a_sink_the_first_bad_file_raises(tmp_path):
    with pytest.raises(ImportProblem, match="truncated"):
        EdfImporter().read([_truncated_edf(tmp_path)])
    assert DicomWaveformImporter().claims(ecg_dicom())
    assert not DicomWaveformImporter().claims(pyedflib_file("data/test_generator.edf"))
