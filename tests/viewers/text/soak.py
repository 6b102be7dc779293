"""A physician's session on a long note, driven through the real event loop, with a heartbeat.

A ~200 kB note with a few thousand spans and relations is opened in a :class:`TextViewer`;
then, for ``seconds``, keys and mouse clicks go to the viewer as a person would send them:
double-click a word and press a label's key, relabel, delete, Tab between spans, extend by a
word, Ctrl+F a drug name and label every match, drag a relation from a tag onto a problem and
pick its type, click an arrow and retype or delete it, set an attribute and write a note in
the side panel, pick an ICD-10-CM code, undo and redo, page down and up. Each action is a
generator advanced one step per timer tick, so the event loop runs between every key and
click; a 20 ms heartbeat timer records how long the loop was away. The script keeps its own
record of what the note should hold (each action is one command: undo restores the record
from before it), which the test compares with the profile reopened afterwards.

    xvfb-run -a python -m tests.viewers.text.soak [SECONDS] [--shots DIR]
"""

from __future__ import annotations

import argparse
import gc
import re
import sys
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QElapsedTimer, QEventLoop, QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox

from app.gc_tuning import raise_thresholds, settle_heap
from tests.viewers.waveform.responsiveness import GcPauses
from viewers.text.viewer import TextViewer
from workspace.annotation_kinds.base import ATTRIBUTES, NOTE
from workspace.annotation_kinds.codes import codes_of
from workspace.annotation_kinds.names import RELATION, SPAN
from workspace.annotation_kinds.relations import relation, relation_ends
from workspace.annotation_kinds.spans import fragments_of, span
from workspace.annotations import AddAnnotations, Annotation
from workspace.workspace import Workspace

HEARTBEAT_MS = 20
STEP_MS = 15
WORDS = (  # noqa: SIM905 - a sentence reads better than a list of strings
    "patient reports chest pain fever cough dyspnea since Monday denies nausea vomiting "
    "history of hypertension diabetes mellitus exam reveals crackles bilateral bases plan "
    "chest x-ray CBC BMP follow up in clinic the and with was on for no"
).split()
DRUGS = ("warfarin", "furosemide", "atorvastatin", "insulin", "amiodarone", "heparin")
TEXT_LABELS = ("problem", "medication", "procedure", "test")  # the same attributes
Key = Qt.Key
Mod = Qt.KeyboardModifier


def soak_note(size: int = 200_000, seed: int = 7) -> str:
    """About ``size`` characters of note lines; a drug name now and then (Ctrl+F finds a few)."""
    rng = np.random.default_rng(seed)
    lines, total = [], 0
    while total < size:
        words = list(rng.choice(WORDS, int(rng.integers(6, 14))))
        if rng.random() < 0.05:
            words.insert(int(rng.integers(0, len(words))), str(rng.choice(DRUGS)))
        if rng.random() < 0.08:
            lines.append("")  # paragraph breaks
        line = " ".join(words) + "."
        lines.append(line)
        total += len(line) + 1
    return "\n".join(lines) + "\n"


def seed_annotations(item_id: str, text: str, spans: int, seed: int = 3) -> list[Annotation]:
    """``spans`` spans over words (some nested) and a relation from every tenth span."""
    rng = np.random.default_rng(seed)
    words = [m.span() for m in re.finditer(r"[A-Za-z]+", text)]
    chosen = sorted(rng.choice(len(words) - 2, spans, replace=False))
    made = []
    for n, index in enumerate(chosen):
        start, end = words[index]
        if n % 12 == 5:
            end = words[index + 1][1]  # two words: some spans nest others
        made.append(span(item_id, text, [(start, end)], TEXT_LABELS[n % 4]))
    links = []
    for n in range(0, len(made) - 3, 10):
        source, target = made[n], made[n + 1 + n % 3]
        if source.label in ("medication", "procedure") and target.label == "problem":
            links.append(relation(source, target, "treats"))
        elif source.label == "test" and target.label == "problem":
            links.append(relation(source, target, "reveals"))
    return made + links


@dataclass(frozen=True)
class SpanRecord:
    """What a span should be (immutable: a checkpoint of the session is a shallow copy)."""

    label: str
    fragments: tuple[tuple[int, int], ...]
    attributes: tuple[tuple[str, Any], ...] = ()
    note: str = ""
    codes: tuple[tuple[str, str], ...] = ()


