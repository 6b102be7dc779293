"""Fixtures of the slide viewer tests: generated slides imported into a real profile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.slides.generate import write_pyramid, write_svs
from viewers.slide.slide_view import SlideView
from viewers.slide.slide_viewer import SlideViewer
from workspace.workspace import Workspace

WIDTH, HEIGHT = 1500, 1100


@pytest.fixture(scope="session")
def slide_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("slide-files")
    write_pyramid(folder / "plain.tif", WIDTH, HEIGHT, levels=3, mpp=0.5)
    write_svs(folder / "aperio.svs", WIDTH, HEIGHT, mpp=0.25)
    return {p.name: p for p in folder.iterdir()}


@pytest.fixture
def open_viewer(viewer_workspace: Workspace, slide_files, qtbot) -> Callable[[str], SlideViewer]:
    """Import slide ``name`` and open it in a shown viewer, 900 × 600 pixels."""
    opened: list[SlideViewer] = []

    def open_(name: str) -> SlideViewer:
        (item,) = viewer_workspace.import_paths([slide_files[name]])
        viewer = SlideViewer(viewer_workspace, item)
        qtbot.addWidget(viewer)
        viewer.resize(900, 600)
        viewer.show()
        qtbot.waitExposed(viewer)
        opened.append(viewer)
        return viewer

    yield open_
    for viewer in opened:
        viewer.shutdown()


def settle(qtbot, view: SlideView) -> None:
    """Wait until every tile the view shows at its level is decoded."""

    def done() -> bool:
        view.repaint()  # asks for the tiles it lacks
        wanted = list(view.visible_tiles(view.level))
        return view.loader.pending == 0 and all(key in view.loader.cache for key in wanted)

    qtbot.waitUntil(done, timeout=10_000)
