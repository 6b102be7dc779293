"""The main window: title, docks, item list, opening items, recent items, layout memory."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget

from app.docks.item_list import TASKS
from app.gui import build_main_window
from app.status import OFFLINE, SAVED
from tests.app.profiles import PASSPHRASE, text_item_id
from viewers.item_info import ItemInfoViewer
from viewers.text.viewer import TextViewer
from workspace.schema import load_preset
from workspace.tasks import TaskStatus
from workspace.workspace import Workspace


def test_title_names_the_profile_only(make_window, app_profile_dir):
    window = make_window()
    assert window.windowTitle() == f"Caliper — {app_profile_dir.name}"


def test_docks_present_and_docked(make_window):
    window = make_window()
    docks = {d.objectName(): d for d in window.findChildren(QDockWidget)}
    assert set(docks) == {"itemListDock", "labelPaletteDock", "syncPanelDock"}
    assert window.dockWidgetArea(docks["itemListDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert window.dockWidgetArea(docks["labelPaletteDock"]) == Qt.DockWidgetArea.RightDockWidgetArea
    assert all(d.isVisible() for d in docks.values())
    assert window.status.sync_label.text() == OFFLINE


def test_item_list_groups_by_modality_and_filters(make_window, app_workspace):
    window = make_window()
    dock = window.item_list
    groups = [dock.tree.topLevelItem(i).text(0) for i in range(dock.tree.topLevelItemCount())]
    assert groups == ["Clinical text (1)"]
    assert dock.visible_item_ids() == [text_item_id(app_workspace)]
    dock.filter.setText("no such title")
    assert dock.visible_item_ids() == []
    dock.filter.setText("synthetic")
    assert dock.visible_item_ids() == [text_item_id(app_workspace)]


def test_tasks_are_listed_with_status_and_opening_starts_them(make_window, app_workspace):
    item_id = text_item_id(app_workspace)
    project = app_workspace.ensure_project("Notes", load_preset("clinical-ner"))
    app_workspace.create_batch(project, "Batch 1", [item_id])
    window = make_window()
    tasks_group = window.item_list.tree.topLevelItem(0)
    assert tasks_group.text(0) == f"{TASKS} (1)"
    assert tasks_group.child(0).text(1) == "new"
    window.open_item(item_id)
    assert app_workspace.tasks()[0].status is TaskStatus.IN_PROGRESS
    tasks_group = window.item_list.tree.topLevelItem(0)
    assert tasks_group.child(0).text(1) == "in progress"


def test_double_click_opens_the_item_in_a_text_viewer(qtbot, make_window, app_workspace):
    window = make_window()
    tree = window.item_list.tree
    row = tree.topLevelItem(0).child(0)
    rect = tree.visualItemRect(row)
    # QTest's double click on an item view needs the press that a real one starts with
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    viewer = window.area.current
    assert isinstance(viewer, TextViewer)
    assert "chest pain" in viewer.editor.toPlainText()
    assert window.palette_dock.schema is not None
    assert window.status.save_label.text() == SAVED
    # opening again focuses the same tab
    assert window.open_item(viewer.item.id) is viewer
    assert window.area.tabs.count() == 1


def test_unknown_modality_falls_back_to_item_info(make_window, app_workspace, monkeypatch):
    from viewers.builtins import load_all_viewers

    window = make_window()
    assert load_all_viewers() == []  # none still loading into the registry replaced below
    item = app_workspace.item(text_item_id(app_workspace))
    monkeypatch.setattr("viewers.base._REGISTRY", {"*": ItemInfoViewer})
    viewer = window.area.open(app_workspace, item)
    assert isinstance(viewer, ItemInfoViewer)
    assert viewer.field_value("Item", "Modality") == "text"


def test_recent_items_menu_lists_opened_items(make_window, app_workspace):
    window = make_window()
    recent = window.menus.recent
    recent.rebuild()
    assert [a.text() for a in recent.actions()] == ["No recent items"]
    item_id = text_item_id(app_workspace)
    window.open_item(item_id)
    window.area.close_all()
    recent.rebuild()
    action = recent.actions()[0]
    assert "Synthetic test note" in action.text()
    action.trigger()
    assert window.area.current is not None and window.area.current.item.id == item_id


def test_closing_tab_returns_to_placeholder_and_clears_palette(make_window, app_workspace):
    window = make_window()
    window.open_item(text_item_id(app_workspace))
    window.registry.action("file.close_item").trigger()
    assert window.area.currentWidget() is window.area.placeholder
    assert window.palette_dock.schema is None
    assert not window.registry.action("edit.undo").isEnabled()


def test_geometry_and_dock_state_are_remembered(qtbot, app_profile_dir, app_workspace):
    window = build_main_window(app_profile_dir, app_workspace)
    qtbot.addWidget(window)
    assert not window.state_restored
    window.show()
    window.resize(640, 480)
    window.palette_dock.hide()
    window.close()  # saves the layout and locks the workspace
    assert app_workspace.profile.is_locked
    again = build_main_window(app_profile_dir, None)
    qtbot.addWidget(again)
    assert again.state_restored
    assert (again.width(), again.height()) == (640, 480)
    assert again.palette_dock.isHidden()
    again.close()


def test_docks_folded_for_a_volume_are_not_saved_folded(
    qtbot, app_profile_dir, app_workspace, tmp_path
):
    import SimpleITK as sitk  # noqa: N813

    sitk.WriteImage(sitk.Image(12, 12, 3, sitk.sitkInt16), str(tmp_path / "v.nii.gz"))
    (volume,) = app_workspace.import_paths([tmp_path / "v.nii.gz"])
    window = build_main_window(app_profile_dir, app_workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_item(volume.id)
    assert window.palette_dock.isHidden()
    window.close()
    again = build_main_window(app_profile_dir, None)
    qtbot.addWidget(again)
    assert again.state_restored and not again.palette_dock.isHidden()
    again.close()


def test_window_title_and_settings_never_name_items(qtbot, app_profile_dir, app_workspace):
    window = build_main_window(app_profile_dir, app_workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_item(text_item_id(app_workspace))
    window.close()
    ini = "".join(p.read_text(errors="replace") for p in app_profile_dir.parent.rglob("*.ini"))
    assert ini, "the layout was saved"
    assert "Synthetic" not in ini and "chest" not in ini
    assert "Synthetic" not in window.windowTitle()


def test_open_items_are_reopened_next_time(qtbot, app_profile_dir, app_workspace):
    item_id = text_item_id(app_workspace)
    window = build_main_window(app_profile_dir, app_workspace)
    qtbot.addWidget(window)
    window.open_item(item_id)
    window.close()
    fresh = Workspace.unlock(app_profile_dir, PASSPHRASE)
    again = build_main_window(app_profile_dir, fresh)
    qtbot.addWidget(again)
    assert [v.item.id for v in again.area.viewers] == [item_id]
    again.close()
    assert fresh.profile.is_locked


def test_opening_an_item_in_the_window_reads_the_store_once(make_window, app_workspace):
    from tests.workspace.test_opened_item import counted_transactions

    window = make_window()
    item_id = text_item_id(app_workspace)
    with counted_transactions(app_workspace) as begun:
        viewer = window.open_item(item_id)
    assert isinstance(viewer, TextViewer)
    assert len(begun) == 1


def test_a_volume_viewer_takes_the_palette_docks_width_and_gives_it_back(
    make_window, app_workspace, tmp_path
):
    import SimpleITK as sitk  # noqa: N813

    sitk.WriteImage(sitk.Image(12, 12, 3, sitk.sitkInt16), str(tmp_path / "v.nii.gz"))
    (volume,) = app_workspace.import_paths([tmp_path / "v.nii.gz"])
    window = make_window()
    window.open_item(text_item_id(app_workspace))
    assert window.palette_dock.isVisible()
    viewer = window.open_item(volume.id)
    assert viewer is not None and not viewer.uses_label_palette
    assert not window.palette_dock.isVisible() and not window.sync_panel.isVisible()
    window.area.tabs.setCurrentIndex(0)  # back to the note: its palette comes back
    assert window.palette_dock.isVisible()
