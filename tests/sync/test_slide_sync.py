"""A whole-slide image through the queue: its sealed tiles and index travel as objects and the
workstation reads the same tiles, kept encrypted, with no plaintext tile on its disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from storage.blob_format import is_random_id
from tests.cli.test_batch_files import Cli, _init
from tests.cli.test_cli import assert_one_line_error
from tests.conftest import PASSPHRASE
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


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """The CLI in this process with the test passphrase (as in tests/cli/test_batch_files)."""
    for name in [n for n in os.environ if n.startswith("CALIPER_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("CALIPER_PASSPHRASE", PASSPHRASE)
    return Cli(capsys)


def test_a_slide_in_a_batch_file_reads_the_same_tiles_and_a_flipped_byte_is_refused(
    cli: Cli, tmp_path: Path
) -> None:
    """Its segments travel under their random ids, vouched for by the file's GCM tags (no
    digest to re-check); the workstation stores them under the same ids."""
    folder = tmp_path / "data"
    folder.mkdir()
    write_pyramid(folder / "biopsy.tif", 900, 700, levels=2, mpp=0.5)
    manager, carol = _init(tmp_path, "manager"), _init(tmp_path, "carol")
    batch = tmp_path / "b.clb"
    created = cli.ok(
        "batch", "create", str(folder), "--project", "path", "--out", str(batch),
        "--per-batch", "5", "--profile", manager,
    )  # fmt: skip
    (path,) = [Path(line.split("\t")[2]) for line in created.splitlines() if "\t" in line][:1]
    key = cli.ok("queue", "project-key", "path", "--profile", manager).strip()
    flipped = tmp_path / "flipped.clb"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01  # inside the segment's record
    flipped.write_bytes(bytes(data))
    refused = cli.run("batch", "import", str(flipped), "--project-key", key, "--profile", carol)
    assert_one_line_error(refused, "authentication")
    cli.ok("batch", "import", str(path), "--project-key", key, "--profile", carol)
    sent, received = (Workspace.unlock(Path(p), PASSPHRASE) for p in (manager, carol))
    try:
        (original,) = sent.items()
        (task,) = received.tasks()
        copy = received.item(task.item_id)
        segments = [f.digest for f in received.item_files(copy.id) if f.name.startswith("seg")]
        assert segments and all(is_random_id(s) for s in segments)
        assert segments == [f.digest for f in sent.item_files(original.id)][: len(segments)]
        for segment in segments:
            received.profile.blobs.verify(segment)
        with (
            SlideReader.open(sent.profile.blobs, original) as before,
            SlideReader.open(received.profile.blobs, copy) as after,
        ):
            for column, row in ((0, 0), (3, 2), (1, 1)):
                assert after.read_encoded_tile(0, column, row) == before.read_encoded_tile(
                    0, column, row
                )
    finally:
        sent.lock()
        received.lock()
