"""Fixtures shared by every tier: real encrypted profiles, made cheaply."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.keys import Argon2Params
from storage.profile import Profile

PASSPHRASE = "correct horse battery staple"
#: Cheap Argon2id cost for tests; the key file records it, so unlock uses it too.
FAST_KDF = Argon2Params(time_cost=1, memory_kib=8 * 1024, parallelism=1)


@pytest.fixture(scope="session")
def template_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh, empty profile made once per session (copy it, never use it directly)."""
    path = tmp_path_factory.mktemp("template") / "profile"
    Profile.create(path, PASSPHRASE, user="tester", kdf=FAST_KDF).lock()
    return path


@pytest.fixture
def profile_dir(template_profile: Path, tmp_path: Path) -> Path:
    """A private copy of the template profile (locked)."""
    target = tmp_path / "profile"
    shutil.copytree(template_profile, target)
    return target


@pytest.fixture
def profile(profile_dir: Path) -> Iterator[Profile]:
    """An unlocked private profile, locked again after the test."""
    opened = Profile.unlock(profile_dir, PASSPHRASE)
    yield opened
    if not opened.is_locked:
        opened.lock()


@pytest.fixture(autouse=True)
def _no_theme_left_behind() -> Iterator[None]:
    """A test that applies a theme (app.theme) leaves the application as Qt made it: drawing
    tests on the same worker compare pixels with the default palette."""
    yield
    import sys

    widgets = sys.modules.get("PySide6.QtWidgets")  # never imports Qt for a test without it
    app = widgets.QApplication.instance() if widgets is not None else None
    if app is None or app.property("caliper_theme") is None:
        return
    app.setStyleSheet("")
    app.setPalette(app.style().standardPalette())
    app.setProperty("caliper_theme", None)
