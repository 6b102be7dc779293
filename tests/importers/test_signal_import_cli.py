"""``caliper import`` of signal files through a real profile: items listed with their schema,
hostile files refused in one line with nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_cli import assert_one_line_error, caliper
from tests.cli.test_hostile_import_cli import (  # noqa: F401 - fixtures used by name
    stocked_profile,
    stocked_template,
)
from tests.importers.test_signal_importers import HOSTILE
from tests.profile_state import assert_nothing_stored_changed, stored_state
from tests.waveform.signal_files import ecg_csv, ecg_dicom, pyedflib_file, write_eeg_edf


def test_caliper_import_of_ecg_eeg_and_generic_records(profile_dir: Path, tmp_path: Path) -> None:
    paths = [
        ecg_dicom(),
        write_eeg_edf(tmp_path / "night.edf"),
        pyedflib_file("tests/data/test_generator.bdf"),
        ecg_csv(tmp_path / "strip.csv"),
    ]
    result = caliper("import", *map(str, paths), "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert len(result.stdout.splitlines()) == 4
    listing = json.loads(caliper("list", "--json", "--profile", str(profile_dir)).stdout)
    items = {item["title"]: item for item in listing["items"]}
    assert set(items) == {
        "ECG — waveform_ecg (12 leads, 10 s)",
        "EEG — night (3 signals, 10 s)",
        "Waveform — test_generator (5 signals, 30 s)",
        "ECG — strip (2 leads, 2 s)",
    }
    assert {item["modality"] for item in listing["items"]} == {"waveform"}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_refused_signal_file_is_one_line_and_stores_nothing(
    stocked_profile: Path,  # noqa: F811 - the fixture imported above
    tmp_path: Path,
    case: str,
) -> None:
    make, fragment = HOSTILE[case]
    folder = tmp_path / "incoming"
    folder.mkdir()
    path = make(folder)
    before = stored_state(stocked_profile)
    result = caliper("import", str(path), "--profile", str(stocked_profile))
    assert_one_line_error(result, fragment)
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    assert_nothing_stored_changed(before, stocked_profile)
