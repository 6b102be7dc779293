"""Signal files for the tests: the ones shipped by pydicom and pyedflib, and small generated
EDF/CSV records (written by pyedflib and the csv module, not by the code under test)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np

PYEDFLIB_DATA = Path(__import__("pyedflib").__file__).parent
#: pyedflib's bundled files: name -> (file format, labels of the first three channels, rates).
PYEDFLIB_FILES = {
    "data/test_generator.edf": ("edf+", ["squarewave", "ramp", "pulse"], [200.0] * 11),
    "tests/data/test_generator.bdf": (
        "bdf+", ["sine 5Hz", "square 13Hz", "ramp 7Hz"], [1000.0, 800.0, 500.0, 975.0, 999.0]
    ),
    "tests/data/test_generator_datarec_generator_2.bdf": (
        "bdf+", ["sine 2.5Hz", "square 6.5Hz", "ramp 3.5Hz"], [500.0, 400.0, 250.0, 487.5, 499.5]
    ),
    "tests/data/test_subsecond.edf": ("edf+", ["Fp1"], [128.0]),
    "tests/data/test_legacy.edf": ("edf", ["squarewave", "ramp", "pulse"], [200.0] * 11),
}  # fmt: skip
EEG_START = datetime(2024, 5, 1, 22, 0, 0)
EEG_ANNOTATIONS = [(1.5, 0.0, "spike"), (3.0, 2.5, "seizure")]


def pyedflib_file(name: str) -> Path:
    return PYEDFLIB_DATA / name


def ecg_dicom() -> Path:
    from pydicom.data import get_testdata_file

    found = get_testdata_file("waveform_ecg.dcm")
    assert found is not None
    return Path(found)


def write_eeg_edf(path: Path) -> Path:
    """A 10 s EDF+ with two EEG channels at 100 Hz, an EOG at 50 Hz and two annotations."""
    from pyedflib import highlevel

    t = np.arange(1000) / 100.0
    signals = [40 * np.sin(2 * np.pi * 10 * t), 30 * np.cos(2 * np.pi * 4 * t), np.zeros(500)]
    headers = highlevel.make_signal_headers(
        ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"],
        dimension="uV",
        sample_frequency=100,
        physical_min=-100,
        physical_max=100,
    )
    headers[2]["sample_frequency"] = 50
    header = highlevel.make_header(startdate=EEG_START)
    header["annotations"] = [list(a) for a in EEG_ANNOTATIONS]
    highlevel.write_edf(str(path), signals, headers, header)
    return path


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def ecg_csv(path: Path, *, with_time: bool = True, rows: int = 500) -> Path:
    """Two ECG leads in mV at 250 Hz, with a time column (or a rate comment instead)."""
    t = np.arange(rows) / 250.0
    lead_ii = np.round(np.sin(2 * np.pi * 1.2 * t), 4)
    lead_v1 = np.round(-0.5 * lead_ii, 4)
    lines = ["# start_time: 2024-05-01T08:30:00"]
    if with_time:
        lines.append("time,II (mV),V1 (mV)")
        lines += [f"{a:.4f},{b},{c}" for a, b, c in zip(t, lead_ii, lead_v1, strict=True)]
    else:
        lines += ["# sampling_rate: 250", "II [mV];V1 [mV]"]
        lines += [f"{b};{c}" for b, c in zip(lead_ii, lead_v1, strict=True)]
    return write_csv(path, "\n".join(lines) + "\n")
