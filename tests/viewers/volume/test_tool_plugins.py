"""A tool is two files: its logic in workspace/segmentation/tools, its UI in viewers/volume/tools.

The test writes a new tool (a click stamps a cube of the edited segment) as two modules in
temporary folders added to the two packages' paths, as if they were files of the packages, and
uses it in the real viewer: chosen by its key, its options page shown, applied by a click, the
labels changed, one undo step, and the edit stored. Nothing else is edited.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

import viewers.volume.tools as ui_package
import workspace.segmentation.tools as logic_package
from tests.viewers.volume.phantom import import_phantom
from tests.viewers.volume.test_tools_panel import SPLEEN, _expected, _select
from tests.viewers.volume.test_volume_viewer import _open
from viewers.volume.reslice import View
from viewers.volume.slice_view import Mode
from viewers.volume.tool_options import OptionsPage
from viewers.volume.tool_ui import (
    ToolUI,
    load_tool_uis,
    register_tool_ui,
    tool_ui,
    tool_uis,
    unregister_tool_ui,
)
from workspace.segmentation.tools.base import Pointer
from workspace.segmentation.tools.registry import tool_ids, unregister_tool
from workspace.workspace import Workspace

LEFT = Qt.MouseButton.LeftButton

LOGIC = '''"""Stamp: a click fills a cube of the edited segment around the voxel clicked."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workspace.segmentation.delta import LabelMapEdit
from workspace.segmentation.editing import paint
from workspace.segmentation.tools.base import Pointer, Tool
from workspace.segmentation.tools.registry import register_tool


@dataclass(frozen=True)
class StampOptions:
    half_width: int = 1


@register_tool
class StampTool(Tool[StampOptions]):
    tool_id = "stamp"
    title = "Stamp"

    @classmethod
    def default_options(cls) -> StampOptions:
        return StampOptions()

    def apply(self, at: Pointer | None = None) -> LabelMapEdit | None:
        voxel = self.pointer(at).voxel
        shape = self.context.document.labels.shape
        h = self.options.half_width
        box = [e for c, n in zip(voxel, shape) for e in (max(c - h, 0), min(c + h + 1, n))]
        k0, k1, j0, j1, i0, i1 = box
        mask = np.ones((k1 - k0, j1 - j0, i1 - i0), dtype=bool)
        segment = self.context.selected()
        return paint(self.context, mask, segment.value, f"stamp {segment.name}", tuple(box))
'''

UI = '''"""Stamp: its options page (the cube's half width) and its button, key and tip."""

from __future__ import annotations

from PySide6.QtWidgets import QSpinBox, QWidget

from viewers.volume.tool_options import OptionsPage, hint
from viewers.volume.tool_ui import Interaction, ToolUI, register_tool_ui
from workspace.segmentation.tools.stamp import StampOptions


class StampPage(OptionsPage):
    tool_id = "stamp"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.half_width = QSpinBox()
        self.half_width.setRange(0, 10)
        self.half_width.setValue(StampOptions().half_width)
        self.form.addRow("Half width", self.half_width)
        self.form.addRow(hint("Click in a slice view to stamp a cube."))
        self._watch(self.half_width)

    def options(self) -> StampOptions:
        return StampOptions(self.half_width.value())


