"""Fixtures of the single-viewer tests: a real profile with one note."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.profiles import PASSPHRASE, copy_profile, make_template
from viewers.builtins import load_builtin_viewers
from workspace.workspace import Workspace


@pytest.fixture(scope="session")
def viewer_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A profile with one note, made once per session."""
    assert load_builtin_viewers() == []
    return make_template(tmp_path_factory.mktemp("viewer-template"))


@pytest.fixture
def viewer_workspace(viewer_template: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A private unlocked copy of the template."""
    workspace = Workspace.unlock(copy_profile(viewer_template, tmp_path / "p"), PASSPHRASE)
    yield workspace
    if not workspace.profile.is_locked:
        workspace.lock()
