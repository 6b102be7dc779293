"""Synthetic WFDB records for the viewer tests, imported through a real profile."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from workspace.items import ItemSummary
from workspace.workspace import Workspace

RATE = 500
#: Stored counts per millivolt (WFDB adc_gain).
COUNTS_PER_MV = 200


def beat_train(seconds: float, rate: int = RATE, period_s: float = 1.0) -> np.ndarray:
    """0 mV with a 1 mV, 20 ms wide R wave at the middle of every period (first at period/2)."""
    count = round(seconds * rate)
    signal = np.zeros(count)
    width = max(round(0.02 * rate), 1)
    for centre in np.arange(period_s / 2, seconds, period_s):
        first = round(centre * rate) - width // 2
        signal[max(first, 0) : first + width] = 1.0
    return signal


def write_ecg_record(
    folder: Path, name: str = "beats", seconds: float = 10.0, leads: tuple[str, ...] = ("II", "V1")
) -> Path:
    """Leads that each carry :func:`beat_train` (V1 at half height); the ``.hea`` path."""
    import wfdb  # slow to import: only where a record is written

    folder.mkdir(parents=True, exist_ok=True)
    train = beat_train(seconds)
    signals = np.stack([train / (1 + k) for k in range(len(leads))], axis=1)
    wfdb.wrsamp(
        name,
        fs=RATE,
        units=["mV"] * len(leads),
        sig_name=list(leads),
        p_signal=signals,
        fmt=["16"] * len(leads),
        adc_gain=[float(COUNTS_PER_MV)] * len(leads),
        baseline=[0] * len(leads),
        write_dir=str(folder),
    )
    return folder / f"{name}.hea"


def import_record(workspace: Workspace, header: Path) -> ItemSummary:
    """Import the record through the workspace (as ``caliper import`` does)."""
    problems: list[tuple[Path, str]] = []
    items = workspace.import_paths([header], on_problem=lambda p, m: problems.append((p, m)))
    assert problems == []
    (item,) = [i for i in items if i.modality == "waveform"]
    return item


def write_record(
    folder: Path, name: str, channels: dict[str, np.ndarray], rate: int = RATE, unit: str = "mV"
) -> Path:
    """A WFDB record of the given channels (physical values in ``unit``); the ``.hea`` path."""
    import wfdb

    folder.mkdir(parents=True, exist_ok=True)
    names = list(channels)
    wfdb.wrsamp(
        name,
        fs=rate,
        units=[unit] * len(names),
        sig_name=names,
        p_signal=np.stack([channels[n] for n in names], axis=1),
        fmt=["16"] * len(names),
        adc_gain=[float(COUNTS_PER_MV)] * len(names),
        baseline=[0] * len(names),
        write_dir=str(folder),
    )
    return folder / f"{name}.hea"