@dataclass
class Expected:
    """What the note should hold: spans and relations by id."""

    spans: dict[str, SpanRecord] = field(default_factory=dict)
    relations: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def copy(self) -> Expected:
        """A checkpoint (records are immutable)."""
        return Expected(dict(self.spans), dict(self.relations))


def stored_state(annotations: list[Annotation]) -> Expected:
    """The spans and relations of ``annotations`` in the shape of :class:`Expected`."""
    state = Expected()
    for a in annotations:
        if a.kind == SPAN:
            state.spans[a.id] = _span_record(a)
        elif a.kind == RELATION:
            ends = relation_ends(a)
            assert ends is not None
            state.relations[a.id] = (a.label or "", ends[0], ends[1])
    return state


def _span_record(a: Annotation) -> SpanRecord:
    return SpanRecord(
        a.label or "",
        tuple((int(start), int(end)) for start, end in fragments_of(a)),
        tuple(sorted((a.data.get(ATTRIBUTES) or {}).items())),
        a.data.get(NOTE) or "",
        tuple(sorted((c.system, c.code) for c in codes_of(a))),
    )


Step = Iterator[None]


class Physician:
    """Sends a session's keys and clicks to ``viewer``, keeping :attr:`expected` in step."""

    def __init__(self, viewer: TextViewer, seed: int = 11) -> None:
        self.viewer = viewer
        self.editor = viewer.editor
        self.viewport = viewer.editor.viewport()
        self.rng = np.random.default_rng(seed)
        self.expected = stored_state(viewer.document.all())
        self._undone: list[Expected] = []
        self._before: list[Expected] = []
        self.done: dict[str, int] = {}
        #: The action under way, and the slowest steps: (ms, action).
        self.current = ""
        self.slowest: list[tuple[float, str]] = []
        #: Heartbeat gaps over 100 ms: (ms, of which this process's CPU ms, the action).
        self.stalls: list[tuple[int, int, str]] = []
        #: The garbage collections made meanwhile (count and longest, per generation).
        self.collections = ""
        self.surprises: list[str] = []
        self.trail: list[str] = []
        self.noops: list[tuple[str, list[tuple[str, str]]]] = []
        self.history: list[tuple[str, dict[str, int]]] = []
        self._events, self._mark, self._open = 0, 0, False
        stack = viewer.command_stack
        assert stack is not None
        stack.changed.connect(self._on_stack_changed)
        #: What the viewer told the user (refusals, failed saves), with the action.
        self.messages: list[tuple[str, str]] = []
        viewer.message.connect(lambda text: self.messages.append((self.current, str(text))))
        viewer.edit_failed.connect(lambda text: self.surprises.append(f"{self.current}: {text}"))
        self.shortcuts = {
            label: QKeySequence(viewer.schema.class_named(label).shortcut or "")[0].key()  # type: ignore[index]
            for label in TEXT_LABELS
        }

    # ------------------------------------------------------------------ helpers
    def _count(self, name: str) -> None:
        self.done[name] = self.done.get(name, 0) + 1

    def _on_stack_changed(self) -> None:
        self._events += 1
        if not self._open:
            self.surprises.append(f"a step nobody asked for during {self.current}")

    def _checkpoint(self) -> None:
        """Before an action that pushes one command: undo comes back here."""
        self.verify()
        self._before.append(self.expected.copy())
        self._mark, self._open = self._events, True

    def _trail(self) -> None:
        """Note the action and the stack's top steps (for a message, should a check fail)."""
        stack = self.viewer.command_stack
        tops = f"{stack.undo_text}|{stack.redo_text}" if stack is not None else ""
        self.trail.append(f"{self.current}: {tops} ({len(self._before)}/{len(self._undone)})")

    def verify(self) -> None:
        """The last action pushed one step (none: it was a no-op, the record goes back)."""
        if not self._open:
            return
        self._open = False
        steps = self._events - self._mark
        if steps == 0:
            self.expected = self._before.pop()
            self._count("no-op")
            self.noops.append((self.current, self.messages[-1:]))
        elif steps > 1:
            self.surprises.append(f"{self.current} pushed {steps} steps")
        else:
            self._undone.clear()

    def _key(self, key: Key, modifiers: Mod = Mod.NoModifier, widget: Any = None) -> None:
        QTest.keyClick(widget or self.editor, key, modifiers)

    def _on_screen(self) -> list[str]:
        """Ids of the spans whose text is on screen (one segment each)."""
        first, last = self.editor.visible_blocks()
        height = self.viewport.height()
        shown = []
        for entry in self.viewer.index.in_lines(first, last):
            pieces = list(self.editor.segments(entry.start, entry.end, first, last))
            if len(pieces) == 1 and pieces[0][2] > 20 and pieces[0][3] < height - 20:
                shown.append(entry.id)
        unknown = [i for i in shown if i not in self.expected.spans]
        if unknown:
            a = self.viewer.document.get(unknown[0])
            raise AssertionError(
                f"unexpected span {a.label} {a.data.get('text')} after {self.trail[-8:]}"
            )
        return shown

    def _middle(self, start: int, end: int) -> QPoint | None:
        first, last = self.editor.visible_blocks()
        pieces = list(self.editor.segments(start, end, first, last))
        if len(pieces) != 1:
            return None
        x1, x2, top, bottom = pieces[0]
        return QPoint(round((x1 + x2) / 2), round((top + bottom) / 2))

    def _click(self, point: QPoint, modifiers: Mod = Mod.NoModifier) -> None:
        QTest.mouseClick(self.viewport, Qt.MouseButton.LeftButton, modifiers, point)

    def _select_span(self, span_id: str) -> Step:
        """Tab-free selection: a click on the span's tag."""
        self.editor.viewport().repaint()
        rect = next((r for r, s in self.editor.tag_rects if s == span_id), None)
        if rect is None:
            return
        self._click(rect.center().toPoint())
        yield

    def _select_one_shown(self) -> Generator[None, None, str | None]:
        """Click a span on screen, picked at random; its id once selected, else None."""
        shown = self._on_screen()
        if not shown:
            return None
        target = shown[int(self.rng.integers(len(shown)))]
        yield from self._select_span(target)
        return target if self.viewer.selected_id == target else None

    # ------------------------------------------------------------------ actions
    def add_span(self) -> Step:
        """Double-click a free word on screen and press a label's key."""
        first, last = self.editor.visible_blocks()
        start = self.viewer.index.line_starts[
            min(first + 2, len(self.viewer.index.line_starts) - 1)
        ]
        stop = self.viewer.index.line_starts[max(first + 3, last - 3)]
        words = [
            m.span()
            for m in re.finditer(r"[A-Za-z]{4,}", self.viewer.text[start:stop])
            if not self.viewer.index.at(start + m.start())
        ]
        if not words:
            return
        a, b = words[int(self.rng.integers(len(words)))]
        a, b = a + start, b + start
        point = self._middle(a, b)
        if point is None:
            return
        QTest.mouseDClick(self.viewport, Qt.MouseButton.LeftButton, Mod.NoModifier, point)
        yield
        if self.viewer.selected_text_range() != (a, b):
            self.viewer.select_range(a, b)  # a double-click on a hyphen or an edge
        label = TEXT_LABELS[int(self.rng.integers(4))]
        self._checkpoint()
        self._key(self.shortcuts[label])
        yield
        new = self.viewer.selected_id
        assert new is not None and new not in self.expected.spans, "no span added"
        self.expected.spans[new] = SpanRecord(label, ((a, b),))
        self._count("add")

    def relabel(self) -> Step:
        target = yield from self._select_one_shown()
        if target is None:
            return
        current = self.expected.spans[target].label
        if current not in TEXT_LABELS:
            return
        label = next(
            lb for lb in TEXT_LABELS[int(self.rng.integers(4)) :] + TEXT_LABELS if lb != current
        )
        self._checkpoint()
        self._key(self.shortcuts[label])
        yield
        self.expected.spans[target] = replace(self.expected.spans[target], label=label)
        self._count("relabel")

    def delete(self) -> Step:
        target = yield from self._select_one_shown()
        if target is None:
            return
        self._checkpoint()
        self._key(Key.Key_Delete)
        yield
        del self.expected.spans[target]
        for rid, (_, source, dest) in list(self.expected.relations.items()):
            if target in (source, dest):
                del self.expected.relations[rid]
        self._count("delete")

    def move_and_extend(self) -> Step:
        """Tab to a few spans, then extend the last one by a word (Shift+Alt+Right)."""
        for _ in range(int(self.rng.integers(1, 4))):
            self._key(Key.Key_Tab)
            yield
        target = self.viewer.selected_id
        if target is None or target not in self.expected.spans:
            return
        fragments = self.expected.spans[target].fragments
        found = re.compile(r"\w+").search(self.viewer.text, fragments[-1][1])
        if found is None or "\n" in self.viewer.text[fragments[-1][1] : found.end()]:
            return  # keep spans within a line
        self._checkpoint()
        self._key(Key.Key_Right, Mod.ShiftModifier | Mod.AltModifier)
        yield
        extended = (*fragments[:-1], (fragments[-1][0], found.end()))
        self.expected.spans[target] = replace(self.expected.spans[target], fragments=extended)
        self._count("extend")

    def find_and_label_all(self) -> Step:
        """Ctrl+F a drug name, label every match medication in one step, close the bar."""
        before = set(self.viewer.index.entries)
        drug = str(self.rng.choice(DRUGS))
        self.editor.setFocus()
        self._key(Key.Key_F, Mod.ControlModifier)
        yield
        bar = self.viewer.find_bar
        bar.phrase.selectAll()
        for letter in drug:  # a key at a time, as typed: each one searches the note
            QTest.keyClicks(bar.phrase, letter)
            yield
        bar.label.setCurrentText("medication")
        self._checkpoint()
        QTest.mouseClick(bar.label_button, Qt.MouseButton.LeftButton)
        yield
        added = [i for i in self.viewer.index.entries if i not in before]
        for span_id in added:
            entry = self.viewer.index.entries[span_id]
            assert self.viewer.text[entry.start : entry.end].lower() == drug, drug
            self.expected.spans[span_id] = SpanRecord("medication", ((entry.start, entry.end),))
        self._key(Key.Key_Escape, widget=bar.phrase)
        yield
        self._count("label all")

    def relate(self) -> Step:
        """Drag from a medication's tag onto a problem on screen; pick the first type."""
        shown = self._on_screen()
        sources = [s for s in shown if self.expected.spans[s].label == "medication"]
        targets = [s for s in shown if self.expected.spans[s].label == "problem"]
        if not sources or not targets:
            return
        source, target = sources[0], targets[-1]
        self.editor.viewport().repaint()
        rect = next((r for r, s in self.editor.tag_rects if s == source), None)
        entry = self.viewer.index.entries[target]
        end = self._middle(entry.start, entry.end)
        if rect is None or end is None:
            return
        start = rect.center().toPoint()
        QTest.mousePress(self.viewport, Qt.MouseButton.LeftButton, Mod.NoModifier, start)
        yield
        QTest.mouseMove(self.viewport, (start + end) / 2)
        yield
        QTest.mouseMove(self.viewport, end)
        QTest.mouseRelease(self.viewport, Qt.MouseButton.LeftButton, Mod.NoModifier, end)
        yield
        menu = self.viewer.relations.menu
        if menu is None or not menu.isVisible():
            return
        before = set(self.viewer.relations.index.entries)
        action = menu.actions()[0]
        kind = action.text()
        self._checkpoint()
        action.trigger()
        menu.close()
        yield
        (new,) = [r for r in self.viewer.relations.index.entries if r not in before]
        self.expected.relations[new] = (kind, source, target)
        self._count("relate")

    def edit_arrow(self) -> Step:
        """Click an arrow's label, then retype it (T, pick another) or delete it (Del)."""
        self.editor.viewport().repaint()
        drawn = [
            a
            for a in self.viewer.relations.layer.drawn
            if 0 < a.label_rect.center().y() < self.viewport.height()
            and a.id in self.expected.relations
        ]
        if not drawn:
            return
        arrow = drawn[int(self.rng.integers(len(drawn)))]
        self._click(arrow.label_rect.center().toPoint())
        yield
        if self.viewer.relations.selected != arrow.id:
            return
        if self.rng.random() < 0.5:
            self._checkpoint()
            self._key(Key.Key_Delete)
            yield
            del self.expected.relations[arrow.id]
            self._count("delete arrow")
            return
        self._key(Key.Key_T)
        yield
        menu = self.viewer.relations.menu
        if menu is None or not menu.isVisible() or not menu.actions():
            self._key(Key.Key_Escape)
            return
        label, source, target = self.expected.relations[arrow.id]
        others = [a for a in menu.actions() if a.text() != label]
        if not others:
            menu.close()
            return
        kind = others[0].text()
        self._checkpoint()
        others[0].trigger()
        menu.close()
        yield
        self.expected.relations[arrow.id] = (kind, source, target)
        self._count("retype arrow")

    def attribute_and_note(self) -> Step:
        """Set certainty in the side panel, then write a note and save it (Ctrl+Enter)."""
        shown = [s for s in self._on_screen() if self.expected.spans[s].label in TEXT_LABELS]
        if not shown:
            return
        target = shown[int(self.rng.integers(len(shown)))]
        yield from self._select_span(target)
        if self.viewer.selected_id != target:
            return
        panel = self.viewer.side_panel
        certainty = panel.fields["certainty"].widget
        assert isinstance(certainty, QComboBox)
        letter = str(self.rng.choice(["a", "p"]))
        # A letter selects the next item starting with it, after the current one.
        texts = [certainty.itemText(i).lower() for i in range(certainty.count())]
        now = certainty.currentIndex()
        chosen = next(
            (
                i
                for k in range(1, len(texts) + 1)
                if texts[i := (now + k) % len(texts)].startswith(letter)
            ),
            None,
        )
        record = self.expected.spans[target]
        if chosen is not None and chosen != now:
            value = certainty.itemData(chosen)
            certainty.setFocus()
            self._checkpoint()
            QTest.keyClick(certainty, Key(ord(letter.upper())))
            yield
            attributes = dict(record.attributes)
            if value is None:
                attributes.pop("certainty", None)
            else:
                attributes["certainty"] = value
            self.expected.spans[target] = replace(
                record, attributes=tuple(sorted(attributes.items()))
            )
            self._count("attribute")
        panel.note.setFocus()
        yield
        words = f"seen {self.done.get('note', 0)}"
        panel.note.selectAll()
        for letter in words:
            QTest.keyClicks(panel.note, letter)
            yield
        self._checkpoint()
        QTest.keyClick(panel.note, Key.Key_Return, Mod.ControlModifier)
        yield
        self.expected.spans[target] = replace(self.expected.spans[target], note=words)
        self._count("note")
        self.editor.setFocus()

    def pick_code(self) -> Step:
        """Search ICD-10-CM for E11.9 in the panel's picker and attach it (Enter)."""
        shown = [s for s in self._on_screen() if self.expected.spans[s].label == "problem"]
        shown = [s for s in shown if ("ICD10CM", "E11.9") not in self.expected.spans[s].codes]
        if not shown:
            return
        target = shown[0]
        yield from self._select_span(target)
        if self.viewer.selected_id != target:
            return
        picker = self.viewer.side_panel.picker
        picker.query.setFocus()
        picker.query.selectAll()
        for letter in "E11.9":
            QTest.keyClicks(picker.query, letter)
            yield
        waited = time.perf_counter()
        while not any(c.code == "E11.9" for c in picker.shown()):
            if time.perf_counter() - waited > 30:
                return
            yield
        picker.results.setCurrentRow(
            next(i for i, c in enumerate(picker.shown()) if c.code == "E11.9")
        )
        self._checkpoint()
        QTest.keyClick(picker.query, Key.Key_Return)
        yield
        record = self.expected.spans[target]
        codes = tuple(sorted([*record.codes, ("ICD10CM", "E11.9")]))
        self.expected.spans[target] = replace(record, codes=codes)
        self._count("code")
        self.editor.setFocus()

    def undo_redo(self) -> Step:
        """Undo one or two steps, and mostly redo them."""
        self.verify()
        stack = self.viewer.command_stack
        assert stack is not None
        for _ in range(int(self.rng.integers(1, 3))):
            if not self._before or not stack.can_undo:
                break
            self._open = True
            stack.undo()
            self._open = False
            self._undone.append(self.expected)
            self.expected = self._before.pop()
            self._count("undo")
            yield
        while self._undone and self.rng.random() < 0.7:
            self._open = True
            stack.redo()
            self._open = False
            self._before.append(self.expected)
            self.expected = self._undone.pop()
            self._count("redo")
            yield

    def scroll(self) -> Step:
        self.editor.setFocus()
        for _ in range(int(self.rng.integers(1, 4))):
            self._key(Key.Key_PageDown if self.rng.random() < 0.8 else Key.Key_PageUp)
            yield
        self._count("scroll")

    def session(self, seconds: float, on_half: Callable[[], None] | None = None) -> Step:
        """Actions in a shuffled cycle until ``seconds`` have passed."""
        actions = [
            self.add_span,
            self.add_span,
            self.relabel,
            self.delete,
            self.move_and_extend,
            self.find_and_label_all,
            self.relate,
            self.edit_arrow,
            self.attribute_and_note,
            self.pick_code,
            self.undo_redo,
            self.scroll,
            self.scroll,
        ]
        began = time.perf_counter()
        halfway = False
        while time.perf_counter() - began < seconds:
            for action in self.rng.permutation(len(actions)):
                self.current = actions[int(action)].__name__
                self.history.append((self.current, dict(self.done)))
                yield from actions[int(action)]()
                yield
                self.verify()
                self._trail()
                assert not self.surprises, self.surprises
            if not halfway and time.perf_counter() - began > seconds / 2 and on_half:
                halfway = True
                on_half()


