"""A code picker any viewer can host: a system chooser, a search field and the best matches.

Each keystroke starts a search job (viewers/jobs.py) so the GUI never waits: the first
ICD-10-CM search builds its index (a few seconds), later ones take milliseconds. Only the
newest query's answer is shown. Choosing a row (Enter, double-click) emits
:attr:`CodePicker.code_chosen` with an :class:`AnnotationCode`; the host turns it into a
command (:func:`workspace.terminology.coding.attach_code`), so it can be undone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from viewers.jobs import JobContext, JobGroup
from workspace.terminology.concept import Concept

#: ``search(system, query, limit)``, e.g. ``workspace.terminology.search.search`` bound to a store.
SearchFunction = Callable[[str, str, int], list[Concept]]
_CONCEPT = Qt.ItemDataRole.UserRole


class CodePicker(QWidget):
    """Search a code system and choose a code."""

    code_chosen = Signal(object)  # AnnotationCode
    #: Emitted when the newest query's results are shown (tests and hosts wait on it).
    results_shown = Signal()

    def __init__(
        self,
        search: SearchFunction,
        systems: Sequence[str],
        parent: QWidget | None = None,
        *,
        limit: int = 25,
        prepare: Callable[[], object] | None = None,
    ) -> None:
        """``prepare`` (e.g. ``icd10cm.warm``) runs once in the background straight away, so
        the first keystroke finds its index built."""
        super().__init__(parent)
        self._search = search
        self._limit = limit
        self._jobs = JobGroup()
        self._asked = 0
        self.system_box = QComboBox()
        self.system_box.setAccessibleName("Code system")
        self.query = QLineEdit()
        self.query.setPlaceholderText("Code or words, e.g. E11.9 or diab type 2")
        self.query.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Matching codes")
        self.status = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.system_box, self.query, self.results, self.status):
            layout.addWidget(widget)
        self.set_systems(systems)
        self.query.textChanged.connect(self._ask)
        self.system_box.currentIndexChanged.connect(self._ask)
        self.query.returnPressed.connect(self._choose_current)
        self.results.itemActivated.connect(self._choose)
        self.query.installEventFilter(self)
        if prepare is not None:
            self._jobs.start("Load the code index", lambda _: prepare())

    # ------------------------------------------------------------------------ API
    def set_systems(self, systems: Sequence[str]) -> None:
        """Offer only ``systems`` (e.g. those the selected span's class may be coded with)."""
        self.system_box.blockSignals(True)
        self.system_box.clear()
        self.system_box.addItems(list(systems))
        self.system_box.blockSignals(False)
        self.setEnabled(bool(systems))
        self._ask()

    def system(self) -> str:
        """The chosen code system ('' when none is offered)."""
        return self.system_box.currentText()

    def shown(self) -> list[Concept]:
        """The concepts listed, best first."""
        return [self.results.item(i).data(_CONCEPT) for i in range(self.results.count())]

    def close_jobs(self) -> None:
        """Drop searches still running (call when the host closes)."""
        self._jobs.close()

    # ------------------------------------------------------------------------ searching
    def _ask(self) -> None:
        self._asked += 1
        asked, system, text = self._asked, self.system(), self.query.text().strip()
        if not system or not text:
            self._show(asked, [])
            return
        self.status.setText("Searching…")

        def work(_: JobContext) -> list[Concept]:
            return self._search(system, text, self._limit)

        job = self._jobs.start(f"Search {system}", work, failure="The search failed: ")
        job.succeeded.connect(lambda found, a=asked: self._show(a, found))
        job.failed.connect(lambda message, a=asked: self._failed(a, message))

    def _show(self, asked: int, found: list[Concept]) -> None:
        if asked != self._asked:
            return  # an older query answered late
        self.results.clear()
        for concept in found:
            item = QListWidgetItem(f"{concept.code}  {concept.display}")
            item.setData(_CONCEPT, concept)
            item.setToolTip(concept.display)
            self.results.addItem(item)
        if found:
            self.results.setCurrentRow(0)
        if not self.system():
            self.status.setText("This label takes no codes.")
        else:
            self.status.setText("" if found or not self.query.text().strip() else "No match.")
        self.results_shown.emit()

    def _failed(self, asked: int, message: str) -> None:
        if asked == self._asked:
            self.results.clear()
            self.status.setText(message)
            self.results_shown.emit()

    # ------------------------------------------------------------------------ choosing
    def _choose_current(self) -> None:
        item = self.results.currentItem()
        if item is not None:
            self._choose(item)

    def _choose(self, item: QListWidgetItem) -> None:
        concept: Concept = item.data(_CONCEPT)
        self.code_chosen.emit(concept.as_code())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up and Down in the search field move through the results."""
        if watched is self.query and isinstance(event, QKeyEvent):
            step = {Qt.Key.Key_Down: 1, Qt.Key.Key_Up: -1}.get(Qt.Key(event.key()))
            if step is not None and event.type() == QEvent.Type.KeyPress:
                row = self.results.currentRow() + step
                if 0 <= row < self.results.count():
                    self.results.setCurrentRow(row)
                return True
        return super().eventFilter(watched, event)
