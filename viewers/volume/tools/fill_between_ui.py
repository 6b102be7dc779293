"""Fill between slices: interpolate the segment across the empty slices of one view."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from viewers.volume.reslice import View
from viewers.volume.tool_options import OptionsPage, ToolEnvironment, combo, hint
from viewers.volume.tool_ui import ToolUI, register_tool_ui
from workspace.segmentation.tools.fill_between import FillBetweenOptions


class FillBetweenPage(OptionsPage):
    """Interpolate the selected segment across the empty slices of one view."""

    tool_id = "fill_between"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = combo([(v.value.capitalize(), v) for v in View])
        self.view.setObjectName("fillBetweenView")
        self.form.addRow("Drawn in", self.view)
        self.form.addRow(
            hint("Draw the segment on a few slices of this view; Apply fills the slices between.")
        )
        self.form.addRow(self.apply_button)
        self._watch(self.view)

    def chosen_view(self) -> View:
        """The view whose slices were drawn."""
        view = self.view.currentData()
        assert isinstance(view, View)
        return view

    def options(self) -> FillBetweenOptions:
        """Axial by default; :meth:`tool_options` maps the chosen view to its array axis."""
        return FillBetweenOptions()

    def tool_options(self, env: ToolEnvironment) -> FillBetweenOptions:
        return FillBetweenOptions(axis=env.axes[self.chosen_view()])


register_tool_ui(
    ToolUI(
        "fill_between",
        "Fill between",
        "I",
        "Interpolate across empty slices",
        FillBetweenPage,
        order=50,
    )
)
