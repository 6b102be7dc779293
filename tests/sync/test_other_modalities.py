"""An ECG and a recording through the queue: results come back as WFDB and TextGrid."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import join_project, run
from workspace.annotations import AddAnnotation, Annotation
from workspace.demo_data import write_conversation, write_ecg
from workspace.schema import load_preset
from workspace.sync.config import load_config
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.outbox import submit_task
from workspace.sync.queue_collect import collect
from workspace.sync.queue_push import PushPlan, push
from workspace.sync.session import sync_once
from workspace.workspace import Workspace

CASES = {
    "waveform": ("ecg-beats-rhythms", "N", {"sample": 1200}, "annotations.atr"),
    "audio": (
        "audio-conversation", "clinician", {"start_s": 0.5, "end_s": 1.5}, "annotations.TextGrid"
    ),
}  # fmt: skip


def _push(manager: Workspace, url: str, folder: Path, schema: str) -> None:
    items = manager.import_paths([folder])
    plan = PushPlan("notes-2026", "ct-chest", load_preset(schema), items, [], 5)

    async def go() -> None:
        async with jetstream(ServerAccess(url)) as (_client, js):
            await push(js, manager.profile, plan)

    run(go())


@pytest.mark.parametrize("modality", list(CASES))
def test_results_in_the_modality_format(
    nats_server: NatsServer, tmp_path: Path, modality: str, manager: Workspace, alice: Workspace
) -> None:
    schema, label, data, expected = CASES[modality]
    folder = tmp_path / "data"
    folder.mkdir()
    if modality == "waveform":
        write_ecg(folder / "rec100")
    else:
        write_conversation(folder / "visit.wav")
    _push(manager, nats_server.url, folder, schema)
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    (task,) = alice.tasks()
    kind = "point" if modality == "waveform" else "interval"
    annotation = Annotation(task.item_id, kind, label, data, author="alice")
    alice.command_stack(task.item_id).push(AddAnnotation(alice.document(task.item_id), annotation))
    submit_task(alice.profile, task.id)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 1

    async def go():
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            return await collect(js, manager.profile, "notes-2026", tmp_path / "out")

    report = run(go())
    assert report.received == 1 and report.rejected == []
    (written,) = (tmp_path / "out").rglob(expected)
    if modality == "waveform":
        import wfdb

        read = wfdb.rdann(str(written.with_suffix("")), "atr")
        assert list(read.sample) == [1200] and list(read.symbol) == ["N"]
    else:
        from praatio import textgrid

        grid = textgrid.openTextgrid(str(written), includeEmptyIntervals=False)
        (tier,) = grid.tiers
        ((start, end, text),) = tier.entries
        assert (start, end) == (0.5, 1.5) and text == "clinician"
