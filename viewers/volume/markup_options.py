"""Option pages of the measurement tools: the label new measurements get, the box's depth.

The label follows the label palette (the viewer sets it) and may be chosen here; "(no label)"
places unlabelled measurements. A 3D box drawn in one view reaches the given depth in
millimetres on each side of the slice it is drawn in; its edges are then adjusted by dragging
them in any view.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QComboBox, QWidget

from viewers.swatch import swatch
from viewers.volume.tool_options import OptionsPage, hint, shrinkable, spin
from workspace.schema import LabelClass

NO_LABEL = "(no label)"
BOX_DEPTH_MM = 10.0


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


class LandmarkPage(MarkupPage):
    """Landmark: a click places a named point."""

    tool_id = "landmark"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Click in a slice view to place a landmark."))


class RulerPage(MarkupPage):
    """Ruler: press, drag and release measures a distance."""

    tool_id = "ruler"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(hint("Drag in a slice view to measure a distance in millimetres."))


class BoxPage(MarkupPage):
    """3D box: a rectangle dragged in one view, the given depth on each side of the slice."""

    tool_id = "box3d"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reach = spin(0.0, 1000.0, BOX_DEPTH_MM, 1.0, 1)
        self.reach.setObjectName("boxDepth")
        self.reach.setSuffix(" mm")
        self.reach.setPrefix("± ")
        self.reach.setToolTip("How far the box reaches on each side of the slice it is drawn in")
        self.form.addRow("Depth", self.reach)
        self.form.addRow(
            hint(
                "Drag a rectangle in a slice view; drag an edge of the box in another view to"
                " adjust its extent."
            )
        )
        self._watch(self.reach)

    @property
    def depth_mm(self) -> float:
        """The depth on each side of the slice, in mm."""
        return float(self.reach.value())


MARKUP_PAGES: tuple[type[MarkupPage], ...] = (LandmarkPage, RulerPage, BoxPage)
