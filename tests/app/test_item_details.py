"""The item list tells two series apart and says on hover where an item came from."""

from __future__ import annotations

from pathlib import Path

import pydicom
from PySide6.QtCore import Qt

from app.docks.item_details import item_label, item_tooltip
from workspace.demo_data import generate_ct_series
from workspace.workspace import Workspace


def test_two_series_with_one_description_differ_in_the_list(
    make_window, app_workspace: Workspace, tmp_path: Path
) -> None:
    for number, folder in ((3, "late"), (2, "early")):
        paths = generate_ct_series(tmp_path / folder, slices=3, rows=8, cols=8, seed=number)
        for path in paths:  # a second series of the same study, same description
            dataset = pydicom.dcmread(path)
            dataset.SeriesNumber = number
            dataset.SeriesInstanceUID = f"1.2.826.0.1.3680043.8.498.{number}"
            dataset.save_as(path)
    items = app_workspace.import_paths([tmp_path / "late", tmp_path / "early"])
    labels = {item_label(item) for item in items}
    assert len(labels) == 2 and all("  ·  Se " in label for label in labels)
    window = make_window()
    flags = Qt.MatchFlag.MatchContains | Qt.MatchFlag.MatchRecursive
    (row,) = window.item_list.tree.findItems("Se 3", flags, 0)
    tooltip = row.toolTip(0)
    assert "Series 3" in tooltip and "3 images" in tooltip
    assert "From late/" in tooltip and "+ 2 more" in tooltip
    assert "Imported " in tooltip


def test_an_item_without_series_keeps_its_title(app_workspace: Workspace) -> None:
    (item,) = [i for i in app_workspace.items() if i.modality == "text"][:1]
    assert item_label(item) == item.title
    assert item_tooltip(item).splitlines()[0] == item.title
