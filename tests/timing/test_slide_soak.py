"""A pathologist at the slide viewer for minutes: pan, zoom, rotate, draw rectangles, ellipses,
lines, polygons, freehand outlines and cells of several classes, drag vertices, merge and subtract
regions, set attributes and classes, delete, undo and redo, click rows of the measurements list
— all through real input in the real event loop, while a 20 ms heartbeat proves the GUI
thread never stalls over 100 ms. The script keeps its own account of what each step should
leave; the document is checked against it after every step, and at the end the profile is
reopened and its stored shapes must be exactly that.

``CALIPER_SLIDE_SOAK_SECONDS`` sets the length (CI: 20 s; a soak: 120 or more) and
``CALIPER_SLIDE_SOAK_SHOTS`` a folder that keeps the screenshots taken mid-way and at the end.
"""

from __future__ import annotations

import gc
import math
import os
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit

from app.gc_tuning import settle_heap
from tests.app.profiles import PASSPHRASE
from tests.slides.generate import write_pyramid
from tests.viewers.slide.conftest import settle
from tests.viewers.volume.qt_input import drag, press, release, wheel
from tests.viewers.volume.test_responsiveness import MAX_STALL_S, Heartbeat
from tests.viewers.waveform.responsiveness import GcPauses
from viewers.attribute_editor import UNSET
from viewers.slide.slide_viewer import SlideViewer
from workspace.annotation_kinds.slide_shapes import REGION_SHAPES, shapely_geometry
from workspace.workspace import Workspace

pytestmark = pytest.mark.timing  # run alone in CI: see packaging/bootstrap.sh

SECONDS = float(os.environ.get("CALIPER_SLIDE_SOAK_SECONDS", "20"))
SHOTS = os.environ.get("CALIPER_SLIDE_SOAK_SHOTS")
PACE_MS = 20  # a user's pause between gestures (the heartbeat ticks meanwhile)
REGIONS = ("tumour", "stroma", "necrosis", "lymphocytes", "other")
CELLS = ("tumour_cell", "lymphocyte", "mitosis", "stromal_cell", "other_cell")
LEFT = Qt.MouseButton.LeftButton


@dataclass(frozen=True)
class Shape:
    """What the script expects of one stored shape."""

    label: str
    shape: str
    attributes: dict[str, Any] = field(default_factory=dict)


Expected = dict[str, Shape]


def _pairs(points: list[tuple[float, float]]) -> list[QPointF]:
    return [QPointF(x, y) for x, y in points]


