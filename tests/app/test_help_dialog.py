"""The shortcut reference is generated from the live actions."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.app.profiles import text_item_id


def test_f1_lists_every_shortcut(qtbot, make_window):
    window = make_window()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.help_dialog
    assert dialog is not None and dialog.isVisible()
    keys = dialog.shortcut_texts()
    for expected in ("Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+I", "Ctrl+L", "F1"):
        assert expected in keys
    assert "1" not in keys  # no item open, no label shortcuts
    dialog.close()


def test_label_shortcuts_appear_when_an_item_is_open(make_window, app_workspace):
    window = make_window()
    window.open_item(text_item_id(app_workspace))
    dialog = window.show_help()
    assert "1" in dialog.shortcut_texts()
    assert "Labels" in {dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())}
    dialog.close()


def test_a_changed_shortcut_shows_up(make_window):
    window = make_window()
    window.registry.action("file.lock").setShortcut("Ctrl+Alt+K")
    dialog = window.show_help()
    assert "Ctrl+Alt+K" in dialog.shortcut_texts()
    assert "Ctrl+L" not in dialog.shortcut_texts()
    dialog.close()


def test_a_label_shortcut_taken_by_the_window_is_not_bound(make_window):
    from workspace.schema import LabelClass, LabelSchema

    window = make_window()
    schema = LabelSchema(
        id="conflict",
        name="Conflict",
        version="1",
        modalities=("text",),
        classes=(
            LabelClass("finding", "#ff0000", shortcut="Ctrl+F"),
            LabelClass("other", "#00ff00", shortcut="7"),
        ),
    )
    window.palette_dock.set_schema(schema)
    assert window.registry.owner_of("Ctrl+F") == "view.filter"
    assert window.registry.owner_of("7") is not None
    assert window.registry.ids("Labels") == [window.registry.owner_of("7")]
    assert window.palette_dock.tree.topLevelItem(0).text(1) == "(Ctrl+F)"


def test_help_lists_the_volume_viewer_gestures(make_window):
    window = make_window()
    window.show_help()
    dialog = window.help_dialog
    texts = dialog.shortcut_texts()
    assert "Page Up, Page Down" in ", ".join(texts)
    assert "Shift+Left-drag" in texts
    dialog.close()
