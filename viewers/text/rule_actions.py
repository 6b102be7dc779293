""" "Suggest PHI" and "Suggest assertions": the shipped rules run as jobs on the open note.

The rules read a snapshot of the note's annotations on a worker thread
(:mod:`viewers.jobs`); their result is pushed on the GUI thread as one command (one undo
step, saved at once), and the counts are reported. Hints computed for a span that changed
meanwhile are dropped rather than overwrite the change.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence

from viewers.jobs import JobContext
from workspace.annotations import AddAnnotations, Annotation, AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.segmentation.compound import CompoundCommand
from workspace.text_rules.suggest import context_command, phi_suggestions

if TYPE_CHECKING:
    from viewers.text.viewer import TextViewer

PHI_SHORTCUT = "Ctrl+Shift+P"
CONTEXT_SHORTCUT = "Ctrl+Shift+H"


def counts_text(counts: Counter[str], what: str) -> str:
    """``"3 phi_name, 1 phi_date"``-style summary (or that nothing new was found)."""
    if not counts:
        return f"No new {what}."
    listed = ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))
    return f"{sum(counts.values())} {what}: {listed}."


def _fresh(document: AnnotationDocument, command: Command) -> list[Command]:
    """``command``'s updates rebuilt on ``document``, for spans unchanged since the snapshot."""
    parts = command.parts if isinstance(command, CompoundCommand) else [command]
    fresh: list[Command] = []
    for part in parts:
        if not isinstance(part, UpdateAnnotation) or part.before.id not in document:
            continue
        if document.get(part.before.id).data == part.before.data:
            fresh.append(UpdateAnnotation(document, part.before.id, data=part.after.data))
    return fresh


class RuleActions(QObject):
    """The two actions of a text viewer and the jobs behind them."""

    #: A run ended: the sentence reporting it.
    finished = Signal(str)

    def __init__(self, viewer: TextViewer) -> None:
        super().__init__(viewer)
        self.viewer = viewer
        self.phi_action = self._action("Suggest PHI", PHI_SHORTCUT, self.suggest_phi)
        self.phi_action.setToolTip(
            f"Propose PHI spans by the shipped rules, to accept or reject ({PHI_SHORTCUT})"
        )
        self.context_action = self._action(
            "Suggest assertions", CONTEXT_SHORTCUT, self.suggest_assertions
        )
        self.context_action.setToolTip(
            "Hint certainty, temporality and experiencer on the entity spans, ConText-style "
            f"({CONTEXT_SHORTCUT})"
        )

    def _action(self, text: str, shortcut: str, slot: object) -> QAction:
        action = QAction(text, self.viewer)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        self.viewer.addAction(action)
        return action

    def _busy(self, busy: bool) -> None:
        for action in (self.phi_action, self.context_action):
            action.setEnabled(not busy)

    def _report(self, text: str) -> None:
        self._busy(False)
        self.viewer.message.emit(text)
        self.finished.emit(text)

    def suggest_phi(self) -> None:
        """Find PHI candidates in the note (a job) and add them as suggestions."""
        viewer = self.viewer
        if viewer.refuse_edit():
            return
        item_id, text, user = viewer.item.id, viewer.text, viewer.workspace.user
        existing = viewer.document.all()

        def work(_: JobContext) -> list[Annotation]:
            return phi_suggestions(item_id, text, existing, user)

        self._busy(True)
        job = viewer.jobs.start("Suggest PHI", work, failure="The PHI rules failed: ")
        job.succeeded.connect(self._add_phi)
        job.failed.connect(self._report)

    def _add_phi(self, made: list[Annotation]) -> None:
        document = self.viewer.document
        made = [a for a in made if a.id not in document]
        if made:
            command = AddAnnotations(document, made, f"suggest {len(made)} PHI span(s)")
            if not self.viewer.push(command):
                self._busy(False)
                return
        self._report(counts_text(Counter(a.label or "" for a in made), "PHI suggestions"))

    def suggest_assertions(self) -> None:
        """Hint assertion values on the note's entity spans (a job)."""
        viewer = self.viewer
        if viewer.refuse_edit():
            return
        text = viewer.text
        snapshot = AnnotationDocument(viewer.item.id, viewer.document.all())

        def work(_: JobContext) -> tuple[Command | None, Counter[str]]:
            return context_command(text, snapshot)

        self._busy(True)
        job = viewer.jobs.start("Suggest assertions", work, failure="The ConText rules failed: ")
        job.succeeded.connect(self._add_hints)
        job.failed.connect(self._report)

    def _add_hints(self, result: tuple[Command | None, Counter[str]]) -> None:
        command, counts = result
        parts = _fresh(self.viewer.document, command) if command is not None else []
        if parts:
            compound = CompoundCommand(f"hint assertions on {len(parts)} span(s)", parts)
            if not self.viewer.push(compound):
                self._busy(False)
                return
        elif command is not None:
            counts = Counter()
        self._report(counts_text(counts, "assertion hints"))
