"""Exporters are registered by format id and take a narrow input, not the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from workspace.annotation_kinds.spans import span
from workspace.export.base import ExportInput
from workspace.export.registry import (
    exporter,
    exporters,
    register_exporter,
    result_files,
    unregister_exporter,
)
from workspace.items import ItemSummary
from workspace.modalities import modalities
from workspace.schema import load_preset
from workspace.volume.model import LabelMap

NOTE = "No fever. Mild cough.\n"


class NotePayloads:
    """An item's payloads held in memory (a note and nothing else)."""

    def text(self, item: ItemSummary) -> str:
        del item
        return NOTE

    def segmentation(self, item: ItemSummary) -> LabelMap:
        raise AssertionError("a brat export does not read a segmentation")

    def source_headers(self, item: ItemSummary) -> list[object]:
        raise AssertionError("a brat export does not read DICOM headers")

    def reference_headers(self, item: ItemSummary) -> list[object]:
        raise AssertionError("a brat export does not read DICOM headers")


def test_every_export_format_of_every_modality_has_an_exporter() -> None:
    for spec in modalities():
        for fmt in spec.export_formats:
            assert exporter(fmt, spec.id).format_id == fmt
    assert exporter("json", "audio") is not exporter("json", "volume")  # one per modality
    assert exporter("json", "volume") is exporters()["json"]
    assert result_files() == {
        "brat": "annotations.ann",
        "bioc": "annotations.bioc.xml",
        "jsonl": "annotations.jsonl",
        "wfdb": "annotations.atr",
        "textgrid": "annotations.TextGrid",
        "csv": "annotations.csv",
        "edf": "annotations.edf",
        "rttm": "annotations.rttm",
        "vtt": "annotations.vtt",
        "geojson": "annotations.geojson",
    }


def test_a_duplicate_format_is_refused_and_a_new_one_is_found() -> None:
    with pytest.raises(ValueError, match="'brat' is already registered"):
        register_exporter(exporter("brat"))

    class Lines:
        format_id = "lines"
        result_file: str | None = None

        def write(self, source: ExportInput, out: Path) -> list[Path]:
            out.write_text("\n".join(a.label or "" for a in source.annotations))
            return [out]

    register_exporter(Lines())
    try:
        assert exporter("lines").format_id == "lines"
    finally:
        unregister_exporter("lines")
    assert "lines" not in exporters()


def test_the_brat_exporter_needs_only_its_input(tmp_path: Path) -> None:
    item = ItemSummary(id="note-1", modality="text", title="Note", content_digest="x")
    fever = span(item.id, NOTE, [(3, 8)], "problem")
    source = ExportInput(
        item=item,
        annotations=[fever],
        schema=load_preset("clinical-ner"),
        payloads=NotePayloads(),
    )
    written = exporter("brat").write(source, tmp_path / "note.ann")
    assert written[0].read_text(encoding="utf-8") == "T1\tproblem 3 8\tfever\n"
    assert written[1].read_text(encoding="utf-8") == NOTE
