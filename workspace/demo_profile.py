"""The demo profile: sample data of every modality, projects and a batch of tasks."""

from __future__ import annotations

import tempfile
from pathlib import Path

from storage.profile import is_profile
from workspace.demo_data import generate_demo_data
from workspace.items import ItemSummary
from workspace.modalities import default_schema_id
from workspace.schema import load_preset
from workspace.workspace import Workspace

#: The demo profile holds only synthetic data, so its passphrase can be printed.
DEMO_PASSPHRASE = "caliper-demo"  # noqa: S105
DEMO_USER = "demo.annotator"


def populate_demo(workspace: Workspace) -> None:
    """Import freshly generated sample data and put every item in a task of a demo batch."""
    with tempfile.TemporaryDirectory(prefix="caliper-demo-") as tmp:
        files = generate_demo_data(Path(tmp))
        items = workspace.import_paths(list(files.values()))
    by_modality: dict[str, list[ItemSummary]] = {}
    for item in items:
        by_modality.setdefault(item.modality, []).append(item)
    for modality, group in sorted(by_modality.items()):
        schema = load_preset(default_schema_id(group[0]))
        project = workspace.ensure_project(f"Demo — {modality}", schema)
        item_ids = [item.id for item in group]
        workspace.create_batch(project, f"Demo {modality} batch", item_ids, track=modality)


def open_or_create_demo(path: Path) -> tuple[Workspace, bool]:
    """Unlock the demo profile at ``path``, creating and filling it first if needed."""
    if is_profile(path):
        return Workspace.unlock(path, DEMO_PASSPHRASE), False
    workspace = Workspace.create(path, DEMO_PASSPHRASE, user=DEMO_USER)
    populate_demo(workspace)
    return workspace, True
