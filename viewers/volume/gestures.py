"""The volume viewer's mouse gestures and keys, in the manner of ITK-SNAP and 3D Slicer.

The slice views handle slice stepping, zoom, pan, reset and maximise themselves
(:mod:`viewers.volume.slice_view`), the 3D view its camera (:mod:`viewers.volume.surface_view`),
the viewer the rest, among them the tools' keys (each :class:`~viewers.volume.tool_ui.ToolUI`
brings one letter: digits are the label palette's). The Help dialog lists :data:`GESTURES`
(``Viewer.gestures``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt

from viewers.volume.tool_ui import tool_uis

#: Alt+1 ... Alt+9: the window/level presets in menu order (key -> preset number).
PRESET_KEYS = {Qt.Key.Key_1 + n: n + 1 for n in range(9)}

GESTURES: tuple[tuple[str, str], ...] = (
    ("Next / previous slice", "Wheel, Up, Down, Right, Left, F, B"),
    ("Five slices on / back", "Page Up, Page Down"),
    ("First / last slice", "Home, End"),
    ("Zoom", "Ctrl+Wheel, Right-drag, +, -"),
    ("Pan", "Middle-drag"),
    ("Reset zoom and pan (3D: camera)", "R"),
    ("Place the linked crosshair", "Left-click (no segment selected, or no tool)"),
    ("Window/level drag mode on / off", "W"),
    ("Window/level (in W/L mode): width, level", "Left-drag"),
    ("Window/level presets, in the toolbar's order", "Alt+1…Alt+9"),
    ("Maximise a view / back to 2×2", "Double-click, M, Esc"),
    ("Rotate / pan / zoom the 3D view", "Left-, Middle-, Right-drag in 3D"),
    ("Paint the selected segment or label", "Left-drag (paint tool)"),
    ("Erase the selected segment", "Shift+Left-drag, or the erase tool"),
    *((f"Tool: {ui.title.lower()}", ui.key) for ui in tool_uis()),
    ("Put the tool down (again: its key)", "Esc"),
    ("Brush radius smaller / larger (1 mm)", "[, ]"),
    ("Region grow seed, island to keep or remove", "Left-click (tool chosen)"),
    ("Place a landmark (landmark tool)", "Left-click"),
    ("Measure a distance, draw a 3D box (ruler, 3D box tool)", "Left-drag"),
    ("Adjust a 3D box's extent (3D box tool)", "Left-drag its edge in any view"),
    ("Delete the selected measurement", "Delete (Measurements list)"),
    ("Rename a segment", "Double-click its name, F2 (Segments list)"),
    ("Recolour a segment", "Click its colour swatch, Ctrl+Shift+C (Segments list)"),
    ("Add a new segment", "Insert (Segments list)"),
    ("Duplicate a segment's settings", "Ctrl+D (Segments list)"),
    ("Remove a segment and its voxels", "Delete (Segments list)"),
    ("Show / hide a segment in the slices and 3D", "Ctrl+H (Segments list)"),
)
