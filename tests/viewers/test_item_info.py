"""The fallback viewer shows an item's details."""

from __future__ import annotations

from tests.app.profiles import NOTE_NAME, text_item_id
from viewers.item_info import ItemInfoViewer


def test_shows_identity_files_and_metadata(qtbot, viewer_workspace):
    item = viewer_workspace.item(text_item_id(viewer_workspace))
    viewer = ItemInfoViewer(viewer_workspace, item)
    qtbot.addWidget(viewer)
    assert viewer.field_value("Item", "Modality") == "text"
    assert viewer.field_value("Item", "Id") == item.id
    assert viewer.field_value("Files", NOTE_NAME) == item.content_digest
    assert viewer.command_stack is None
    assert "no viewer" in viewer.notice.text()
