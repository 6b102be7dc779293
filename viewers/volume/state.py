"""What the volume viewer shows and edits with, in one observable model with no Qt.

After glue's ``ViewerState`` and ITK-SNAP's ``GUI/Model``: the window/level, the linked
crosshair, the segment the tools edit, the chosen tool, the brush (radius and disc or sphere)
and the window/level drag mode live here, not on widgets. Each setter fires its event only when
the value changes; the slice views, the Tools and Segments panels and the toolbar observe the
events and write user input back into the state (blocking their own callback, so nothing
echoes), instead of poking each other. Import-linter keeps Qt out of this module.
"""

from __future__ import annotations

from viewers.volume.window_level import DEFAULT_PRESET, PRESETS, WindowLevel
from workspace.events import EmitterGroup, EventEmitter
from workspace.segmentation.tools.paint import DEFAULT_BRUSH_RADIUS_MM

Voxel = tuple[int, int, int]
#: The brush radius the spin box allows, and what [ and ] add or take away (mm).
BRUSH_MIN_MM, BRUSH_MAX_MM = 0.5, 100.0
BRUSH_STEP_MM = 1.0


def _as_set(window_level: tuple[float, float]) -> tuple[float, float]:
    """``(window, level)`` as :class:`WindowLevel` keeps it (the window at least 1)."""
    shown = WindowLevel(*window_level)
    return shown.window, shown.level


class VolumeViewEvents(EmitterGroup):
    """The events of :class:`VolumeViewState`, one per piece of state."""

    def __init__(self) -> None:
        self.window: EventEmitter[[WindowLevel]] = EventEmitter("window")
        self.crosshair: EventEmitter[[Voxel]] = EventEmitter("crosshair")
        self.segment: EventEmitter[[int | None]] = EventEmitter("segment")
        self.tool: EventEmitter[[str | None]] = EventEmitter("tool")
        self.brush: EventEmitter[[float, bool]] = EventEmitter("brush")
        self.window_drag: EventEmitter[[bool]] = EventEmitter("window_drag")
        self.presets: EventEmitter[[tuple[str, ...]]] = EventEmitter("presets")
        self.intensity_range: EventEmitter[[float, float]] = EventEmitter("intensity_range")


