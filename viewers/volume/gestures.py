"""The volume viewer's mouse gestures and keys, in the manner of ITK-SNAP and 3D Slicer.

The slice views handle slice stepping, zoom, pan, reset and maximise themselves
(:mod:`viewers.volume.slice_view`), the 3D view its camera (:mod:`viewers.volume.surface_view`),
the viewer the rest. The Help dialog lists :data:`GESTURES` (``Viewer.gestures``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from viewers.volume.window_level import PRESETS

#: Alt+1 ... Alt+5: the window/level presets in menu order.
PRESET_KEYS = {Qt.Key.Key_1 + n: name for n, name in enumerate(PRESETS)}

GESTURES: tuple[tuple[str, str], ...] = (
    ("Next / previous slice", "Wheel, Up, Down, Right, Left, F, B"),
    ("Five slices on / back", "Page Up, Page Down"),
    ("First / last slice", "Home, End"),
    ("Zoom", "Ctrl+Wheel, Right-drag, +, -"),
    ("Pan", "Middle-drag"),
    ("Reset zoom and pan (3D: camera)", "R"),
    ("Place the linked crosshair", "Left-click (no label chosen)"),
    ("Window/level drag mode on / off", "W"),
    ("Window/level (in W/L mode): width, level", "Left-drag"),
    ("Window/level presets: " + ", ".join(PRESETS), "Alt+1…Alt+5"),
    ("Maximise a view / back to 2×2", "Double-click, M, Esc"),
    ("Rotate / pan / zoom the 3D view", "Left-, Middle-, Right-drag in 3D"),
    ("Paint the chosen label", "Left-drag (label chosen)"),
    ("Erase the chosen label", "Shift+Left-drag"),
)