def run(
    viewer: TextViewer, seconds: float, shots: Path | None = None
) -> tuple[Physician, list[int]]:
    """Drive ``viewer`` for ``seconds`` in the event loop; the heartbeat times (ms)."""
    doctor = Physician(viewer)

    def shot(name: str) -> None:
        if shots is not None:
            viewer.grab().save(str(shots / f"{name}.png"))

    steps = doctor.session(seconds, lambda: shot("soak-midway"))
    thresholds = raise_thresholds()  # what the window does once an item has opened
    settle_heap()
    pauses = GcPauses()
    pauses.start()
    ticks: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    heartbeat = QTimer()
    heartbeat.setInterval(HEARTBEAT_MS)
    doctor.stalls = []

    cpu = [time.process_time()]

    def beat() -> None:
        now, used = clock.elapsed(), time.process_time()
        if ticks and now - ticks[-1] > 100:  # and how much of it this process worked
            doctor.stalls.append((now - ticks[-1], round((used - cpu[0]) * 1000), doctor.current))
        ticks.append(now)
        cpu[0] = used

    heartbeat.timeout.connect(beat)
    loop = QEventLoop()
    driver = QTimer()
    driver.setInterval(STEP_MS)
    failure: list[BaseException] = []

    def advance() -> None:
        began = time.perf_counter()
        try:
            next(steps)
            took = (time.perf_counter() - began) * 1000
            doctor.slowest = sorted([*doctor.slowest, (took, doctor.current)])[-5:]
        except StopIteration:
            loop.quit()
        except Exception as exc:  # noqa: BLE001 - reported after the loop
            failure.append(exc)
            loop.quit()

    driver.timeout.connect(advance)
    heartbeat.start()
    driver.start()
    try:
        loop.exec()
    finally:
        driver.stop()
        heartbeat.stop()
        pauses.stop()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
    doctor.collections = pauses.summary()
    ticks.append(clock.elapsed())
    shot("soak-end")
    if failure:
        raise failure[0]
    return doctor, ticks