class VolumeViewState:
    """One volume viewer's view state; see the module docstring."""

    def __init__(self) -> None:
        self.events = VolumeViewEvents()
        self._window_level = WindowLevel(*PRESETS[DEFAULT_PRESET])
        self._presets: dict[str, tuple[float, float]] = dict(PRESETS)
        self._intensity_range: tuple[float, float] = (-1024.0, 3071.0)
        self._crosshair: Voxel | None = None
        self._segment: int | None = None
        self._tool: str | None = None
        self._brush_radius_mm = DEFAULT_BRUSH_RADIUS_MM
        self._brush_sphere = False
        self._window_drag = False

    # ------------------------------------------------------------------ window/level
    @property
    def window_level(self) -> WindowLevel:
        """The grey mapping every slice view shares (its lookup tables are built once)."""
        return self._window_level

    def set_window(self, window: float, level: float) -> None:
        """A new window and level (the window is at least 1)."""
        new = WindowLevel(window, level)
        if (new.window, new.level) != (self._window_level.window, self._window_level.level):
            self._window_level = new
            self.events.window.emit(new)

    @property
    def presets(self) -> dict[str, tuple[float, float]]:
        """The window/level presets of the volume shown, name -> (window, level), menu order."""
        return dict(self._presets)

    def set_presets(self, presets: dict[str, tuple[float, float]]) -> None:
        """The presets the volume shown is offered (see ``window_level.presets_for``)."""
        if presets != self._presets:
            self._presets = dict(presets)
            self.events.presets.emit(tuple(self._presets))

    def apply_preset(self, name: str) -> None:
        """One of :attr:`presets` by name (KeyError if unknown)."""
        self.set_window(*self._presets[name])

    def apply_preset_number(self, number: int) -> None:
        """The ``number``-th preset (1-based, as Alt+1...); nothing if there are fewer."""
        names = list(self._presets)
        if 1 <= number <= len(names):
            self.apply_preset(names[number - 1])

    @property
    def preset(self) -> str | None:
        """The name of the preset the window/level matches (None: a custom setting)."""
        current = (self._window_level.window, self._window_level.level)
        return next((name for name, wl in self._presets.items() if _as_set(wl) == current), None)

    # ------------------------------------------------------------------ intensities
    @property
    def intensity_range(self) -> tuple[float, float]:
        """The lowest and highest voxel value of the volume shown (tools' sliders span it)."""
        return self._intensity_range

    @intensity_range.setter
    def intensity_range(self, bounds: tuple[float, float]) -> None:
        low, high = float(min(bounds)), float(max(bounds))
        if (low, high) != self._intensity_range:
            self._intensity_range = (low, high)
            self.events.intensity_range.emit(low, high)

    @property
    def window_drag(self) -> bool:
        """Whether a left-drag in a slice view changes the window/level."""
        return self._window_drag

    @window_drag.setter
    def window_drag(self, on: bool) -> None:
        if on != self._window_drag:
            self._window_drag = on
            self.events.window_drag.emit(on)

    # ------------------------------------------------------------------ crosshair
    @property
    def crosshair(self) -> Voxel | None:
        """The voxel ``(k, j, i)`` the linked crosshair marks (None before the volume shows)."""
        return self._crosshair

    @crosshair.setter
    def crosshair(self, voxel: Voxel) -> None:
        voxel = (int(voxel[0]), int(voxel[1]), int(voxel[2]))
        if voxel != self._crosshair:
            self._crosshair = voxel
            self.events.crosshair.emit(voxel)

    # ------------------------------------------------------------------ segment and tool
    @property
    def segment(self) -> int | None:
        """The label value of the segment the tools edit (None: the palette's label decides)."""
        return self._segment

    @segment.setter
    def segment(self, value: int | None) -> None:
        if value != self._segment:
            self._segment = value
            self.events.segment.emit(value)

    @property
    def tool(self) -> str | None:
        """The chosen tool's id (None: no tool, a left-click navigates)."""
        return self._tool

    @tool.setter
    def tool(self, tool_id: str | None) -> None:
        if tool_id != self._tool:
            self._tool = tool_id
            self.events.tool.emit(tool_id)

    # ------------------------------------------------------------------ brush
    @property
    def brush_radius_mm(self) -> float:
        """The brush radius of the paint and erase tools, in millimetres."""
        return self._brush_radius_mm

    @brush_radius_mm.setter
    def brush_radius_mm(self, radius_mm: float) -> None:
        self.set_brush(radius_mm, self._brush_sphere)

    @property
    def brush_sphere(self) -> bool:
        """Whether the brush is a 3D sphere (otherwise a disc in the slice painted on)."""
        return self._brush_sphere

    @brush_sphere.setter
    def brush_sphere(self, sphere: bool) -> None:
        self.set_brush(self._brush_radius_mm, sphere)

    def set_brush(self, radius_mm: float, sphere: bool) -> None:
        """The brush radius (clamped to the allowed range) and shape, reported once."""
        radius_mm = min(max(float(radius_mm), BRUSH_MIN_MM), BRUSH_MAX_MM)
        if (radius_mm, sphere) != (self._brush_radius_mm, self._brush_sphere):
            self._brush_radius_mm, self._brush_sphere = radius_mm, bool(sphere)
            self.events.brush.emit(radius_mm, bool(sphere))

    def step_brush(self, steps: int) -> None:
        """Make the brush ``steps`` × :data:`BRUSH_STEP_MM` larger (negative: smaller)."""
        self.brush_radius_mm = self._brush_radius_mm + steps * BRUSH_STEP_MM
