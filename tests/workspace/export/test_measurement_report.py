"""Measurements and findings as DICOM SR (TID 1500) and JSON, read back and validated."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pydicom
import pytest

from workspace.demo_data import generate_ct_series
from workspace.export.labelmap_files import ExportError
from workspace.export.measurement_report import (
    Finding,
    LengthMeasurement,
    report_json,
    write_measurement_report,
)

RULER = LengthMeasurement("lesion long axis", (10.0, 20.0, -30.0), (13.0, 24.0, -30.0))
FINDING = Finding(
    "hepatic cyst", {"severity": "mild", "laterality": "right", "certainty": "probable"}
)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> list[pydicom.Dataset]:
    folder = tmp_path_factory.mktemp("ct")
    files = generate_ct_series(
        folder, slices=4, rows=16, cols=16, patient_name="Sr^Test", patient_id="SR1", seed=2
    )
    return [pydicom.dcmread(f) for f in files]


def test_length_is_euclidean() -> None:
    assert RULER.length_mm == pytest.approx(5.0)


def test_sr_round_trip(source, tmp_path: Path) -> None:
    import highdicom as hd

    out = write_measurement_report(
        source, [RULER], [FINDING], tmp_path / "sr.dcm", observer="Doe^Jane"
    )
    sr = hd.sr.srread(out)
    assert sr.PatientID == "SR1"
    groups = sr.content.get_planar_roi_measurement_groups()
    (group,) = groups
    (measurement,) = group.get_measurements()
    assert measurement.value == pytest.approx(5.0)
    assert measurement.unit.value == "mm"
    region = group.roi
    assert region.value.tolist() == [list(RULER.start), list(RULER.end)]
    dataset = pydicom.dcmread(out)
    text = str(dataset)
    assert "hepatic cyst" in text and "mild" in text and "Right" in text


@pytest.mark.skipif(shutil.which("dciodvfy") is None, reason="dicom3tools not installed")
def test_dciodvfy_reports_no_errors(source, tmp_path: Path) -> None:
    out = write_measurement_report(source, [RULER], [FINDING], tmp_path / "sr.dcm")
    result = subprocess.run(["dciodvfy", str(out)], capture_output=True, text=True, check=False)
    errors = [
        line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")
    ]
    assert errors == []


def test_json_has_the_same_content() -> None:
    document = report_json([RULER], [FINDING])
    assert document["measurements"][0]["value"] == 5.0
    assert document["measurements"][0]["points_lps_mm"] == [
        [10.0, 20.0, -30.0],
        [13.0, 24.0, -30.0],
    ]
    assert document["findings"][0]["attributes"]["laterality"] == "right"


def test_nothing_to_report_is_a_clear_error(source, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no measurements or findings"):
        write_measurement_report(source, [], [], tmp_path / "sr.dcm")
