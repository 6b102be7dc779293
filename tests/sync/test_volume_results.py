"""A CT volume through the queue: its label map comes back to the manager as NIfTI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from tests.sync.nats_fixtures import NatsServer
from tests.sync.sync_support import PROJECT, join_project, run
from workspace.demo_data import generate_ct_series
from workspace.schema import load_preset
from workspace.sync.config import load_config
from workspace.sync.connection import ServerAccess, jetstream
from workspace.sync.outbox import submit_task
from workspace.sync.queue_collect import collect
from workspace.sync.queue_push import PushPlan, push
from workspace.sync.session import sync_once
from workspace.volume.model import LabelMap, Segment
from workspace.workspace import Workspace


def test_label_map_round_trip_through_the_queue(
    nats_server: NatsServer, tmp_path: Path, manager: Workspace, alice: Workspace
) -> None:
    import SimpleITK as sitk  # noqa: N813

    generate_ct_series(tmp_path / "ct", slices=12, rows=32, cols=32, patient_name="Qwerty^Ann")
    items = manager.import_paths([tmp_path / "ct"])
    plan = PushPlan(PROJECT, "ct-chest", load_preset("ct-abdomen-organs"), items, [], 1)

    async def do_push() -> None:
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            await push(js, manager.profile, plan)

    run(do_push())
    join_project(alice, manager, nats_server.url, user="")
    run(sync_once(alice.profile, load_config(alice.profile), pull=1))
    (task,) = alice.tasks()
    volume = alice.load_volume(task.item_id)
    np.testing.assert_array_equal(volume.voxels, manager.load_volume(items[0].id).voxels)

    labels = LabelMap.empty_like(volume, [Segment(1, "liver", "#aa3322")])
    labels.labels[3:7, 10:20, 5:15] = 1
    alice.save_segmentation(task.item_id, labels, "test")
    submit_task(alice.profile, task.id)
    assert run(sync_once(alice.profile, load_config(alice.profile))).sent == 1

    out = tmp_path / "results"

    async def do_collect():
        async with jetstream(ServerAccess(nats_server.url)) as (_client, js):
            return await collect(js, manager.profile, PROJECT, out)

    report = run(do_collect())
    assert report.received == 1 and report.rejected == []
    (nifti,) = out.rglob("labels.nii.gz")
    image = sitk.ReadImage(str(nifti))
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), labels.labels)
    assert np.allclose(image.GetOrigin(), volume.geometry.origin)
    assert np.allclose(image.GetSpacing(), volume.geometry.spacing)
    document = json.loads((nifti.parent / "result.json").read_text())
    assert document["labelmap"]["segments"][0]["name"] == "liver"