class Pathologist:
    """Drives one open slide viewer and keeps the account of what each step should do."""

    def __init__(self, viewer: SlideViewer, qtbot: Any, seed: int = 13) -> None:
        self.viewer = viewer
        self.view = viewer.view
        self.qtbot = qtbot
        self.rng = random.Random(seed)
        self.expected: Expected = {}
        self.done: list[Expected] = []
        self.undone: list[Expected] = []
        self.counts: dict[str, int] = {}
        #: The slowest gestures: (seconds, GUI-thread CPU seconds, name), for the report.
        self.slowest: list[tuple[float, float, str]] = []
        self.errors: list[str] = []
        viewer.message.connect(self.errors.append)

    # ------------------------------------------------------------------ account
    @property
    def document(self) -> Any:
        return self.viewer.session.document

    def _edited(self, after: Expected) -> None:
        """One step was pushed: ``after`` is what it should have left."""
        self.done.append(self.expected)
        self.undone.clear()
        self.expected = after

    def check(self, what: str) -> None:
        """The document holds exactly the expected shapes."""
        found = {
            a.id: Shape(a.label, a.data["shape"], dict(a.data.get("attributes", {})))
            for a in self.document.all()
            if a.kind == "slide_shape"
        }
        assert found == self.expected, f"after {what} (told: {self.errors[-3:]})"
        self.counts[what] = self.counts.get(what, 0) + 1

    def _new_ids(self, before: set[str]) -> list[str]:
        return [a.id for a in self.document.all() if a.id not in before]

    # ------------------------------------------------------------------ input
    def _tool(self, title: str) -> None:
        self.viewer.tool_bar.buttons[title].click()

    def _class(self, name: str) -> None:
        assert self.viewer.schema is not None
        self.viewer.set_active_label(self.viewer.schema.class_named(name))

    def _spot(self, margin: float = 90) -> QPointF:
        """A place on the slide in the view, ``margin`` pixels inside both (the whole slide
        shown first when too little of it is in view)."""
        width, height = self.view.reader.dimensions
        transform = self.view.transform
        corners = [transform.to_widget(x, y) for x, y in ((0, 0), (width, height))]
        left, right = sorted(p.x() for p in corners)
        top, bottom = sorted(p.y() for p in corners)
        left, top = max(left, 0) + margin, max(top, 0) + margin
        right, bottom = (
            min(right, self.view.width()) - margin,
            min(bottom, self.view.height()) - margin,
        )
        if right - left < 40 or bottom - top < 40:
            self.qtbot.keyClick(self.view, Qt.Key.Key_Home)
            return self._spot(margin)
        return QPointF(self.rng.uniform(left, right), self.rng.uniform(top, bottom))

    def _listed(self) -> None:
        """Wait until the measurements list shows every shape."""
        model = self.viewer.measurements.model
        wanted = set(self.expected)
        self.qtbot.waitUntil(lambda: {r.annotation_id for r in model.rows} == wanted, timeout=5_000)

    def _click_row(self, annotation_id: str, ctrl: bool = False) -> None:
        self._listed()
        listing = self.viewer.measurements
        row = listing.model.row_of(annotation_id)
        assert row is not None
        index = listing.model.index(row, 1)
        listing.table.scrollTo(index)
        modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier(0)
        centre = listing.table.visualRect(index).center()
        self.qtbot.mouseClick(listing.table.viewport(), LEFT, modifier, centre)

    def _pick(self, wanted: Callable[[Shape], bool]) -> str | None:
        ids = sorted(i for i, s in self.expected.items() if wanted(s))
        return self.rng.choice(ids) if ids else None

    # ------------------------------------------------------------------ steps
    def draw(self) -> None:
        kinds = ["rectangle", "ellipse", "polygon", "freehand", "line", "point", "point"]
        kind = self.rng.choice(kinds)
        label = self.rng.choice(CELLS if kind == "point" else REGIONS)
        self._class(label)
        self._tool({"freehand": "Freehand", "point": "Point"}.get(kind, kind.title()))
        centre = self._spot()
        before = set(self.expected)
        size = self.rng.uniform(20, 70)
        if kind in ("rectangle", "ellipse", "line"):
            corner = centre + QPointF(size, size * self.rng.uniform(0.5, 1.5))
            drag(self.view, LEFT, [centre, (centre + corner) / 2, corner])
        elif kind == "point":
            press(self.view, LEFT, centre)
            release(self.view, LEFT, centre)
        else:
            sides = 5 if kind == "polygon" else 28
            ring = [
                centre
                + QPointF(
                    size * math.cos(2 * math.pi * k / sides),
                    size * math.sin(2 * math.pi * k / sides),
                )
                for k in range(sides)
            ]
            if kind == "polygon":
                for corner in ring:
                    press(self.view, LEFT, corner)
                    release(self.view, LEFT, corner)
                self.qtbot.keyClick(self.view, Qt.Key.Key_Return)
            else:
                drag(self.view, LEFT, ring)
        (new,) = self._new_ids(before)
        shape = "polygon" if kind == "freehand" else kind
        self._edited({**self.expected, new: Shape(label, shape)})
        self.check(f"draw {kind}")

    def navigate(self) -> None:
        move = self.rng.choice(["wheel", "pan", "keys", "rotate", "fit"])
        scale = self.view.transform.scale
        if move == "wheel":
            steps = 2 if scale < 0.3 else -2 if scale > 3 else self.rng.choice([-1, 1])
            wheel(self.view, self._spot(20), steps)
        elif move == "pan":
            self._tool("Pan")
            start = self._spot()
            drag(self.view, LEFT, [start, start + QPointF(-40, 25), start + QPointF(-80, 50)])
        elif move == "keys":
            key = self.rng.choice([Qt.Key.Key_Left, Qt.Key.Key_Right, Qt.Key.Key_Up])
            self.qtbot.keyClick(self.view, key)
        elif move == "rotate":
            shift = self.rng.random() < 0.5
            modifier = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier(0)
            self.qtbot.keyClick(self.view, Qt.Key.Key_R, modifier)
        else:
            self.qtbot.keyClick(self.view, Qt.Key.Key_Home)
        self.check("navigate")

    def set_attribute(self) -> None:
        chosen = self._pick(lambda s: True)
        if chosen is None:
            return
        self._click_row(chosen)
        assert self.viewer.session.selection == [chosen]
        editor = self.viewer.shape_attributes
        name = self.rng.choice(sorted(editor.attributes.fields))
        widget = editor.attributes.fields[name]
        old = self.expected[chosen]
        value: Any
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(self.rng.randrange(widget.count()))
            value = widget.currentData()
            widget.activated.emit(widget.currentIndex())
            assert widget.itemText(0) == UNSET
        elif isinstance(widget, QCheckBox):
            value = not old.attributes.get(name, False)
            widget.click()
        else:
            assert isinstance(widget, QLineEdit)
            number = name.endswith("percent")
            value = self.rng.randrange(0, 101) if number else f"note {self.rng.randrange(1000)}"
            widget.setFocus()
            widget.selectAll()
            self.qtbot.keyClicks(widget, str(value))
            self.qtbot.keyClick(widget, Qt.Key.Key_Return)
        attributes = {k: v for k, v in old.attributes.items() if k != name}
        if value is not None:
            attributes[name] = value
        if attributes != old.attributes:
            self._edited({**self.expected, chosen: replace(old, attributes=attributes)})
        self.check("set attribute")

    def change_class(self) -> None:
        chosen = self._pick(lambda s: True)
        if chosen is None:
            return
        self._click_row(chosen)
        assert self.viewer.shape_attributes.shape_id == chosen
        old = self.expected[chosen]
        label = self.rng.choice(CELLS if old.shape == "point" else REGIONS)
        box = self.viewer.shape_attributes.classes
        box.setCurrentIndex(box.findData(label))
        box.activated.emit(box.currentIndex())
        if label != old.label:
            schema = self.viewer.schema
            allowed = {a.name for a in schema.attributes_for(label)}
            kept = {k: v for k, v in old.attributes.items() if k in allowed}
            self._edited({**self.expected, chosen: Shape(label, old.shape, kept)})
        self.check("change class")

    def move_vertex(self) -> None:
        chosen = self._pick(lambda s: s.shape in ("rectangle", "ellipse"))
        if chosen is None:
            return
        self._click_row(chosen)  # selects it and centres the view on it
        ring = self.document.get(chosen).data["geometry"]["coordinates"][0]
        transform = self.view.transform
        vertex = transform.to_widget(*ring[0])
        middle = transform.to_widget(
            sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
            sum(p[1] for p in ring[:-1]) / (len(ring) - 1),
        )
        out = vertex - middle
        length = math.hypot(out.x(), out.y()) or 1.0
        to = vertex + out * (15 / length)
        if not self.view.rect().adjusted(10, 10, -10, -10).contains(to.toPoint()):
            return
        self._tool("Select")
        drag(self.view, LEFT, [vertex, (vertex + to) / 2, to])
        moved = self.document.get(chosen).data["geometry"]["coordinates"][0][0]
        expected = transform.to_slide(to)
        assert moved == pytest.approx([expected.x(), expected.y()], abs=1e-6)
        old = self.expected[chosen]
        self._edited({**self.expected, chosen: replace(old, shape="polygon")})
        self.check("move vertex")

    def combine(self) -> None:
        regions = sorted(i for i, s in self.expected.items() if s.shape in REGION_SHAPES)
        if len(regions) < 2:
            return
        first, second = self.rng.sample(regions, 2)
        self._click_row(first)
        self._click_row(second, ctrl=True)
        assert self.viewer.session.selection == [first, second]
        a, b = (shapely_geometry(self.document.get(i).data["geometry"]) for i in (first, second))
        union = self.rng.random() < 0.5
        result = a.union(b) if union else a.difference(b)
        self.viewer.tool_bar.buttons["Union" if union else "Subtract"].click()
        after = {k: v for k, v in self.expected.items() if k != second}
        if result.is_empty:  # nothing of the first would be left: refused, told
            assert "nothing of the region" in self.errors[-1]
            self.check("refused subtract")
            return
        shape = "polygon" if result.geom_type == "Polygon" else "multipolygon"
        after[first] = replace(self.expected[first], shape=shape)
        self._edited(after)
        self.check("union" if union else "subtract")

    def delete(self) -> None:
        chosen = self._pick(lambda s: True)
        if chosen is None:
            return
        self._click_row(chosen)
        table = self.viewer.measurements.table
        table.setFocus()
        self.qtbot.keyClick(table, Qt.Key.Key_Delete)
        self._edited({k: v for k, v in self.expected.items() if k != chosen})
        self.check("delete")

    def undo(self) -> None:
        stack = self.viewer.command_stack
        assert stack is not None
        if self.done:
            stack.undo()
            self.undone.append(self.expected)
            self.expected = self.done.pop()
        self.check("undo")

    def redo(self) -> None:
        stack = self.viewer.command_stack
        assert stack is not None
        if self.undone:
            stack.redo()
            self.done.append(self.expected)
            self.expected = self.undone.pop()
        self.check("redo")

    def step(self) -> None:
        """One gesture, chosen as a pathologist's session mixes them."""
        steps: list[tuple[Callable[[], None], int]] = [
            (self.draw, 30),
            (self.navigate, 25),
            (self.set_attribute, 12),
            (self.change_class, 5),
            (self.move_vertex, 6),
            (self.combine, 6),
            (self.delete, 5),
            (self.undo, 7),
            (self.redo, 4),
        ]
        action = self.rng.choices([s for s, _ in steps], [w for _, w in steps])[0]
        began, cpu = time.perf_counter(), time.thread_time()
        action()
        took = (time.perf_counter() - began, time.thread_time() - cpu, action.__name__)
        self.slowest = sorted([*self.slowest, took], reverse=True)[:6]


