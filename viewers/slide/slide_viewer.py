"""The viewer of modality ``slide``: the tiled view, and beside it the overview, the zoom
readout, and tabs with the measurements list, the selected shape's class and attributes, and
the label and macro images (only when the profile allows: they may show the patient's name)."""

from __future__ import annotations

from typing import ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from viewers.base import Viewer, register_viewer
from viewers.slide.measurement_list import MeasurementList
from viewers.slide.overview import Overview, overview_image
from viewers.slide.region_attributes import RegionAttributes
from viewers.slide.scale_bar import ScaleBarOverlay, readout
from viewers.slide.slide_view import SlideView
from viewers.slide.tool_bar import SlideToolBar
from viewers.slide.tools.base import SlideTool, ToolSession
from viewers.slide.tools.overlay import ShapeOverlay
from viewers.slide.transform import SlideTransform
from workspace.items import ItemSummary
from workspace.schema import LabelClass
from workspace.slides.codecs import RGB
from workspace.slides.label import SHOW_LABEL_SETTING, LabelHiddenError, labels_shown, show_label
from workspace.slides.model import SlideError
from workspace.workspace import Workspace

PANEL_WIDTH = 410
TILE_CACHE_MB = 256


def _pixmap(pixels: RGB, longest: int) -> QPixmap:
    height, width = pixels.shape[:2]
    image = QImage(bytes(pixels.tobytes()), width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image).scaled(
        longest,
        longest,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )


