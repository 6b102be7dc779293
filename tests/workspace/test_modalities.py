"""The modality registry: one spec per modality, from which every modality list derives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workspace.export.formats import export_formats, formats_for, modalities_of
from workspace.importers.registry import BUILTIN_IMPORTERS
from workspace.items import ItemSummary
from workspace.modalities import (
    ModalitySpec,
    UnknownModalityError,
    default_schema_id,
    modalities,
    modality,
    modality_ids,
    register_modality,
    schema_modality_names,
)
from workspace.schema import SchemaError, list_presets, load_preset, parse_schema
from workspace.sync.documents import SCHEMA_DIR

BUILTINS = ("volume", "text", "waveform", "audio", "slide")


def _item(modality_id: str, **meta: object) -> ItemSummary:
    return ItemSummary(
        id="i-1",
        project_id=None,
        modality=modality_id,
        title="t",
        content_digest="0" * 64,
        meta=dict(meta),
        created_at="2026-01-01T00:00:00Z",
    )


def test_the_builtin_modalities_are_registered_once() -> None:
    assert modality_ids() == BUILTINS
    assert [spec.id for spec in modalities()] == list(BUILTINS)
    with pytest.raises(ValueError, match="'text' is already registered"):
        register_modality(modality("text"))
    assert modality_ids() == BUILTINS


def test_an_unknown_modality_is_an_error_never_a_fallback() -> None:
    with pytest.raises(UnknownModalityError, match=r"unknown modality 'genome' \(known: audio,"):
        modality("genome")
    with pytest.raises(UnknownModalityError, match="'genome'"):
        default_schema_id(_item("genome"))


def test_a_spec_is_checked_when_made() -> None:
    with pytest.raises(ValueError, match="is not lower-case"):
        ModalitySpec(id="Slide", display_name="Slides", default_schema=lambda item: "x")
    with pytest.raises(ValueError, match="collect format 'brat' is not among its export"):
        ModalitySpec(
            id="slide", display_name="S", default_schema=lambda item: "x", collect_format="brat"
        )


def test_the_manifest_json_schema_lists_exactly_the_registered_modalities() -> None:
    manifest = json.loads((SCHEMA_DIR / "manifest.schema.json").read_text(encoding="utf-8"))
    item = manifest["properties"]["tasks"]["items"]["properties"]["item"]
    assert item["properties"]["modality"]["enum"] == list(modality_ids())


def test_every_importer_makes_a_registered_modality_that_names_its_format() -> None:
    for make in BUILTIN_IMPORTERS:
        importer = make()
        assert importer.format_id in modality(importer.modality).import_formats


def test_every_default_schema_is_a_shipped_preset_for_its_modality() -> None:
    presets = {path.stem for path in list_presets()}
    samples = [
        _item("volume"),
        _item("text"),
        _item("audio"),
        _item("slide"),
        _item("waveform", signal_names=["I", "II", "V1"]),
        _item("waveform", signal_names=["EEG Fp1-REF", "EEG C3-REF", "EEG O2-REF", "ECG"]),
        _item("waveform", signal_names=["resp", "pleth"]),
    ]
    for sample in samples:
        schema = load_preset(default_schema_id(sample))
        assert schema.id in presets
        spec = modality(sample.modality)
        assert set(schema.modalities) <= {spec.id, *spec.variants}


def test_an_ecg_an_eeg_and_a_generic_waveform_get_different_schemas() -> None:
    ecg = _item("waveform", signal_names=["MLII", "V5"])
    eeg = _item("waveform", signal_names=["Fp1", "Fp2", "C3", "C4", "O1", "O2", "ECG"])
    generic = _item("waveform", signal_names=["Resp", "SpO2"])
    unnamed = _item("waveform")
    assert default_schema_id(ecg) == "ecg-beats-rhythms"
    assert default_schema_id(eeg) == "eeg-events"
    assert default_schema_id(generic) == "waveform-events"
    assert default_schema_id(unnamed) == "waveform-events"


def test_schemas_may_name_registered_modalities_and_their_variants_only() -> None:
    assert {"volume", "ct", "mr", "text", "waveform", "ecg", "eeg", "audio"} <= set(
        schema_modality_names()
    )
    document = {
        "id": "s",
        "name": "S",
        "version": "1",
        "modalities": ["genome"],
        "classes": [{"name": "a", "color": "#000000"}],
    }
    with pytest.raises(SchemaError, match="unknown modality 'genome'"):
        parse_schema(document, "s.json")


def test_export_formats_come_from_the_specs() -> None:
    assert export_formats() == (
        "dicom-seg",
        "nifti",
        "nrrd",
        "sr",
        "json",
        "brat",
        "bioc",
        "jsonl",
        "deid-text",
        "wfdb",
        "edf",
        "csv",
        "textgrid",
        "rttm",
        "vtt",
        "geojson",
        "dicom-ann",
    )
    assert formats_for("waveform") == ("wfdb", "edf", "csv")
    assert modalities_of("brat") == ("text",)
    assert formats_for("slide") == ("geojson", "dicom-ann")
    with pytest.raises(UnknownModalityError):
        formats_for("genome")


def test_no_modality_list_is_left_in_the_code() -> None:
    """The literal lists this registry replaced stay gone (a guard against copies)."""
    root = Path(__file__).resolve().parents[2]
    for relative in (
        "workspace/schema.py",
        "workspace/workspace.py",
        "app/docks/item_list.py",
        "workspace/export/formats.py",
        "workspace/sync/queue_collect.py",
    ):
        source = (root / relative).read_text(encoding="utf-8")
        for literal in ('"waveform"', '"audio"', '"slide"'):
            assert literal not in source, f"{relative} lists {literal}"
