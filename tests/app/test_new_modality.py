"""A new modality is one ModalitySpec and one viewer module, with nothing else edited.

The spec and the viewer below are all this test adds; the item list, the schema choice, the
export formats and what ``queue collect`` writes pick the modality up from the registries.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from app.docks.item_list import modality_name
from app.main_window import MainWindow
from storage.models import QueueResult
from workspace import items as item_store
from workspace.annotations import AddAnnotation, Annotation, now_iso
from workspace.export.formats import export_formats, formats_for, modalities_of
from workspace.export.item_export import export_item
from workspace.importers.base import ImportedItem, file_entry
from workspace.items import ItemSummary
from workspace.modalities import ModalitySpec, register_modality, unregister_modality
from workspace.sync.batching import choose_schemas
from workspace.sync.queue_collect import export_result
from workspace.workspace import Workspace

VIEWER_MODULE = "tests.app.respiration_viewer"
RESPIRATION = ModalitySpec(
    id="respiration",
    display_name="Respiration traces",
    default_schema=lambda item: "waveform-events",
    export_formats=("wfdb",),
    collect_format="wfdb",
    annotation_kinds=("point", "interval"),
    viewer_module=VIEWER_MODULE,
)


@pytest.fixture
def respiration() -> Iterator[ModalitySpec]:
    """The new modality registered for one test, its viewer loaded as the app loads viewers."""
    from viewers.base import unregister_viewer
    from viewers.builtins import load_builtin_viewers

    register_modality(RESPIRATION)
    try:
        assert load_builtin_viewers() == []
        yield RESPIRATION
    finally:
        unregister_modality(RESPIRATION.id)
        unregister_viewer(RESPIRATION.id)
        sys.modules.pop(VIEWER_MODULE, None)


def _store_trace(workspace: Workspace, folder: Path) -> ItemSummary:
    folder.mkdir()
    trace = folder / "breath.hea"
    trace.write_text("breath 1 25 500\nbreath.dat 16 1 0 0 0 0 0 resp\n", encoding="utf-8")
    meta = {"record_name": "breath", "fs": 25.0, "samples": 500, "signal_names": ["resp"]}
    imported = ImportedItem("respiration", "Breathing trace", [file_entry(trace)], meta)
    summary = item_store.store_item(workspace.profile, imported)
    assert summary is not None
    return summary


def test_a_new_modality_is_one_spec_and_one_viewer(
    respiration: ModalitySpec,
    make_window: Callable[..., MainWindow],
    app_workspace: Workspace,
    tmp_path: Path,
) -> None:
    trace = _store_trace(app_workspace, tmp_path / "data")

    # the item list
    window = make_window()
    dock = window.item_list
    tops = (dock.tree.topLevelItem(i) for i in range(dock.tree.topLevelItemCount()))
    groups = [group.text(0) for group in tops if group is not None]
    assert "Respiration traces (1)" in groups
    assert modality_name("respiration") == "Respiration traces"
    assert trace.id in dock.visible_item_ids()

    # its viewer, and the schema the viewer and the label palette use
    viewer = window.open_item(trace.id)
    assert viewer is not None and type(viewer).__module__ == VIEWER_MODULE
    assert viewer.schema.id == "waveform-events"
    assert window.palette_dock.schema is viewer.schema

    # schema choice, for the item and for a push of it beside a note
    assert app_workspace.schema_for(trace).id == "waveform-events"
    note = next(item for item in app_workspace.items() if item.modality == "text")
    _project, chosen = choose_schemas(app_workspace.profile, [note, trace], {})
    assert {chosen[note.id].id, chosen[trace.id].id} == {"clinical-ner", "waveform-events"}

    # export formats
    assert formats_for("respiration") == ("wfdb",)
    assert set(modalities_of("wfdb")) == {"waveform", "respiration"}
    assert "wfdb" in export_formats()
    breath = Annotation(trace.id, "point", "event", {"sample": 100}, author="me")
    app_workspace.command_stack(trace.id).push(
        AddAnnotation(app_workspace.document(trace.id), breath)
    )
    (exported,) = export_item(app_workspace, trace.id, "wfdb", tmp_path / "breath.atr")
    import wfdb

    read = wfdb.rdann(str(exported.with_suffix("")), "atr")
    assert list(read.sample) == [100]

    # what collect writes for a result of it
    stored = app_workspace.annotations(trace.id)[0]
    row = QueueResult(
        result_id=str(uuid.uuid4()),
        project="resp",
        batch_id="b-1",
        task_id="t-1",
        annotator="alice",
        received_at=now_iso(),
        flag="",
        document={
            "item_digest": trace.content_digest,
            "labelmap": None,
            "annotations": [
                {
                    "id": stored.id,
                    "kind": stored.kind,
                    "label": stored.label,
                    "data": stored.data,
                    "author": "alice",
                    "updated_at": stored.updated_at,
                }
            ],
        },
        exported_at=None,
    )
    written = export_result(app_workspace.profile, row, tmp_path / "collected")
    assert [path.name for path in written] == ["result.json", "annotations.atr"]
    collected = wfdb.rdann(str(written[1].with_suffix("")), "atr")
    assert list(collected.sample) == [100]


def test_an_unregistered_modality_gets_no_schema(app_workspace: Workspace, tmp_path: Path) -> None:
    from workspace.modalities import UnknownModalityError

    trace = _store_trace(app_workspace, tmp_path / "data")
    with pytest.raises(UnknownModalityError, match="unknown modality 'respiration'"):
        app_workspace.schema_for(trace)
