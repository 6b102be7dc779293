"""Synthetic demo and test data of every modality: a CT series, a note, an ECG, a recording.

Everything here is generated and deterministic given the seed; none of it is patient data,
and each file says so (DICOM ImageComments, the note's banner, the ECG header comments).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from pydicom.dataset import Dataset

CT_FIELD_OF_VIEW_MM = 360.0
CT_Z_EXTENT_MM = 200.0
CT_RESCALE_INTERCEPT = -1024
CT_STUDY_DATE = "20240315"
ECG_FS = 500
ECG_SECONDS = 10.0
ECG_ADC_GAIN = 1000.0
ECG_LEADS = ("I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6")
AUDIO_RATE = 16_000
AUDIO_SECONDS = 5.0
# (start s, end s, speaker) of the demo recording: two speakers taking turns.
SPEAKER_TURNS = ((0.25, 1.45, "A"), (1.75, 2.95, "B"), (3.15, 3.95, "A"), (4.15, 4.8, "B"))
_SPEAKER_PITCH_HZ = {"A": 115.0, "B": 205.0}
_VOWEL_FORMANTS_HZ = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480))

# Phantom parts painted in order: (HU, centre x/y/z mm, semi-axes x/y/z mm). LPS coordinates:
# +x patient left, +y posterior, +z superior. z semi-axis 0 means "every slice" (a cylinder).
_PHANTOM: tuple[tuple[float, tuple[float, float, float], tuple[float, float, float]], ...] = (
    (-100.0, (0, 0, 0), (150, 105, 0)),  # subcutaneous fat
    (35.0, (0, 0, 0), (138, 93, 0)),  # muscle and soft tissue
    (-90.0, (0, 0, -75), (124, 80, 75)),  # intra-abdominal fat
    (60.0, (-60, -10, -40), (72, 65, 55)),  # liver
    (45.0, (85, 35, -35), (30, 45, 40)),  # spleen
    (30.0, (-55, 55, -75), (22, 25, 35)),  # right kidney
    (30.0, (55, 55, -75), (22, 25, 35)),  # left kidney
    (-850.0, (-68, 5, 60), (52, 72, 85)),  # right lung
    (-850.0, (68, 5, 60), (52, 72, 85)),  # left lung
    (40.0, (12, -22, 35), (55, 45, 42)),  # heart
    (40.0, (22, 38, 0), (12, 12, 0)),  # descending aorta
    (700.0, (0, 62, 0), (19, 17, 0)),  # vertebral bodies
    (10.0, (0, 86, 0), (7, 7, 0)),  # spinal canal
    (8.0, (-78, 20, -45), (10, 10, 10)),  # hepatic cyst (segment VI), 2 cm
)


def generate_demo_data(
    out_dir: Path, *, patient_name: str = "Synthetic^Jane", seed: int = 0
) -> dict[str, Path]:
    """Write one synthetic patient's data set under ``out_dir``.

    Returns ``{"ct": folder of the CT series, "note": .txt, "ecg": .hea (its .dat beside it),
    "audio": .wav}``. Run it on an empty folder: files of another seed are not removed.
    """
    rng = np.random.default_rng(seed)
    patient_id = f"SYN-{rng.integers(100_000, 999_999)}"
    out_dir = Path(out_dir)
    ct_dir = out_dir / "ct"
    generate_ct_series(
        ct_dir,
        slices=40,
        rows=128,
        cols=128,
        patient_name=patient_name,
        patient_id=patient_id,
        seed=seed,
    )
    return {
        "ct": ct_dir,
        "note": write_clinical_note(
            out_dir / "notes" / "discharge_summary.txt",
            patient_name=patient_name,
            patient_id=patient_id,
        ),
        "ecg": write_ecg(out_dir / "ecg" / "ecg_12lead", seed=seed),
        "audio": write_conversation(out_dir / "audio" / "consultation.wav", seed=seed),
    }


# ---------------------------------------------------------------- CT


def ct_phantom_hu(
    slices: int, rows: int, cols: int, *, seed: int = 0, noise_hu: float = 8.0
) -> tuple[NDArray[np.int16], float, float]:
    """Phantom volume ``(slices, rows, cols)`` in HU, its pixel spacing and slice thickness."""
    spacing = CT_FIELD_OF_VIEW_MM / max(rows, cols)
    thickness = CT_Z_EXTENT_MM / slices
    z, y, x = np.meshgrid(
        _centred(slices, thickness),
        _centred(rows, spacing),
        _centred(cols, spacing),
        indexing="ij",
        sparse=True,
    )
    volume = np.full((slices, rows, cols), -1000.0)
    for hu, (cx, cy, cz), (ax, ay, az) in _PHANTOM:
        inside = ((x - cx) / ax) ** 2 + ((y - cy) / ay) ** 2
        if az:
            inside = inside + ((z - cz) / az) ** 2
        volume[np.broadcast_to(inside <= 1.0, volume.shape)] = hu
    volume += np.random.default_rng(seed).normal(0.0, noise_hu, volume.shape)
    return np.clip(np.rint(volume), -1024, 3071).astype(np.int16), spacing, thickness


def generate_ct_series(
    out_dir: Path,
    *,
    slices: int = 40,
    rows: int = 64,
    cols: int = 64,
    patient_name: str = "Synthetic^Jane",
    patient_id: str = "SYN-000000",
    seed: int = 0,
    series_description: str = "Synthetic chest-abdomen phantom",
    series_number: int = 2,
) -> list[Path]:
    """Write an axial CT series (CT Image Storage, one file per slice) into ``out_dir``.

    File names are random hex, so their order says nothing about slice order. UIDs derive from
    the seed, patient id and series number: two calls differing in any of them make two
    series. Returns the paths in InstanceNumber order (1 = most superior slice).
    """
    from pydicom.uid import generate_uid

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    hu, spacing, thickness = ct_phantom_hu(slices, rows, cols, seed=seed)
    stored = (hu.astype(np.int32) - CT_RESCALE_INTERCEPT).astype(np.uint16)
    entropy = ["caliper-demo-ct", str(seed), patient_id, str(series_number)]
    uids = {
        kind: generate_uid(entropy_srcs=[*entropy, kind]) for kind in ("study", "series", "frame")
    }
    names = np.random.default_rng([seed, series_number, 0xC7]).bytes(8 * slices).hex()
    z_positions = _centred(slices, thickness)
    paths: list[Path] = []
    for instance in range(1, slices + 1):
        index = slices - instance  # instance 1 is the most superior slice, as scanners number
        dataset = _ct_slice(
            stored[index],
            uids,
            generate_uid(entropy_srcs=[*entropy, f"sop{index}"]),
            instance=instance,
            z=float(z_positions[index]),
            spacing=spacing,
            thickness=thickness,
            patient=(patient_name, patient_id),
            series=(series_number, series_description),
        )
        path = out_dir / f"{names[16 * index : 16 * index + 16]}.dcm"
        dataset.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def _centred(count: int, step: float) -> NDArray[np.float64]:
    """Coordinates of ``count`` samples ``step`` apart, centred on zero."""
    return np.asarray((np.arange(count) - (count - 1) / 2.0) * step, dtype=np.float64)


def _ct_slice(
    pixels: NDArray[np.uint16],
    uids: Mapping[str, str],
    sop_uid: str,
    *,
    instance: int,
    z: float,
    spacing: float,
    thickness: float,
    patient: tuple[str, str],
    series: tuple[int, str],
) -> Dataset:
    """One CT Image Storage data set with its file meta information."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import UID, CTImageStorage, ExplicitVRLittleEndian

    rows, cols = pixels.shape
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = CTImageStorage
    meta.MediaStorageSOPInstanceUID = UID(sop_uid)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = sop_uid
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = CT_STUDY_DATE
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "101500"
    ds.AccessionNumber = "SYN0001"
    ds.Modality = "CT"
    ds.Manufacturer = "Caliper synthetic phantom"
    ds.ReferringPhysicianName = "Example^Alex"
    ds.StudyDescription = "CT chest abdomen (synthetic)"
    ds.SeriesDescription = series[1]
    ds.PatientName, ds.PatientID = patient
    ds.PatientBirthDate = "19580407"
    ds.PatientSex = "F"
    ds.BodyPartExamined = "CHEST"
    ds.SliceThickness = _ds(thickness)
    ds.KVP = "120"
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = uids["study"]
    ds.SeriesInstanceUID = uids["series"]
    ds.StudyID = "1"
    ds.SeriesNumber = series[0]
    ds.AcquisitionNumber = 1
    ds.InstanceNumber = instance
    origin = -(cols - 1) / 2.0 * spacing, -(rows - 1) / 2.0 * spacing
    ds.ImagePositionPatient = [_ds(origin[0]), _ds(origin[1]), _ds(z)]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.FrameOfReferenceUID = uids["frame"]
    ds.PositionReferenceIndicator = ""
    ds.SliceLocation = _ds(z)
    ds.ImageComments = "Synthetic phantom generated by Caliper: not patient data"
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.PixelSpacing = [_ds(spacing), _ds(spacing)]
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.WindowCenter, ds.WindowWidth = "40", "400"
    ds.RescaleIntercept = str(CT_RESCALE_INTERCEPT)
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.BurnedInAnnotation = "NO"
    ds.PixelData = np.ascontiguousarray(pixels, dtype="<u2").tobytes()
    return ds


