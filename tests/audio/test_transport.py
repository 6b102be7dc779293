"""Keyboard transport: the key map and its effect on a real Player (with no sound device the
play attempts end in the player's one message; the positions and settings still follow)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent

from tests.audio.signals import noise
from viewers.audio.playback import Player
from viewers.audio.transport import TransportAction, action_for, handle_key
from workspace.audio.clip import AudioClip

pytestmark = pytest.mark.gui


def _key(key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, key, modifiers)


@pytest.mark.parametrize(
    ("key", "modifiers", "action"),
    [
        (Qt.Key.Key_Space, Qt.KeyboardModifier.NoModifier, TransportAction.PLAY_PAUSE),
        (Qt.Key.Key_Left, Qt.KeyboardModifier.NoModifier, TransportAction.SEEK_BACK),
        (Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier, TransportAction.SEEK_FORWARD_BIG),
        (Qt.Key.Key_J, Qt.KeyboardModifier.NoModifier, TransportAction.SHUTTLE_BACKWARD),
        (Qt.Key.Key_K, Qt.KeyboardModifier.NoModifier, TransportAction.PAUSE),
        (Qt.Key.Key_L, Qt.KeyboardModifier.NoModifier, TransportAction.SHUTTLE_FORWARD),
        (Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier, None),  # a shortcut, not transport
        (Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, None),
    ],
)
def test_key_map(key, modifiers, action):
    assert action_for(_key(key, modifiers)) is action


@pytest.fixture
def player(qtbot):
    player = Player(AudioClip(noise(10 * 8000), 8000), device="no-such-device")
    yield player
    player.close()


def test_arrows_and_home_end_move_the_playhead(player, qtbot):
    with qtbot.waitSignal(player.position_changed) as moved:
        assert handle_key(player, _key(Qt.Key.Key_Right))
    assert moved.args == [1.0]
    handle_key(player, _key(Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier))
    assert player.position() == 6.0
    handle_key(player, _key(Qt.Key.Key_Left))
    assert player.position() == 5.0
    handle_key(player, _key(Qt.Key.Key_End))
    assert player.position() == 10.0
    handle_key(player, _key(Qt.Key.Key_Home))
    assert player.position() == 0.0
    assert not handle_key(player, _key(Qt.Key.Key_A))


def test_j_and_l_choose_the_direction_and_a_missing_device_is_one_message(player, qtbot):
    errors: list[str] = []
    player.error.connect(errors.append)
    handle_key(player, _key(Qt.Key.Key_J))
    assert player.direction == -1
    assert player.speed == 1.0
    handle_key(player, _key(Qt.Key.Key_L))
    assert player.direction == 1
    assert player.state == "stopped"
    assert len(errors) == 2
    assert all("sound" in e and "\n" not in e for e in errors)


def test_speed_outside_the_range_is_refused(player):
    with pytest.raises(ValueError, match="outside"):
        player.set_speed(4.0)
    assert player.speed == 1.0
