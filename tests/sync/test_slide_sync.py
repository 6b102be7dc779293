"""A whole-slide image through the queue: its sealed tiles and index travel as objects and the
workstation reads the same tiles, kept encrypted, with no plaintext tile on its disk."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.slides.generate import write_pyramid
from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import join_project, run
from workspace.schema import load_preset
from workspace.slides.reader import SlideReader
from workspace.sync.config import load_config
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.queue_push import PushPlan, push
from workspace.sync.session import sync_once
from workspace.workspace import Workspace


def test_a_slide_checked_out_reads_the_same_tiles(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_pyramid(folder / "biopsy.tif", 900, 700, levels=2, mpp=0.5)
    items = manager.import_paths([folder])
    plan = PushPlan("notes-2026", "ct-chest", load_preset("pathology-regions"), items, [], 5)

    async def go() -> None:
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            await push(js, manager.profile, plan)

    run(go())
    join_project(alice, manager, nats_server.url)
    run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    (task,) = alice.tasks()
    item = alice.item(task.item_id)
    assert item.modality == "slide"
    with (
        SlideReader.open(manager.profile.blobs, items[0]) as sent,
        SlideReader.open(alice.profile.blobs, item) as received,
    ):
        assert received.levels == sent.levels and received.mpp == (0.5, 0.5)
        np.testing.assert_array_equal(received.read_tile(0, 2, 1), sent.read_tile(0, 2, 1))
        tile = sent.read_encoded_tile(0, 2, 1)
    stored = b"".join(p.read_bytes() for p in alice.profile.path.rglob("*") if p.is_file())
    assert tile[40:104] not in stored
