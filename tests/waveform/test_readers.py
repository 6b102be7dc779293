"""The signal readers against the field libraries' own readings of the same files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pydicom
import pyedflib
import pytest

from tests.waveform.signal_files import (
    EEG_ANNOTATIONS,
    EEG_START,
    PYEDFLIB_FILES,
    ecg_csv,
    ecg_dicom,
    pyedflib_file,
    write_csv,
    write_eeg_edf,
)
from workspace.demo_data import write_ecg
from workspace.errors import WorkspaceError
from workspace.waveform.csv_reader import read_csv_signals
from workspace.waveform.dicom_reader import read_dicom_waveform
from workspace.waveform.edf_reader import edf_annotations, read_edf, read_edf_header
from workspace.waveform.kinds import record_type
from workspace.waveform.record import SignalFileError
from workspace.waveform.wfdb_reader import read_wfdb

LEADS = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]


def test_pydicom_12_lead_ecg_reads_with_its_leads_units_and_rate():
    path = ecg_dicom()
    record = read_dicom_waveform(path)
    assert record.names == LEADS
    assert {c.unit for c in record.channels} == {"uV"}
    assert {c.rate for c in record.channels} == {1000.0}
    assert {c.samples.size for c in record.channels} == {10000}
    assert record.duration_s == 10.0
    assert record.start_time == datetime(2013, 1, 25, 10, 59, 19)
    assert {c.samples.dtype for c in record.channels} == {np.dtype("<i2")}
    expected = pydicom.dcmread(path).waveform_array(0)  # pydicom's physical values
    for index, channel in enumerate(record.channels):
        np.testing.assert_allclose(channel.physical(), expected[:, index], rtol=1e-6)


@pytest.mark.parametrize("name", list(PYEDFLIB_FILES))
def test_pyedflib_bundled_files_read_with_names_units_and_rates(name):
    path = pyedflib_file(name)
    file_format, first_labels, rates = PYEDFLIB_FILES[name]
    record = read_edf(path)
    assert record.file_format == file_format
    assert record.names[: len(first_labels)] == first_labels
    assert [c.rate for c in record.channels] == rates
    with pyedflib.EdfReader(str(path)) as reference:
        signal_count = reference.signals_in_file
        assert record.start_time == reference.getStartdatetime()
        for index in range(signal_count):
            if reference.getLabel(index) == "EDF Annotations":
                continue  # the annotation channel of an EDF file is no signal
            channel = record.channels[index]
            assert channel.name == reference.getLabel(index)
            assert channel.unit == reference.getPhysicalDimension(index)
            assert channel.rate == reference.getSampleFrequency(index)
            np.testing.assert_allclose(
                channel.physical(), reference.readSignal(index), rtol=1e-5, atol=1e-3
            )
    assert "EDF Annotations" not in record.names


def test_bdf_keeps_24_bit_samples_and_edf_16_bit():
    bdf = read_edf(pyedflib_file("tests/data/test_generator.bdf"))
    edf = read_edf(pyedflib_file("data/test_generator.edf"))
    assert {c.samples.dtype for c in bdf.channels} == {np.dtype("<i4")}
    assert {c.samples.dtype for c in edf.channels} == {np.dtype("<i2")}
    # memory is the stored samples: 2 bytes a sample for EDF, not 8 for float64
    assert edf.nbytes == 2 * sum(c.samples.size for c in edf.channels)


def test_edf_plus_annotations_are_read():
    assert edf_annotations(pyedflib_file("data/test_generator.edf")) == [
        (0.0, 0.0, "Recording starts"),
        (600.0, 0.0, "Recording ends"),
    ]
    spikes = edf_annotations(pyedflib_file("tests/data/test_subsecond.edf"))
    assert [text for _, _, text in spikes][:3] == ["XLSpike", "Clip Note", "XLEvent"]


def test_generated_eeg_with_mixed_rates_and_annotations(tmp_path):
    path = write_eeg_edf(tmp_path / "sleep.edf")
    record = read_edf(path)
    assert record.names == ["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"]
    assert [c.rate for c in record.channels] == [100.0, 100.0, 50.0]
    assert [c.samples.size for c in record.channels] == [1000, 1000, 500]
    assert record.start_time == EEG_START
    assert record.annotations == EEG_ANNOTATIONS
    assert edf_annotations(path) == EEG_ANNOTATIONS
    t = np.arange(1000) / 100.0
    np.testing.assert_allclose(
        record.channels[0].physical(), 40 * np.sin(2 * np.pi * 10 * t), atol=0.01
    )


def test_wfdb_record_reads_as_wfdb_does(tmp_path):
    import wfdb

    header = write_ecg(tmp_path / "rec")
    record = read_wfdb(header)
    reference = wfdb.rdrecord(str(tmp_path / "rec"))
    assert record.names == reference.sig_name
    assert [c.unit for c in record.channels] == reference.units
    assert {c.rate for c in record.channels} == {500.0}
    for index, channel in enumerate(record.channels):
        np.testing.assert_allclose(channel.physical(), reference.p_signal[:, index], atol=1e-6)
    assert channel.physical(100, 110).dtype == np.float32


def test_wfdb_channels_with_several_samples_per_frame_keep_their_rates(tmp_path):
    import wfdb

    slow = np.linspace(-1, 1, 100)
    fast = np.linspace(-2, 2, 400)
    wfdb.wrsamp(
        "mixed",
        fs=100,
        units=["mV", "mmHg"],
        sig_name=["ECG", "ABP"],
        e_p_signal=[slow, fast],
        samps_per_frame=[1, 4],
        fmt=["16", "16"],
        adc_gain=[1000, 100],
        baseline=[0, 0],
        write_dir=str(tmp_path),
    )
    record = read_wfdb(tmp_path / "mixed.hea")
    assert [c.rate for c in record.channels] == [100.0, 400.0]
    assert [c.samples.size for c in record.channels] == [100, 400]
    np.testing.assert_allclose(record.channels[1].physical(), fast, atol=0.01)


def test_csv_with_a_time_column(tmp_path):
    record = read_csv_signals(ecg_csv(tmp_path / "ecg.csv"))
    assert record.names == ["II", "V1"]
    assert [c.unit for c in record.channels] == ["mV", "mV"]
    assert [c.rate for c in record.channels] == pytest.approx([250.0, 250.0])
    assert record.start_time == datetime(2024, 5, 1, 8, 30)
    assert record.channels[0].samples.size == 500


def test_csv_with_a_rate_comment_and_semicolons(tmp_path):
    record = read_csv_signals(ecg_csv(tmp_path / "ecg.csv", with_time=False))
    assert record.names == ["II", "V1"]
    assert [c.rate for c in record.channels] == [250.0, 250.0]
    lead_ii = np.round(np.sin(2 * np.pi * 1.2 * np.arange(500) / 250.0), 4)
    np.testing.assert_allclose(
        record.channels[1].physical(), np.round(-0.5 * lead_ii, 4), atol=1e-6
    )


def test_csv_of_small_integers_is_kept_as_int16(tmp_path):
    path = write_csv(tmp_path / "counts.csv", "# fs=10\nraw\n1\n-2\n3\n")
    (channel,) = read_csv_signals(path).channels
    assert channel.samples.dtype == np.dtype("<i2")
    assert channel.physical().tolist() == [1.0, -2.0, 3.0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("time,II\n0,1\n0.004,x\n", "not a number"),
        ("time,II\n0,1\n0.004,1\n0.010,2\n", "not evenly spaced"),
        ("II,V1\n1,2\n3,4\n", "no time column and no sampling rate"),
        ("# fs=100\nII,V1\n1,2\n3\n", "not a number"),
        ("# fs=-5\nII\n1\n", "not a positive number"),
        ("# fs=100\nII\n", "no rows of samples"),
        ("", "no header row"),
        ("# fs=100\nII\nnan\n", "not a finite number"),
    ],
)
def test_bad_csv_is_one_clear_error(tmp_path, text, fragment):
    path = write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(SignalFileError, match=fragment) as caught:
        read_csv_signals(path)
    assert isinstance(caught.value, WorkspaceError)
    assert str(path) in str(caught.value)


def test_truncated_and_foreign_edf_files_are_refused(tmp_path, capfd):
    source = pyedflib_file("data/test_generator.edf").read_bytes()
    cut = tmp_path / "cut.edf"
    cut.write_bytes(source[:-5000])
    junk = tmp_path / "junk.edf"
    junk.write_bytes(b"not an edf file " * 40)
    with pytest.raises(SignalFileError, match="is truncated: its header needs"):
        read_edf_header(cut)
    with pytest.raises(SignalFileError, match="not a readable EDF/BDF file"):
        read_edf_header(junk)
    assert capfd.readouterr().out == ""  # pyedflib's C library printed nothing


def test_truncated_dicom_waveform_is_refused(tmp_path):
    dataset = pydicom.dcmread(ecg_dicom())
    group = dataset.WaveformSequence[0]
    group.WaveformData = group.WaveformData[:1000]
    path = tmp_path / "cut.dcm"
    dataset.save_as(path)
    with pytest.raises(SignalFileError, match="truncated: the waveform data holds 1000 bytes"):
        read_dicom_waveform(path)


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (LEADS, "ecg"),
        (["MLII", "V5"], "ecg"),
        (["EEG Fpz-Cz", "EEG Pz-Oz", "EOG horizontal"], "eeg"),
        (["Fp1", "F3", "C3", "ECG"], "eeg"),
        (["squarewave", "ramp"], "generic"),
        ([], "generic"),
    ],
)
def test_record_type_from_signal_names(names, kind):
    assert record_type(names) == kind


def test_signal_files_are_real(tmp_path: Path):
    assert ecg_dicom().is_file()
    assert all(pyedflib_file(name).is_file() for name in PYEDFLIB_FILES)
