"""The volume viewer's state model, without Qt: values, events fired once per change, no echo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from viewers.volume.state import BRUSH_MAX_MM, BRUSH_MIN_MM, BRUSH_STEP_MM, VolumeViewState
from viewers.volume.window_level import DEFAULT_PRESET, PRESETS
from workspace.segmentation.tools.erase import EraserOptions
from workspace.segmentation.tools.paint import DEFAULT_BRUSH_RADIUS_MM, BrushOptions


def _record(state: VolumeViewState) -> list[tuple[str, tuple[object, ...]]]:
    seen: list[tuple[str, tuple[object, ...]]] = []
    for name, emitter in state.events.emitters().items():
        emitter.connect(lambda *args, n=name: seen.append((n, args)))
    return seen


def test_the_state_imports_without_qt() -> None:
    code = (
        "import sys, viewers.volume.state\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'vtk')]\n"
        "assert not bad, bad\n"
    )
    root = Path(__file__).resolve().parents[3]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=root, env=env)


def test_defaults_are_the_brush_tools_and_the_default_preset() -> None:
    state = VolumeViewState()
    assert state.brush_radius_mm == DEFAULT_BRUSH_RADIUS_MM == BrushOptions().radius_mm
    assert EraserOptions().radius_mm == DEFAULT_BRUSH_RADIUS_MM
    assert not state.brush_sphere and not state.window_drag
    assert (state.window_level.window, state.window_level.level) == PRESETS[DEFAULT_PRESET]
    assert state.preset == DEFAULT_PRESET
    assert state.crosshair is None and state.segment is None and state.tool is None


def test_each_change_fires_its_event_once_and_repeats_fire_nothing() -> None:
    state = VolumeViewState()
    seen = _record(state)
    state.apply_preset("Lung")
    state.apply_preset("Lung")
    assert [name for name, _ in seen] == ["window"]
    assert state.preset == "Lung"
    state.set_window(123.0, 45.0)
    assert state.preset is None and seen[-1][1][0] is state.window_level
    seen.clear()
    state.crosshair = (3, 4, 5)
    state.crosshair = (3, 4, 5)
    state.segment = 2
    state.segment = 2
    state.tool = "paint"
    state.tool = "paint"
    state.window_drag = True
    state.brush_sphere = True
    state.brush_sphere = True
    assert seen == [
        ("crosshair", ((3, 4, 5),)),
        ("segment", (2,)),
        ("tool", ("paint",)),
        ("window_drag", (True,)),
        ("brush", (DEFAULT_BRUSH_RADIUS_MM, True)),
    ]


def test_the_brush_is_clamped_and_stepped() -> None:
    state = VolumeViewState()
    state.brush_radius_mm = 1000.0
    assert state.brush_radius_mm == BRUSH_MAX_MM
    state.brush_radius_mm = -3.0
    assert state.brush_radius_mm == BRUSH_MIN_MM
    state.brush_radius_mm = 10.0
    state.step_brush(2)
    assert state.brush_radius_mm == 10.0 + 2 * BRUSH_STEP_MM
    state.step_brush(-1)
    assert state.brush_radius_mm == 10.0 + BRUSH_STEP_MM


def test_a_view_writing_back_blocks_its_own_echo() -> None:
    state = VolumeViewState()
    shown: list[float] = []

    class Panel:
        def show(self, radius: float, sphere: bool) -> None:
            shown.append(radius)

    panel, other = Panel(), []
    state.events.brush.connect(panel.show)
    state.events.brush.connect(lambda radius, sphere: other.append(radius))
    with state.events.brush.blocker(panel.show):
        state.brush_radius_mm = 7.0
    assert shown == [] and other == [7.0]
    state.brush_radius_mm = 8.0
    assert shown == [8.0]


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(KeyError):
        VolumeViewState().apply_preset("Nonsense")
