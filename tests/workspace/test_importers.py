"""File importers and the scan: grouping, validation, problem reports, cancel and progress."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pydicom
import pytest

from workspace.demo_data import generate_ct_series, write_ecg
from workspace.importers import (
    ImportedItem,
    ImporterRegistry,
    ImportProblem,
    ReadContext,
    default_registry,
    scan,
)
from workspace.importers.audio import AudioImporter
from workspace.importers.dicom import DicomImporter
from workspace.importers.text import TextImporter
from workspace.importers.wfdb_record import WfdbImporter


class Problems:
    """Collects what ``scan`` reports."""

    def __init__(self) -> None:
        self.reports: list[tuple[Path, str]] = []

    def __call__(self, path: Path, message: str) -> None:
        self.reports.append((path, message))

    def names(self) -> set[str]:
        return {path.name for path, _ in self.reports}

    def message_for(self, name: str) -> str:
        matches = [message for path, message in self.reports if path.name == name]
        assert len(matches) == 1, self.reports
        assert name in matches[0]  # every message names its file
        return matches[0]


def _scan(*paths: Path, **kwargs) -> tuple[list[ImportedItem], Problems]:
    problems = Problems()
    items = scan(list(paths), on_problem=problems, **kwargs)
    for item in items:
        json.dumps(item.meta)
    return items, problems


def _by_modality(items: list[ImportedItem], modality: str) -> list[ImportedItem]:
    return [item for item in items if item.modality == modality]


# ---------------------------------------------------------------- DICOM


def test_two_series_mixed_in_one_folder_give_two_items(tmp_path):
    generate_ct_series(tmp_path, slices=5, rows=16, cols=16, seed=1, series_description="one")
    generate_ct_series(tmp_path, slices=7, rows=16, cols=16, seed=2, series_description="two")
    items, problems = _scan(tmp_path)
    assert problems.reports == []
    assert sorted(item.title for item in items) == ["CT — one (5 slices)", "CT — two (7 slices)"]
    for item in items:
        assert item.modality == "volume"
        assert item.meta["sorted_by"] == "position"
        assert item.meta["uniform_spacing"] is True
        positions = [float(pydicom.dcmread(f.path).ImagePositionPatient[2]) for f in item.files]
        assert positions == sorted(positions)  # files come in slice order
        assert len(set(positions)) == len(positions)


def test_dicom_meta_describes_the_series(tmp_path):
    generate_ct_series(
        tmp_path, slices=4, rows=16, cols=24, patient_name="Test^Ann", patient_id="P-1", seed=4
    )
    (item,), _ = _scan(tmp_path)
    meta = item.meta
    assert meta["dicom_modality"] == "CT"
    assert (meta["rows"], meta["cols"], meta["slices"]) == (16, 24, 4)
    assert meta["patient_name"] == "Test^Ann"
    assert meta["patient_id"] == "P-1"
    assert meta["slice_spacing"] == pytest.approx(meta["slice_thickness"])
    assert len(meta["pixel_spacing"]) == 2
    assert meta["orientation"] == [1, 0, 0, 0, 1, 0]


def test_corrupt_dicom_and_unknown_files_are_reported_and_the_rest_imports(tmp_path):
    paths = generate_ct_series(tmp_path, slices=6, rows=16, cols=16, seed=1)
    truncated = paths[2]
    truncated.write_bytes(truncated.read_bytes()[:-100])  # pixel data cut short
    header_cut = paths[4]
    header_cut.write_bytes(header_cut.read_bytes()[:300])  # cut inside the header
    (tmp_path / "garbage.dcm").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "blob.bin").write_bytes(np.random.default_rng(0).bytes(4096))
    (tmp_path / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # clutter is skipped silently

    items, problems = _scan(tmp_path)

    assert problems.names() == {truncated.name, header_cut.name, "garbage.dcm", "blob.bin"}
    assert "truncated" in problems.message_for(truncated.name)
    assert "not a DICOM file" in problems.message_for("garbage.dcm")
    assert "unrecognised file type" in problems.message_for("blob.bin")
    assert "truncated" in problems.message_for(header_cut.name)
    (item,) = items
    assert item.meta["slices"] == 4
    assert {f.path.name for f in item.files} == {paths[i].name for i in (0, 1, 3, 5)}


def test_duplicates_and_odd_sizes_are_reported_not_mixed_in(tmp_path):
    paths = generate_ct_series(tmp_path / "a", slices=4, rows=16, cols=16, seed=1)
    copy = tmp_path / "a" / "copy.dcm"
    copy.write_bytes(paths[0].read_bytes())
    odd = pydicom.dcmread(paths[1])
    odd.SOPInstanceUID = pydicom.uid.generate_uid()
    odd.Rows, odd.Columns = 8, 8
    odd.PixelData = np.zeros((8, 8), dtype="<u2").tobytes()
    odd.save_as(tmp_path / "a" / "scout.dcm")

    (item,), problems = _scan(tmp_path)

    assert item.meta["slices"] == 4
    assert "duplicate" in problems.message_for("copy.dcm") or "duplicate" in problems.message_for(
        paths[0].name
    )
    assert "differs" in problems.message_for("scout.dcm")


def test_dicom_without_preamble_or_extension_is_recognised(tmp_path):
    (source,) = generate_ct_series(tmp_path / "src", slices=1, rows=8, cols=8)
    ds = pydicom.dcmread(source)
    del ds.file_meta
    ds.preamble = None
    bare = tmp_path / "in" / "IM0001"
    bare.parent.mkdir()
    pydicom.dcmwrite(bare, ds, implicit_vr=True, little_endian=True)
    assert bare.read_bytes()[128:132] != b"DICM"
    (item,), problems = _scan(bare.parent)
    assert problems.reports == []
    assert item.files[0].path == bare.absolute()


def test_pydicom_sample_ct_imports(tmp_path):
    from pydicom.data import get_testdata_file

    sample = get_testdata_file("CT_small.dcm")
    assert sample is not None
    (item,), problems = _scan(Path(sample))
    assert problems.reports == []
    assert item.meta["rows"] == 128
    assert item.title.startswith("CT — ")


@pytest.mark.parametrize(
    ("sample", "modality", "said"),
    [
        ("rtplan.dcm", None, "a radiotherapy plan (not an image)"),
        ("rtstruct.dcm", None, "a radiotherapy structure set"),
        ("CT_small.dcm", "SR", "a DICOM structured report"),
        ("CT_small.dcm", "SM", "a slide microscopy image: import the slide's folder"),
        ("CT_small.dcm", "XC", "DICOM modality 'XC' is not one Caliper imports"),
    ],
)
def test_dicom_out_of_scope_is_said_in_words_naming_the_file(tmp_path, sample, modality, said):
    from pydicom.data import get_testdata_file

    source = get_testdata_file(sample)
    assert source is not None
    target = tmp_path / "study" / "image01.dcm"
    target.parent.mkdir()
    dataset = pydicom.dcmread(source, force=True)  # rtstruct.dcm has no preamble
    if modality is not None:
        dataset.Modality = modality
    dataset.save_as(target, enforce_file_format=False)
    items, problems = _scan(target.parent)
    assert items == []
    ((path, message),) = problems.reports
    assert path.name == "image01.dcm"
    assert said in message


def test_strict_read_raises_an_import_problem_naming_the_file(tmp_path):
    bad = tmp_path / "bad.dcm"
    bad.write_bytes(b"not dicom at all" * 20)
    with pytest.raises(ImportProblem, match=r"bad\.dcm") as caught:
        DicomImporter().read([bad])
    assert caught.value.path == bad


# ---------------------------------------------------------------- WFDB


def test_wfdb_record_imports_with_meta(tmp_path):
    header = write_ecg(tmp_path / "rec", seed=1)
    (item,), problems = _scan(tmp_path)
    assert problems.reports == []
    assert item.modality == "waveform"
    assert [f.name for f in item.files] == ["rec.hea", "rec.dat"]
    assert item.files[0].path == header.absolute()
    assert item.meta["leads"] == 12
    assert item.meta["fs"] == 500
    assert item.meta["duration_s"] == 10
    assert item.meta["signal_names"][:3] == ["I", "II", "III"]
    assert item.title == "ECG — rec (12 leads, 10 s)"


def test_truncated_wfdb_signal_file_is_reported(tmp_path):
    write_ecg(tmp_path / "rec")
    dat = tmp_path / "rec.dat"
    dat.write_bytes(dat.read_bytes()[:1000])
    items, problems = _scan(tmp_path)
    assert items == []
    message = problems.message_for("rec.dat")
    assert "truncated" in message
    assert "120000" in message  # 5000 samples x 12 leads x 2 bytes


def test_missing_wfdb_signal_file_is_reported(tmp_path):
    write_ecg(tmp_path / "rec")
    (tmp_path / "rec.dat").unlink()
    items, problems = _scan(tmp_path)
    assert items == []
    assert "missing" in problems.message_for("rec.dat")


def test_corrupt_header_and_orphan_signal_file_are_reported(tmp_path):
    (tmp_path / "bad.hea").write_bytes(b"\x00\x01 this is no header\n")
    (tmp_path / "bad.dat").write_bytes(b"\x00" * 64)
    (tmp_path / "lonely.dat").write_bytes(b"\x00" * 64)
    items, problems = _scan(tmp_path)
    assert items == []
    assert problems.names() == {"bad.hea", "lonely.dat"}  # bad.dat goes with its bad header
    assert "not a valid WFDB header" in problems.message_for("bad.hea")
    assert "no .hea header" in problems.message_for("lonely.dat")


def test_selecting_only_the_signal_file_imports_the_record(tmp_path):
    write_ecg(tmp_path / "rec")
    (item,), problems = _scan(tmp_path / "rec.dat")
    assert problems.reports == []
    assert [f.name for f in item.files] == ["rec.hea", "rec.dat"]


# ---------------------------------------------------------------- text and audio


def test_text_notes_decode_with_fallback_and_take_their_title_from_line_one(tmp_path):
    (tmp_path / "a.txt").write_text("\n  Progress note  \nBody\n", encoding="utf-8")
    (tmp_path / "b.md").write_bytes("# Caf\xe9 visit\nna\xefve\n".encode("cp1252"))
    (tmp_path / "c.txt").write_text("Bonjour\n", encoding="utf-16")
    (tmp_path / "empty.txt").write_text("  \n", encoding="utf-8")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    items, problems = _scan(tmp_path)
    titles = {item.title: item.meta for item in items}
    assert titles["Progress note"]["lines"] == 3
    assert titles["Café visit"]["encoding"] == "cp1252"
    assert titles["Bonjour"]["encoding"] == "utf-16"
    assert titles["Progress note"]["characters"] == len("\n  Progress note  \nBody\n")
    assert problems.names() == {"empty.txt", "binary.txt"}
    assert "empty" in problems.message_for("empty.txt")
    assert "binary" in problems.message_for("binary.txt")


def test_audio_imports_and_garbage_audio_is_reported(tmp_path):
    import soundfile

    soundfile.write(str(tmp_path / "talk.flac"), np.zeros((8000, 2)), 8000)
    (tmp_path / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunkjunk")
    items, problems = _scan(tmp_path)
    (item,) = items
    assert item.modality == "audio"
    assert item.meta == {
        "samplerate": 8000,
        "channels": 2,
        "frames": 8000,
        "duration_s": 1.0,
        "format": "FLAC",
        "subtype": "PCM_16",
    }
    assert "not a readable audio file" in problems.message_for("broken.wav")


# ---------------------------------------------------------------- scan and registry


def test_cancel_stops_the_scan_and_returns_nothing(tmp_path):
    generate_ct_series(tmp_path, slices=30, rows=8, cols=8)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    items, problems = _scan(tmp_path, cancelled=lambda: len(calls) > 5, progress=progress)
    assert items == []
    assert problems.reports == []
    assert calls[-1][0] < 30  # it stopped part way through


def test_progress_counts_every_file_up_to_the_total(tmp_path):
    generate_ct_series(tmp_path, slices=5, rows=8, cols=8)
    (tmp_path / "note.txt").write_text("Note\n", encoding="utf-8")
    (tmp_path / "what.xyz").write_bytes(b"?")
    calls: list[tuple[int, int]] = []
    _scan(tmp_path, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, 7)
    assert calls[-1] == (7, 7)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_missing_path_is_reported(tmp_path):
    items, problems = _scan(tmp_path / "nowhere")
    assert items == []
    assert "does not exist" in problems.message_for("nowhere")


def test_registry_rejects_duplicate_format_ids():
    registry = ImporterRegistry([TextImporter()])
    with pytest.raises(ValueError, match="text"):
        registry.register(TextImporter())
    assert [importer.format_id for importer in default_registry()] == [
        "slide-dicom",
        "dicom-waveform",
        "dicom",
        "wfdb",
        "edf",
        "csv-signals",
        "audio",
        "sitk-image",
        "slide-tiff",
        "slide-openslide",
        "text",
    ]


class _CrashingImporter:
    format_id = "crash"
    modality = "text"

    def claims(self, path: Path) -> bool:
        return path.suffix == ".crash"

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        raise RuntimeError("boom")


def test_an_importer_bug_is_reported_per_file_not_raised(tmp_path, caplog):
    registry = ImporterRegistry([_CrashingImporter(), TextImporter()])
    (tmp_path / "a.crash").write_text("x", encoding="utf-8")
    (tmp_path / "b.crash").write_text("x", encoding="utf-8")
    (tmp_path / "note.txt").write_text("Fine\n", encoding="utf-8")
    items, problems = _scan(tmp_path, registry=registry)
    assert [item.title for item in items] == ["Fine"]
    assert problems.names() == {"a.crash", "b.crash"}
    assert "internal error in the crash importer" in problems.message_for("a.crash")
    assert "boom" in caplog.text


def test_importers_satisfy_the_protocol():
    from workspace.importers import Importer

    for importer in (DicomImporter(), WfdbImporter(), AudioImporter(), TextImporter()):
        assert isinstance(importer, Importer)


def test_a_dicomdir_index_is_skipped_silently(tmp_path):
    from pydicom.fileset import FileSet

    file_set = FileSet()
    for path in generate_ct_series(tmp_path / "src", slices=3, rows=8, cols=8):
        file_set.add(path)
    file_set.write(tmp_path / "media")
    assert (tmp_path / "media" / "DICOMDIR").is_file()
    (item,), problems = _scan(tmp_path / "media")
    assert problems.reports == []
    assert item.meta["slices"] == 3
