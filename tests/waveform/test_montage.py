"""EEG montages: electrode names matched leniently, the double banana, derived values."""

from __future__ import annotations

import numpy as np
import pytest

from workspace.errors import WorkspaceError
from workspace.waveform.montage import (
    DOUBLE_BANANA,
    MontageError,
    derive,
    double_banana,
    electrode,
    montages_for,
    referential,
)

TEN_TWENTY = [
    "Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2",
    "F7", "F8", "T3", "T4", "T5", "T6", "Fz", "Cz", "Pz",
]  # fmt: skip


def test_electrode_names_are_matched_leniently() -> None:
    assert electrode("EEG Fp1-REF") == "FP1"
    assert electrode("fp1") == "FP1"
    assert electrode("T7") == "T3"
    assert electrode("EEG P8-LE") == "T6"
    assert electrode("Cz") == "CZ"


def test_the_double_banana_chains_every_pair_of_a_full_10_20_record() -> None:
    montage = double_banana(TEN_TWENTY)
    assert len(montage.derivations) == len(DOUBLE_BANANA) == 18
    first = montage.derivations[0]
    assert (first.name, TEN_TWENTY[first.plus], TEN_TWENTY[first.minus or 0]) == (
        "Fp1-F7",
        "Fp1",
        "F7",
    )
    assert [d.name for d in montage.derivations[:4]] == ["Fp1-F7", "F7-T3", "T3-T5", "T5-O1"]
    assert montage.derivations[-1].name == "Cz-Pz"
    assert montage.sources == list(range(len(TEN_TWENTY)))


def test_10_10_temporal_names_and_edf_labels_make_the_same_montage() -> None:
    renamed = [
        f"EEG {({'T3': 'T7', 'T4': 'T8', 'T5': 'P7', 'T6': 'P8'}).get(n, n)}-REF"
        for n in TEN_TWENTY
    ]
    montage = double_banana(renamed)
    assert [(d.plus, d.minus) for d in montage.derivations] == [
        (d.plus, d.minus) for d in double_banana(TEN_TWENTY).derivations
    ]
    assert montage.derivations[1].name == "F7-T7"


def test_too_few_electrodes_is_one_clear_error() -> None:
    with pytest.raises(MontageError, match="Not enough 10-20 electrodes") as raised:
        double_banana(["II", "V1", "Fp1", "F7"])
    assert isinstance(raised.value, WorkspaceError)
    assert [m.name for m in montages_for(["II", "V1"])] == ["Referential"]
    assert len(montages_for(TEN_TWENTY)) == 2


def test_derived_values_are_differences_and_referential_is_the_record() -> None:
    values = np.arange(len(TEN_TWENTY) * 5, dtype=np.int16).reshape(len(TEN_TWENTY), 5) ** 2
    banana = derive(double_banana(TEN_TWENTY), values)
    assert banana.shape == (18, 5)
    fp1, f7 = TEN_TWENTY.index("Fp1"), TEN_TWENTY.index("F7")
    np.testing.assert_array_equal(banana[0], values[fp1].astype(float) - values[f7])
    np.testing.assert_array_equal(derive(referential(TEN_TWENTY), values), values)
