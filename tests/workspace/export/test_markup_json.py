"""The JSON report carries landmarks and 3D boxes beside rulers and findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from workspace.annotations import AddAnnotation
from workspace.demo_data import generate_ct_series
from workspace.export.item_export import export_item
from workspace.segmentation.measurements import box3d, landmark
from workspace.workspace import Workspace


def test_landmarks_and_boxes_in_the_json_report(profile_dir: Path, tmp_path: Path) -> None:
    generate_ct_series(tmp_path / "ct", slices=8, rows=16, cols=16)
    workspace = Workspace.unlock(profile_dir, PASSPHRASE)
    try:
        (item,) = workspace.import_paths([tmp_path / "ct"])
        geometry = workspace.load_volume(item.id).geometry
        stack, document = workspace.command_stack(item.id), workspace.document(item.id)
        point = landmark(item.id, geometry, (2.0, 3.0, 4.0), "lesion")
        box = box3d(item.id, geometry, (1, 2, 3), (4, 6, 8), "liver")
        stack.push(AddAnnotation(document, point))
        stack.push(AddAnnotation(document, box))
        (out,) = export_item(workspace, item.id, "json", tmp_path / "report.json")
    finally:
        workspace.lock()
    report = json.loads(out.read_text(encoding="utf-8"))
    (mark,) = report["landmarks"]
    assert mark["label"] == "lesion" and mark["point_lps_mm"] == pytest.approx(point.data["point"])
    (stored_box,) = report["boxes"]
    assert stored_box["label"] == "liver"
    assert stored_box["volume_ml"] == pytest.approx(box.data["volume_ml"])
    assert stored_box["corners_lps_mm"] == [pytest.approx(c) for c in box.data["corners"]]
