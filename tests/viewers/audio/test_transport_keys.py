"""No label of an audio schema has a shortcut the audio viewer's transport keys take first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence

from viewers.audio.transport import action_for
from workspace.schema import list_presets, load_schema

AUDIO_PRESETS = [p for p in list_presets() if "audio" in load_schema(p).modalities]


def test_there_is_an_audio_preset() -> None:
    assert AUDIO_PRESETS


@pytest.mark.parametrize("path", AUDIO_PRESETS, ids=lambda p: p.stem)
def test_label_shortcuts_are_not_transport_keys(path) -> None:
    schema = load_schema(path)
    for label in schema.classes:
        if not label.shortcut:
            continue
        key = QKeySequence(label.shortcut)[0].key()
        event = QKeyEvent(QEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)
        assert action_for(event) is None, f"{label.name}: {label.shortcut!r} is a transport key"
