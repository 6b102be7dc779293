"""The viewer of modality ``slide``: the tiled view, and beside it the overview, the zoom
readout, the class palette, and tabs with the measurements list, the selected shape's class and
attributes, and the label and macro images (only when the profile allows: they may show the
patient's name; read and decoded on a worker thread, a placeholder meanwhile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeyEvent, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSplitter, QTabWidget, QVBoxLayout, QWidget

from viewers.base import Viewer, register_viewer
from viewers.jobs import Job
from viewers.slide.class_palette import SET_CLASS_KEYS, ClassPalette
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
from workspace.slides.label import SHOW_LABEL_SETTING, labels_shown, show_label
from workspace.workspace import Workspace

if TYPE_CHECKING:
    from workspace.slides.reader import SlideReader

PANEL_WIDTH = 410
TILE_CACHE_MB = 256


ASSOCIATED_WIDTH = PANEL_WIDTH - 20
READING_ASSOCIATED = "Reading the label and macro images…"


def small_image(pixels: RGB, longest: int) -> QImage:
    """``pixels`` scaled to fit ``longest`` pixels (smoothly; a large image thinned first, so
    the smooth scaling, which holds Python's lock, stays small)."""
    step = max(1, max(pixels.shape[:2]) // (2 * longest))
    thinned = np.ascontiguousarray(pixels[::step, ::step])
    height, width = thinned.shape[:2]
    image = QImage(thinned.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    scaled = image.scaled(
        longest,
        longest,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return scaled.copy()  # its own pixels, not ``thinned``'s


def associated_images(
    workspace: Workspace, item: ItemSummary, reader: SlideReader, longest: int
) -> dict[str, QImage]:
    """The label (audited, only when the profile allows) and macro, scaled to ``longest``.
    Reads and decodes them: run it off the GUI thread."""
    names = reader.associated_names
    images: dict[str, QImage] = {}
    if "label" in names:
        images["label"] = small_image(show_label(workspace.profile, item, reader), longest)
    if "macro" in names:
        images["macro"] = small_image(reader.read_associated("macro"), longest)
    return images


@register_viewer("slide")
class SlideViewer(Viewer):
    """One whole-slide image, read tile by tile from the encrypted store, and its regions,
    cells and lines drawn over it with the annotation tools."""

    editable = True
    uses_label_palette = False  # the Classes list shows the labels, their keys and counts

    gestures: ClassVar[tuple[tuple[str, str], ...]] = (
        ("Zoom around the pointer", "Wheel"),
        ("Pan", "Drag / arrow keys"),
        ("Zoom in / out", "+ / -"),
        ("Fit the whole slide", "Home"),
        ("Turn 90° clockwise / anticlockwise", "R / Shift+R"),
        ("Go to a place", "Click or drag in the overview"),
        ("Choose a class to draw with", "Its row in Classes, or its key"),
        (
            "Give the selected shapes a class",
            f"Its key, or Set selected in Classes ({SET_CLASS_KEYS}, or a row's menu)",
        ),
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
        self.classes = ClassPalette(self.session, self.schema, refuse_edit=self.refuse_edit)
        self.classes.class_chosen.connect(self._class_chosen)
        set_class = QShortcut(QKeySequence(SET_CLASS_KEYS), self)
        set_class.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        set_class.activated.connect(lambda: self.classes.set_selected())

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
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(self.classes)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 2)
        side.addWidget(split, 1)
        left = QVBoxLayout()
        left.addWidget(self.tool_bar)
        left.addWidget(self.view, 1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(left, 1)
        layout.addWidget(panel)

        self._show_readout()
        #: Reading the label and macro (None when there are none or they are hidden).
        self.associated_job: Job | None = None
        self._show_associated()
        job = self.jobs.start("Drawing the slide's overview", lambda _: overview_image(self.reader))
        job.succeeded.connect(self.overview.set_image)
        job.failed.connect(self._tell_failure)

    def set_active_label(self, label: LabelClass | None) -> None:
        """The class the drawing tools use (highlighted in the Classes list)."""
        super().set_active_label(label)
        self.session.current_class = label.name if label is not None else ""
        self.classes.choose(label.name if label is not None else None)

    def apply_label(self, label: LabelClass) -> bool:
        """A class's key: draw with it, and give it to the selected shapes (one undo step);
        False when none is selected."""
        self.set_active_label(label)
        return bool(self.session.selection) and self.classes.set_selected(label.name)

    def _class_chosen(self, name: str) -> None:
        schema = self.schema
        if schema is not None and name in schema.class_names:
            self.set_active_label(schema.class_named(name))

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
        """The label and macro, or why they are hidden (labels may show the patient's name):
        read and decoded on a worker, never when the profile does not allow them."""
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
        self.label_images.setText(READING_ASSOCIATED)
        workspace, item, reader = self.workspace, self.item, self.reader
        self.associated_job = self.jobs.start(
            "Reading the slide's label",
            lambda _: associated_images(workspace, item, reader, ASSOCIATED_WIDTH),
        )
        self.associated_job.succeeded.connect(self._set_associated)
        self.associated_job.failed.connect(self.label_images.setText)

    def _set_associated(self, images: dict[str, QImage]) -> None:
        self.label_images.clear()
        for name, shown in (("label", self.label_images), ("macro", self.macro_image)):
            if name in images:
                shown.setPixmap(QPixmap.fromImage(images[name]))
        # the wrapped placeholder left its height-for-width policy (-1: laid out 0 high)
        self.label_images.setWordWrap(False)
        policy = self.label_images.sizePolicy()
        policy.setHeightForWidth(False)
        self.label_images.setSizePolicy(policy)

    def shutdown(self) -> None:
        self.shapes.close()  # no outline built for a viewer that is going
        self.measurements.close_model()
        self.classes.close_model()
        self.shape_attributes.close_model()
        self.view.shutdown()
        super().shutdown()
        self.reader.close()
