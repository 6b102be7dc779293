"""The find bar of the text viewer (Ctrl+F): a phrase, its options, and label all matches.

The bar only finds: it emits the matches (code-point ranges) and which one is current, and
the viewer selects it in the text and turns "Label all matches" into one command.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QKeyCombination, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)

from viewers.text.find import find_matches
from workspace.annotation_kinds.spans import Fragment

CTRL_F = QKeyCombination(Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_F)


class FindBar(QWidget):
    """Phrase, case and whole-word options, match count, previous/next, label all."""

    #: The current match changed: ``(start, end)`` code points.
    match_chosen = Signal(int, int)
    #: "Label all matches" with this label name.
    label_all = Signal(str)
    #: The bar was closed (Escape or ×): focus goes back to the text.
    closed = Signal()

    def __init__(self, text: str, labels: list[str]) -> None:
        super().__init__()
        self.text = text
        self.matches: list[Fragment] = []
        self.current = -1
        self.phrase = QLineEdit()
        self.phrase.setPlaceholderText("Find in text")
        self.phrase.setClearButtonEnabled(True)
        self.phrase.textChanged.connect(self.search)
        self.phrase.installEventFilter(self)
        self.case = QCheckBox("Match case")
        self.case.toggled.connect(self.search)
        self.whole = QCheckBox("Whole words")
        self.whole.toggled.connect(self.search)
        self.count = QLabel("")
        self.count.setMinimumWidth(90)
        previous = QToolButton()
        previous.setText("▲")
        previous.setToolTip("Previous match (Shift+F3, Shift+Enter)")
        previous.clicked.connect(lambda: self.step(-1))
        following = QToolButton()
        following.setText("▼")
        following.setToolTip("Next match (F3, Enter)")
        following.clicked.connect(lambda: self.step(1))
        self.label = QComboBox()
        self.label.addItems(labels)
        self.label.setToolTip("The label 'Label all matches' gives")
        self.label_button = QPushButton("Label all matches")
        self.label_button.setToolTip(
            "Add a span of the chosen label on every match (one undo step); matches already "
            "inside a span of that label are skipped"
        )
        self.label_button.clicked.connect(lambda: self.label_all.emit(self.label.currentText()))
        close = QToolButton()
        close.setText("×")
        close.setToolTip("Close (Escape)")
        close.clicked.connect(self.close_bar)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.phrase, 2)
        for widget in (previous, following, self.count, self.case, self.whole):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.label)
        layout.addWidget(self.label_button)
        layout.addWidget(close)

    def open(self, phrase: str = "") -> None:
        """Show the bar with ``phrase`` (if any) and focus the phrase field."""
        self.show()
        if phrase:
            self.phrase.setText(phrase)
        self.phrase.setFocus()
        self.phrase.selectAll()

    def close_bar(self) -> None:
        self.hide()
        self.closed.emit()

    def search(self) -> None:
        """Find the phrase afresh and choose the first match."""
        self.matches = find_matches(
            self.text,
            self.phrase.text(),
            case_sensitive=self.case.isChecked(),
            whole_word=self.whole.isChecked(),
        )
        self.current = -1
        self.step(1)

    def step(self, direction: int) -> None:
        """Choose the next (1) or previous (-1) match, wrapping around."""
        if not self.matches:
            self.current = -1
            self.count.setText("No matches" if self.phrase.text() else "")
            return
        self.current = (self.current + direction) % len(self.matches)
        self.count.setText(f"{self.current + 1} of {len(self.matches)}")
        self.match_chosen.emit(*self.matches[self.current])

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the phrase field: Enter / Shift+Enter / F3 step through the matches, Escape
        closes, Ctrl+F selects the phrase (not the window's item filter)."""
        if watched is not self.phrase or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        pressed = event.type() == QEvent.Type.KeyPress
        if event.keyCombination() == CTRL_F:
            event.accept()
            if pressed:
                self.phrase.selectAll()
            return True
        if pressed and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_F3):
            backwards = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
            self.step(-1 if backwards else 1)
            return True
        if pressed and event.key() == Qt.Key.Key_Escape:
            self.close_bar()
            return True
        return super().eventFilter(watched, event)
