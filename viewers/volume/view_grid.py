"""Four views in a 2×2 grid (ITK-SNAP's arrangement), or one of them maximised."""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QWidget

#: Grid cells in ITK-SNAP's order: axial, sagittal / coronal, 3D.
CELLS = ((0, 0), (0, 1), (1, 0), (1, 1))


class ViewGrid(QWidget):
    """Lays out up to four views; :meth:`maximise` shows one alone."""

    def __init__(self, views: list[QWidget], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if not 1 <= len(views) <= len(CELLS):
            raise ValueError("a view grid holds one to four views")
        self.views = views
        self.maximised: QWidget | None = None
        self._layout = QGridLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        for view, (row, column) in zip(views, CELLS, strict=False):
            self._layout.addWidget(view, row, column)
        self.maximise(None)

    def maximise(self, view: QWidget | None) -> None:
        """Show ``view`` alone (None: all four)."""
        if view is not None and view not in self.views:
            raise ValueError("not a view of this grid")
        self.maximised = view
        for other in self.views:
            other.setVisible(view is None or other is view)
        for n in range(2):
            self._layout.setRowStretch(n, 1)
            self._layout.setColumnStretch(n, 1)
        if view is not None:
            row, column = CELLS[self.views.index(view)]
            self._layout.setRowStretch(1 - row, 0)
            self._layout.setColumnStretch(1 - column, 0)
            view.setFocus()
        for other in self.views:  # equal cells, whatever each view would like
            other.setMinimumSize(120, 120)

    def toggle(self, view: QWidget) -> None:
        """Maximise ``view``, or go back to the grid if it already is."""
        self.maximise(None if self.maximised is view else view)

    def replace(self, old: QWidget, new: QWidget) -> None:
        """Put ``new`` in ``old``'s cell (a placeholder giving way to the view it stood for)."""
        index = self.views.index(old)
        row, column = CELLS[index]
        self._layout.removeWidget(old)
        old.hide()
        old.deleteLater()
        self.views[index] = new
        self._layout.addWidget(new, row, column)
        new.setMinimumSize(120, 120)
        new.setVisible(self.maximised is None or self.maximised is old)
        if self.maximised is old:
            self.maximised = new