class CpuHeartbeat(Heartbeat):
    """The heartbeat, also noting the GUI thread's CPU time at each beat: a long gap with
    little CPU spent in it was the machine's load (another process ran), not our code."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []
        self.skipped: set[int] = set()
        self.timer.timeout.connect(lambda: self.cpu.append(time.thread_time()))

    def start(self) -> None:
        super().start()
        self.cpu = [time.thread_time()]

    def stop(self) -> None:
        super().stop()
        self.cpu.append(time.thread_time())

    @contextmanager
    def aside(self) -> Iterator[None]:
        """Leave out the time of the block (a screenshot: the test's, not the user's)."""
        first = len(self.beats) - 1
        yield
        self.beats.append(time.perf_counter())
        self.cpu.append(time.thread_time())
        self.skipped.add(first)

    def gaps(self) -> list[tuple[float, float]]:
        """(wall, GUI-thread CPU) seconds between beats, the set-aside blocks left out."""
        return [
            (self.beats[n + 1] - self.beats[n], self.cpu[n + 1] - self.cpu[n])
            for n in range(min(len(self.beats), len(self.cpu)) - 1)
            if n not in self.skipped
        ]

    def longest_stall(self) -> float:
        return max(g for g, _ in self.gaps())

    def worst_gaps(self, count: int = 3) -> str:
        """The longest gaps, each with the CPU time the GUI thread spent in it."""
        worst = sorted(self.gaps(), reverse=True)[:count]
        return ", ".join(f"{g * 1000:.0f} ms (CPU {c * 1000:.0f} ms)" for g, c in worst)


@pytest.fixture
def unfrozen_after() -> Iterator[None]:
    """Unfreeze the heap after the test (the rest of the session collects as usual)."""
    yield
    gc.unfreeze()


def _shot(viewer: SlideViewer, folder: Path, name: str) -> Path:
    path = folder / f"slide-soak-{name}.png"
    assert viewer.grab().save(str(path))
    return path


def test_a_pathologist_works_for_minutes_without_a_stall(
    viewer_workspace: Workspace, tmp_path: Path, qtbot: Any, unfrozen_after: None
) -> None:
    slide = tmp_path / "biopsy.tif"
    write_pyramid(slide, 6000, 4000, levels=4, mpp=0.5)
    (item,) = viewer_workspace.import_paths([slide])
    viewer = SlideViewer(viewer_workspace, item)
    qtbot.addWidget(viewer)
    viewer.resize(1400, 860)
    viewer.show()
    qtbot.waitExposed(viewer)
    settle(qtbot, viewer.view)
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    user = Pathologist(viewer, qtbot)
    for _ in range(12):  # something on the slide before the clock starts
        user.draw()
    settle_heap()
    heartbeat, collections = CpuHeartbeat(), GcPauses()
    heartbeat.start()
    collections.start()
    began = time.perf_counter()
    steps, mid_shot = 0, False
    while time.perf_counter() - began < SECONDS:
        user.step()
        steps += 1
        qtbot.wait(PACE_MS)
        if not mid_shot and time.perf_counter() - began > SECONDS / 2:
            mid_shot = True
            with heartbeat.aside():
                _shot(viewer, shots, "mid")
    heartbeat.stop()
    collections.stop()
    user._listed()
    _shot(viewer, shots, "end")
    stall = heartbeat.longest_stall()
    print(f"{steps} steps in {SECONDS:.0f} s, {len(user.expected)} shapes, {user.counts}")
    print(f"longest heartbeat gap {stall * 1000:.0f} ms; screenshots in {shots}")
    print(f"longest gaps: {heartbeat.worst_gaps()}; collections: {collections.summary()}")
    print(
        "slowest gestures: "
        + ", ".join(f"{n} {t * 1000:.0f} ms (CPU {c * 1000:.0f})" for t, c, n in user.slowest)
    )

    listing = viewer.measurements
    assert listing.model.rowCount() == len(user.expected)
    assert {r.annotation_id for r in listing.model.rows} == set(user.expected)
    geometries = {a.id: a.data["geometry"] for a in user.document.all()}
    viewer.shutdown()
    profile_path = viewer_workspace.profile.path
    viewer_workspace.lock()
    reopened = Workspace.unlock(profile_path, PASSPHRASE)
    try:
        stored = [a for a in reopened.annotations(item.id) if a.kind == "slide_shape"]
        assert {
            a.id: Shape(a.label or "", a.data["shape"], dict(a.data.get("attributes", {})))
            for a in stored
        } == user.expected
        assert {a.id: a.data["geometry"] for a in stored} == geometries
    finally:
        reopened.lock()
    assert steps > SECONDS  # more than one gesture a second
    busiest = max(c for _, c in heartbeat.gaps())  # holds even on a loaded machine
    assert busiest < MAX_STALL_S, f"the GUI thread computed {busiest * 1000:.0f} ms at once"
    assert stall < MAX_STALL_S, f"longest heartbeat gap {stall * 1000:.0f} ms"