@register_viewer("slide")
class SlideViewer(Viewer):
    """One whole-slide image, read tile by tile from the encrypted store, and its regions,
    cells and lines drawn over it with the annotation tools."""

    editable = True

    gestures: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Zoom around the pointer", "Wheel"),
        ("Pan", "Drag / arrow keys"),
        ("Zoom in / out", "+ / -"),
        ("Fit the whole slide", "Home"),
        ("Turn 90° clockwise / anticlockwise", "R / Shift+R"),
        ("Go to a place", "Click or drag in the overview"),
        ("Choose a class to draw with", "Its key in the Labels palette"),
        (
            "Annotation tools",
            "The tool row above the slide: Pan, Select, Rectangle, Ellipse, "
            "Polygon, Freehand, Brush, Point, Line; Union, Subtract, Delete",
        ),
        ("Close a polygon / cancel a drawing", "Enter / Escape"),
        ("Go to a shape / delete the selected shapes", "Click its row in Measurements / Del"),
        ("Edit the selected shape's class and attributes / back to the slide", "F2 / Escape"),
    )

    def __init__(
        self, workspace: Workspace, item: ItemSummary, parent: QWidget | None = None
    ) -> None:
        super().__init__(workspace, item, parent)
        self.reader = workspace.open_slide(item.id, cache_mb=32)  # the view caches images
        self.view = SlideView(self.reader, TILE_CACHE_MB, self)
        if self.reader.mpp:
            self.view.overlays.append(ScaleBarOverlay(self.reader.mpp[0]))
        self._failure_told = False
        self.view.loader.failed.connect(self._tell_failure)
        self.setFocusProxy(self.view)  # the keys pan and zoom once the tab is opened
        self.session = ToolSession(
            workspace.document(item.id),
            workspace.command_stack(item.id),
            self.schema,
            author=workspace.user,
            scale=lambda: self.view.transform.scale,
            repaint=self.view.update,
            on_error=self.message.emit,
        )
        self.shapes = ShapeOverlay(self.session)
        self.view.overlays.append(self.shapes)
        self.view.overlays.append(self._paint_tool)
        self.tool_bar = SlideToolBar(self.session)
        self.tool_bar.tool_changed.connect(self._set_tool)
        self.overview = Overview(self.view)
        self.readout = QLabel()
        self.readout.setWordWrap(True)
        self.view.view_changed.connect(self._show_readout)

        self.measurements = MeasurementList(
            self.session, self.reader.mpp, self.schema, refuse_edit=self.refuse_edit
        )
        self.measurements.go_to.connect(self.view.centre_on)
        self.measurements.message.connect(self.message.emit)
        self.shape_attributes = RegionAttributes(
            self.session, self.schema, refuse_edit=self.refuse_edit
        )
        self.shape_attributes.attributes.escaped.connect(self.view.setFocus)

        panel = QWidget()
        panel.setFixedWidth(PANEL_WIDTH)
        side = QVBoxLayout(panel)
        side.setContentsMargins(4, 0, 0, 0)
        side.addWidget(QLabel("<b>Overview</b>"))
        side.addWidget(self.overview)
        side.addWidget(self.readout)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.measurements, "Measurements")
        self.tabs.addTab(self.shape_attributes, "Shape")
        associated = QWidget()
        self.label_images = QLabel()
        self.label_images.setWordWrap(True)
        self.label_images.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.macro_image = QLabel()
        column = QVBoxLayout(associated)
        column.addWidget(self.label_images)
        column.addWidget(self.macro_image)
        column.addStretch(1)
        self.tabs.addTab(associated, "Label and macro")
        side.addWidget(self.tabs, 1)
        left = QVBoxLayout()
        left.addWidget(self.tool_bar)
        left.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        layout.addWidget(panel)

        self._show_readout()
        self._show_associated()
        job = self.jobs.start("Drawing the slide's overview", lambda _: overview_image(self.reader))
        job.succeeded.connect(self.overview.set_image)
        job.failed.connect(self._tell_failure)

    def set_active_label(self, label: LabelClass | None) -> None:
        """The class the drawing tools use."""
        super().set_active_label(label)
        self.session.current_class = label.name if label is not None else ""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """F2 (a key the view leaves): the selected shape's class and attributes."""
        if event.key() == Qt.Key.Key_F2 and self.edit_shape():
            return
        super().keyPressEvent(event)

    def edit_shape(self) -> bool:
        """Show the Shape tab and put the keys in its first field (False: none selected)."""
        editor = self.shape_attributes
        if editor.shape_id is None:
            return False
        self.tabs.setCurrentWidget(editor)
        (editor.attributes.first_field() or editor.classes).setFocus(
            Qt.FocusReason.ShortcutFocusReason
        )
        return True

    def _set_tool(self, tool: SlideTool | None) -> None:
        if tool is not None and self.refuse_edit():
            self.tool_bar.choose(None)
            return
        self.view.tool = tool
        self.view.update()

    def _paint_tool(self, painter: QPainter, transform: SlideTransform) -> None:
        tool = self.view.tool
        if isinstance(tool, SlideTool):  # the gesture in progress (a polygon's vertices...)
            tool.paint(painter, transform)

    def _tell_failure(self, text: str) -> None:
        """Say the first failure to read the slide (later ones, likely the same, are not)."""
        if not self._failure_told:
            self._failure_told = True
            self.message.emit(text)

    def _show_readout(self) -> None:
        mpp = self.reader.mpp[0] if self.reader.mpp else None
        level = self.view.level
        downsample = self.reader.levels[level].downsample
        self.readout.setText(readout(mpp, self.view.transform, level, downsample))

    def _show_associated(self) -> None:
        """The label and macro, or why they are hidden (labels may show the patient's name)."""
        names = self.reader.associated_names
        if "label" not in names and "macro" not in names:
            self.label_images.setText("This slide has no label or macro image.")
            return
        if not labels_shown(self.workspace.profile):
            self.label_images.setText(
                "Hidden: slide labels may show the patient's name "
                f"(the profile's '{SHOW_LABEL_SETTING}' setting is off)."
            )
            return
        try:
            if "label" in names:
                self.label_images.setPixmap(
                    _pixmap(
                        show_label(self.workspace.profile, self.item, self.reader), PANEL_WIDTH - 20
                    )
                )
            if "macro" in names:
                self.macro_image.setPixmap(
                    _pixmap(self.reader.read_associated("macro"), PANEL_WIDTH - 20)
                )
        except (LabelHiddenError, SlideError) as error:
            self.label_images.setText(str(error))

    def shutdown(self) -> None:
        self.measurements.close_model()
        self.shape_attributes.close_model()
        self.view.shutdown()
        super().shutdown()
        self.reader.close()