def longest_gap(ticks: list[int]) -> int:
    """The longest time between heartbeats, ms."""
    return int(np.max(np.diff([0, *ticks])))


def open_note(workspace: Workspace, note: Path, spans: int) -> tuple[str, TextViewer]:
    """Import ``note``, store its seeded annotations, open it in a shown viewer."""
    from workspace.terminology import icd10cm

    # Built once per process when a code picker opens; the build holds the interpreter for
    # seconds at a time (reported apart): done first, as a session an hour in would find it.
    icd10cm.index()
    (item,) = workspace.import_paths([note])
    text = note.read_text(encoding="utf-8")
    document = workspace.document(item.id)
    workspace.command_stack(item.id).push(
        AddAnnotations(document, seed_annotations(item.id, text, spans))
    )
    workspace.open_item(item.id)
    viewer = TextViewer(workspace, workspace.item(item.id))
    viewer.resize(1400, 900)
    viewer.show()
    layout = viewer.editor.document().documentLayout()
    layout.blockBoundingRect(viewer.editor.document().lastBlock())  # as after reading a while
    QApplication.processEvents()
    viewer.editor.setFocus()
    return item.id, viewer


def main(argv: list[str]) -> int:
    """Soak for SECONDS (default 150) and print what was done and the longest stall."""
    from tests.bench.common import scratch_profile

    parser = argparse.ArgumentParser(prog="soak")
    parser.add_argument("seconds", nargs="?", type=float, default=150.0)
    parser.add_argument("--shots", type=Path, default=None)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp, scratch_profile() as profile:
        note = Path(tmp) / "note.txt"
        note.write_text(soak_note(), encoding="utf-8")
        workspace = Workspace(profile)
        _, viewer = open_note(workspace, note, 3000)
        doctor, ticks = run(viewer, args.seconds, args.shots)
        print(f"done: {doctor.done}")
        print(f"longest heartbeat gap {longest_gap(ticks)} ms over {len(ticks)} beats")
        print(f"stalls (worst first): {sorted(doctor.stalls, reverse=True)[:12]}")
        print(f"slowest steps: {doctor.slowest}")
        print(f"collections: {doctor.collections}")
        viewer.shutdown()
        viewer.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