def _ds(value: float) -> str:
    """A Decimal String of at most 16 characters."""
    return f"{value:.6g}"


# ---------------------------------------------------------------- clinical note


def write_clinical_note(path: Path, *, patient_name: str, patient_id: str) -> Path:
    """Write a discharge-summary-like note (UTF-8) about the synthetic patient."""
    family, _, given = patient_name.partition("^")
    text = _NOTE.format(
        name=f"{given} {family}".strip(),
        family=family,
        mrn=patient_id,
        admitted=dt.date(2024, 3, 14),
        discharged=dt.date(2024, 3, 17),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


_NOTE = """\
DISCHARGE SUMMARY
*** SYNTHETIC DEMO RECORD - NOT A REAL PATIENT ***

Patient: {name}    MRN: {mrn}    DOB: 04/07/1958    Sex: F
Admitted: {admitted:%m/%d/%Y}    Discharged: {discharged:%m/%d/%Y}
Attending: Dr. Alex Example, Internal Medicine    Unit: 4 West, General Medicine

CHIEF COMPLAINT
Palpitations and light-headedness for two days.

HISTORY OF PRESENT ILLNESS
Ms. {family} is a 65-year-old woman with a history of hypertension and type 2 diabetes
mellitus who presented to the emergency department with intermittent palpitations and
light-headedness. She denies chest pain, syncope or shortness of breath. No fever or cough.
Possible pneumonia was considered on arrival because of a low-grade temperature, but this
was ruled out. She reports mild right upper quadrant discomfort after meals for one month.

PAST MEDICAL HISTORY
1. Hypertension, diagnosed 2012.
2. Type 2 diabetes mellitus, on metformin.
3. History of cholecystectomy (2009).

FAMILY HISTORY
Mother with colon cancer at age 70. Father had a myocardial infarction at 62.

SOCIAL HISTORY
Retired teacher. Never smoker. Drinks one glass of wine per week.

HOSPITAL COURSE
Electrocardiogram showed normal sinus rhythm at about 70 beats per minute, normal axis and
intervals, and no acute ST-segment changes. Telemetry for 48 hours showed no arrhythmia.
Troponin was negative twice. Potassium 3.4 mmol/L was repleted orally.
CT of the chest and abdomen without contrast: clear lungs, no pleural effusion. Normal heart
size. A 2 cm hypodense lesion in the right hepatic lobe (segment VI), consistent with a simple
cyst; no follow-up imaging required if asymptomatic. Kidneys and spleen are unremarkable.
A recorded conversation with the patient about the findings is attached to this episode.

DISCHARGE DIAGNOSES
1. Palpitations, likely benign; no arrhythmia on telemetry.
2. Hypokalemia, corrected.
3. Simple hepatic cyst, incidental.

DISCHARGE MEDICATIONS
- Lisinopril 10 mg by mouth once daily.
- Metformin 500 mg by mouth twice daily with meals.
- Atorvastatin 20 mg by mouth at night.

FOLLOW-UP
Primary care in 2 weeks; repeat basic metabolic panel. Return if palpitations recur with
chest pain or fainting. If symptoms persist, consider a 14-day ambulatory ECG monitor.

Electronically signed: Dr. Alex Example, MD
"""


# ---------------------------------------------------------------- ECG

# Amplitudes (mV) of the P, Q, R, S, T waves in the independent leads; the other four limb
# leads follow from Einthoven's and Goldberger's equations, so the set is self-consistent.
_WAVE_TIMING_S = ((-0.16, 0.022), (-0.03, 0.008), (0.0, 0.010), (0.03, 0.009), (0.26, 0.045))
_WAVE_AMPLITUDES_MV = {
    "I": (0.08, -0.03, 0.6, -0.10, 0.20),
    "II": (0.15, -0.05, 1.1, -0.15, 0.30),
    "V1": (0.08, 0.0, 0.2, -0.90, -0.10),
    "V2": (0.08, 0.0, 0.4, -1.20, 0.40),
    "V3": (0.07, 0.0, 0.7, -0.70, 0.45),
    "V4": (0.07, -0.05, 1.3, -0.40, 0.40),
    "V5": (0.07, -0.08, 1.2, -0.20, 0.35),
    "V6": (0.06, -0.08, 0.9, -0.10, 0.30),
}


def ecg_signals(*, seed: int = 0, bpm: float = 70.0) -> tuple[NDArray[np.float64], list[int]]:
    """12-lead ECG ``(samples, 12)`` in mV in :data:`ECG_LEADS` order, and R-peak samples."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(ECG_SECONDS * ECG_FS)) / ECG_FS
    peaks: list[float] = []
    beat = 0.45
    while beat < ECG_SECONDS - 0.45:
        peaks.append(beat)
        beat += 60.0 / bpm + rng.normal(0.0, 0.02)
    leads: dict[str, NDArray[np.float64]] = {}
    for name, amplitudes in _WAVE_AMPLITUDES_MV.items():
        signal = 0.04 * np.sin(2 * np.pi * rng.uniform(0.15, 0.35) * t + rng.uniform(0, 6.3))
        for peak in peaks:
            for amplitude, (offset, width) in zip(amplitudes, _WAVE_TIMING_S, strict=True):
                signal += amplitude * np.exp(-0.5 * ((t - peak - offset) / width) ** 2)
        leads[name] = signal + rng.normal(0.0, 0.01, t.shape)
    lead_i, lead_ii = leads["I"], leads["II"]
    leads["III"] = lead_ii - lead_i
    leads["aVR"] = -(lead_i + lead_ii) / 2
    leads["aVL"] = lead_i - lead_ii / 2
    leads["aVF"] = lead_ii - lead_i / 2
    signals = np.column_stack([leads[name] for name in ECG_LEADS])
    return signals, [round(peak * ECG_FS) for peak in peaks]


def write_ecg(record: Path, *, seed: int = 0) -> Path:
    """Write a 10 s, 500 Hz, 12-lead WFDB record (``record``.hea/.dat); returns the .hea."""
    import wfdb

    record = Path(record)
    record.parent.mkdir(parents=True, exist_ok=True)
    signals, _ = ecg_signals(seed=seed)
    wfdb.wrsamp(
        record.name,
        fs=ECG_FS,
        units=["mV"] * len(ECG_LEADS),
        sig_name=list(ECG_LEADS),
        p_signal=signals,
        fmt=["16"] * len(ECG_LEADS),
        adc_gain=[ECG_ADC_GAIN] * len(ECG_LEADS),  # 1 µV per unit, as PTB-XL and most ECGs
        baseline=[0] * len(ECG_LEADS),
        write_dir=str(record.parent),
        comments=[
            "Synthetic 12-lead ECG generated by Caliper: not patient data",
            "Rhythm: sinus, about 70 bpm",
        ],
    )
    return record.with_suffix(".hea")


# ---------------------------------------------------------------- audio


def conversation_audio(*, seed: int = 0) -> NDArray[np.float32]:
    """Mono speech-like signal: two voices of different pitch taking :data:`SPEAKER_TURNS`."""
    rng = np.random.default_rng(seed)
    audio = np.zeros(int(AUDIO_SECONDS * AUDIO_RATE))
    for start, end, speaker in SPEAKER_TURNS:
        cursor = start
        while cursor < end - 0.1:
            length = min(rng.uniform(0.12, 0.28), end - cursor)
            first = int(cursor * AUDIO_RATE)
            syllable = _syllable(length, _SPEAKER_PITCH_HZ[speaker], rng)
            audio[first : first + syllable.size] += syllable
            cursor += length + rng.uniform(0.03, 0.09)
    audio += rng.normal(0.0, 0.002, audio.shape)  # room noise
    return (0.8 * audio / np.max(np.abs(audio))).astype(np.float32)


def _syllable(seconds: float, pitch: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """A voiced syllable: harmonics of a gliding pitch shaped by a vowel's formants."""
    t = np.arange(int(seconds * AUDIO_RATE)) / AUDIO_RATE
    f0 = pitch * (1.0 + rng.uniform(-0.08, 0.08) + 0.06 * np.sin(2 * np.pi * 3.0 * t))
    phase = 2 * np.pi * np.cumsum(f0) / AUDIO_RATE
    formants = _VOWEL_FORMANTS_HZ[rng.integers(len(_VOWEL_FORMANTS_HZ))]
    voice = np.zeros_like(t)
    for harmonic in range(1, int(4000 / pitch) + 1):
        frequency = harmonic * pitch
        gain = sum(1.0 / (1.0 + ((frequency - f) / 90.0) ** 2) for f in formants) / harmonic
        voice += gain * np.sin(harmonic * phase)
    return voice * np.hanning(t.size) * rng.uniform(0.6, 1.0)


def write_conversation(path: Path, *, seed: int = 0) -> Path:
    """Write :func:`conversation_audio` as a 16 kHz mono 16-bit WAV file."""
    import soundfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), conversation_audio(seed=seed), AUDIO_RATE, subtype="PCM_16")
    return path
