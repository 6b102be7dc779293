"""The slide's label and macro in the viewer: read and decoded on a worker thread (a placeholder
meanwhile), never read when the profile hides labels, each showing audited, and a label whose
setting was turned off while it was being read is not shown."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from storage.models import AuditEntry
from storage.profile import Profile
from viewers.slide.slide_viewer import ASSOCIATED_WIDTH, READING_ASSOCIATED
from workspace.slides.codecs import RGB
from workspace.slides.label import set_labels_shown
from workspace.slides.reader import SlideReader


@pytest.fixture
def reads(monkeypatch) -> Iterator[list[tuple[str, threading.Thread]]]:
    """Each associated image the slide readers read (its name), and on which thread."""
    read: list[tuple[str, threading.Thread]] = []
    original = SlideReader.read_associated

    def read_associated(self: SlideReader, name: str) -> RGB:
        read.append((name, threading.current_thread()))
        return original(self, name)

    monkeypatch.setattr(SlideReader, "read_associated", read_associated)
    yield read


def _label_views(profile: Profile) -> int:
    with profile.database.read() as session:
        return sum(row.event == "slide.label.view" for row in session.query(AuditEntry))


def test_the_label_and_macro_are_decoded_off_the_gui_thread(
    open_viewer, viewer_workspace, reads, qtbot
) -> None:
    set_labels_shown(viewer_workspace.profile, True)
    viewer = open_viewer("aperio.svs")
    assert viewer.label_images.text() == READING_ASSOCIATED  # the placeholder meanwhile
    qtbot.waitUntil(lambda: not viewer.macro_image.pixmap().isNull(), timeout=10_000)
    assert not viewer.label_images.pixmap().isNull()
    label = viewer.label_images.pixmap()
    assert (label.width(), label.height()) == (ASSOCIATED_WIDTH, 120 * ASSOCIATED_WIDTH // 300)
    viewer.tabs.setCurrentIndex(viewer.tabs.indexOf(viewer.label_images.parentWidget()))
    qtbot.waitUntil(lambda: viewer.label_images.height() == label.height())  # laid out, seen
    assert viewer.macro_image.y() >= viewer.label_images.y() + label.height()
    assert sorted(name for name, _ in reads) == ["label", "macro"]
    assert all(thread is not threading.main_thread() for _, thread in reads)
    assert _label_views(viewer_workspace.profile) == 1


def test_nothing_is_read_while_the_profile_hides_labels(
    open_viewer, viewer_workspace, reads
) -> None:
    viewer = open_viewer("aperio.svs")
    assert "Hidden" in viewer.label_images.text() and viewer.associated_job is None
    assert viewer.macro_image.pixmap().isNull() and reads == []
    assert _label_views(viewer_workspace.profile) == 0


def test_a_label_hidden_while_it_was_read_is_not_shown(
    open_viewer, viewer_workspace, monkeypatch, qtbot
) -> None:
    profile = viewer_workspace.profile
    set_labels_shown(profile, True)
    original = SlideReader.read_associated

    def read_then_hide(self: SlideReader, name: str) -> RGB:
        pixels = original(self, name)
        if name == "label":  # the setting is turned off (another window) during the read
            set_labels_shown(profile, False)
        return pixels

    monkeypatch.setattr(SlideReader, "read_associated", read_then_hide)
    viewer = open_viewer("aperio.svs")
    job = viewer.associated_job
    assert job is not None
    qtbot.waitUntil(lambda: viewer.label_images.text() != READING_ASSOCIATED, timeout=10_000)
    assert "patient's name" in viewer.label_images.text()
    assert viewer.label_images.pixmap().isNull() and viewer.macro_image.pixmap().isNull()
    assert _label_views(profile) == 0