register_tool_ui(
    ToolUI("stamp", "Stamp", "U", "Stamp a cube (click)", StampPage, Interaction.CLICK)
)
'''


def _plug_in(monkeypatch: pytest.MonkeyPatch, package: object, folder: Path) -> None:
    """Make ``folder`` part of ``package``, as if its files were the package's own."""
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])  # type: ignore[attr-defined]


@pytest.fixture
def stamp_tool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The stamp tool's two files, found by the two packages' scans; removed afterwards."""
    logic, ui = tmp_path / "logic", tmp_path / "ui"
    logic.mkdir()
    ui.mkdir()
    (logic / "stamp.py").write_text(LOGIC, encoding="utf-8")
    (ui / "stamp_ui.py").write_text(UI, encoding="utf-8")
    _plug_in(monkeypatch, logic_package, logic)
    _plug_in(monkeypatch, ui_package, ui)
    yield
    unregister_tool_ui("stamp")
    unregister_tool("stamp")
    for name in ("viewers.volume.tools.stamp_ui", "workspace.segmentation.tools.stamp"):
        sys.modules.pop(name, None)


def test_a_tool_added_as_two_files_is_used_in_the_viewer(
    qtbot, stamp_tool, viewer_workspace: Workspace, tmp_path: Path
) -> None:
    item_id = import_phantom(viewer_workspace, tmp_path / "ct", slices=24, rows=48, cols=48)
    viewer = _open(qtbot, viewer_workspace, item_id)
    try:
        assert "stamp" in tool_ids()
        button = viewer.tools.buttons["stamp"]
        assert button.text() == "Stamp" and button.toolTip() == "Stamp a cube (click) (U)"
        _select(qtbot, viewer, SPLEEN)
        axial = viewer.views[View.AXIAL]
        axial.setFocus()
        qtbot.keyClick(axial, Qt.Key.Key_U)
        assert viewer.state.tool == "stamp" and button.isChecked()
        page = viewer.tools.page("stamp")
        assert viewer.tools.stack.currentWidget() is page and not page.isHidden()
        assert viewer.tools.options_box.title() == "Stamp: options" and axial.mode is Mode.CLICK
        page.half_width.setValue(2)  # type: ignore[attr-defined]
        labels = viewer.document.labels
        before = labels.copy()
        seed = (axial.index, 10, 24)
        expected = _expected(
            viewer, "stamp", page.options(), SPLEEN, Pointer(seed, axial.frame.fixed_axis)
        )
        qtbot.mouseClick(axial, LEFT, pos=axial.point_of(seed).toPoint())
        assert np.array_equal(labels, expected) and not np.array_equal(labels, before)
        assert (labels == SPLEEN).sum() - (before == SPLEEN).sum() > 0
        assert viewer.tools.message.text() == "Stamp: applied to spleen."
        stack = viewer.command_stack
        assert stack is not None and stack.undo_text == "stamp spleen"
        stored = viewer_workspace.load_segmentation(item_id).labels
        assert np.array_equal(stored, expected)  # durable at once
        stack.undo()
        assert np.array_equal(labels, before)
        assert np.array_equal(viewer_workspace.load_segmentation(item_id).labels, before)
        qtbot.keyClick(axial, Qt.Key.Key_U)  # its key again puts it down
        assert viewer.state.tool is None and axial.mode is Mode.NAVIGATE
    finally:
        viewer.shutdown()


def test_the_builtin_tools_bring_their_keys_and_every_tool_has_a_ui() -> None:
    keys = {ui.key: ui.tool_id for ui in tool_uis()}
    assert keys == {
        "P": "paint",
        "E": "erase",
        "T": "threshold",
        "G": "region_grow",
        "I": "fill_between",
        "K": "islands",
        "S": "smoothing",
        "O": "logical",
        "N": "landmark",
        "D": "ruler",
        "X": "box3d",
        "L": "polygon",
    }
    assert [ui.tool_id for ui in tool_uis()][:3] == ["paint", "erase", "threshold"]
    assert set(tool_ids()) <= set(keys.values())
    assert tool_ui("threshold").preview and tool_ui("erase").erases


class _Page(OptionsPage):
    tool_id = "paint"


@pytest.mark.parametrize(
    ("ui", "match"),
    [
        (ToolUI("paint", "Again", "Q", "", _Page), "already registered"),
        (ToolUI("other", "Other", "P", "", _Page), "taken by 'paint'"),
    ],
)
def test_a_taken_id_or_key_is_refused(ui: ToolUI, match: str) -> None:
    tool_uis()
    with pytest.raises(ValueError, match=match):
        register_tool_ui(ui)


@pytest.mark.parametrize(("key", "match"), [("W", "viewer's own"), ("pp", "one capital")])
def test_a_bad_key_is_refused(key: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ToolUI("other", "Other", key, "", _Page)


def test_a_broken_ui_module_is_logged_and_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "broken_ui.py").write_text("raise RuntimeError('no')\n", encoding="utf-8")
    _plug_in(monkeypatch, ui_package, tmp_path)
    with caplog.at_level(logging.ERROR):
        assert load_tool_uis() == ["viewers.volume.tools.broken_ui"]
    assert "broken_ui could not be loaded" in caplog.text
    assert len(tool_uis()) == 12


def test_a_ui_without_its_logic_is_left_out(caplog: pytest.LogCaptureFixture) -> None:
    register_tool_ui(ToolUI("ghost", "Ghost", "Q", "", _Page))
    try:
        with caplog.at_level(logging.ERROR):
            assert "ghost" not in [ui.tool_id for ui in tool_uis()]
        assert "ghost has no registered tool" in caplog.text
    finally:
        unregister_tool_ui("ghost")
