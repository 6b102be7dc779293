"""The base of the measurement tools' option pages: the label new measurements get.

Each measurement tool's page and :class:`~viewers.volume.tool_ui.ToolUI` live in its UI module
(``viewers/volume/tools/landmark_ui.py``, ``ruler_ui.py``, ``box3d_ui.py``).

The label follows the label palette (the viewer sets it) and may be chosen here; "(no label)"
places unlabelled measurements.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QWidget

from viewers.swatch import swatch
from viewers.volume.tool_options import OptionsPage, shrinkable
from workspace.schema import LabelClass

NO_LABEL = "(no label)"


class MarkupPage(OptionsPage):
    """A measurement tool's page: the label to give, and what a gesture does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = shrinkable(QComboBox())
        self.label.setObjectName(f"markupLabel_{self.tool_id}")
        self.label.setToolTip("The label new measurements get (follows the label palette)")
        self.form.addRow("Label", self.label)
        self.set_classes(())
        self._watch(self.label)

    def set_classes(self, classes: Sequence[LabelClass]) -> None:
        """The schema's classes to choose from."""
        self.label.blockSignals(True)
        self.label.clear()
        self.label.addItem(NO_LABEL, None)
        for label in classes:
            self.label.addItem(swatch(label.color), label.name, label.name)
        self.label.blockSignals(False)

    def chosen_label(self) -> str | None:
        """The label chosen (None: no label)."""
        data = self.label.currentData()
        return data if isinstance(data, str) else None

    def set_label(self, name: str | None) -> None:
        """Choose ``name`` (None or unknown: no label)."""
        self.label.setCurrentIndex(max(self.label.findData(name), 0) if name else 0)

    def options(self) -> str | None:
        return self.chosen_label()
