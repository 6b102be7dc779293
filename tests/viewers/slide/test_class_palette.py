"""The slide viewer's class palette in a real profile: its current row is the drawing class,
*Set selected* gives the selected shapes a class as one stored undoable command, the counts
follow every edit, undo and redo."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import QApplication, QMenu, QTreeWidgetItem

from storage.profile import Profile
from tests.viewers.slide.conftest import settle
from tests.viewers.volume.qt_input import drag
from viewers.slide.class_palette import ClassPalette
from viewers.slide.slide_viewer import SlideViewer
from workspace.annotation_kinds.names import SLIDE_SHAPE
from workspace.annotation_kinds.slide_shapes import add_shape, points, rectangle
from workspace.annotations import Annotation
from workspace.segmentation.compound import CompoundCommand
from workspace.workspace import Workspace


def _stored(profile: Profile) -> dict[str, Annotation]:
    return {a.id: a for a in Workspace(profile).annotations() if a.kind == SLIDE_SHAPE}


def _shape(viewer: SlideViewer, annotation: Annotation) -> str:
    assert viewer.session.push(lambda: add_shape(viewer.session.document, annotation))
    return annotation.id


def _row(palette: ClassPalette, name: str) -> QTreeWidgetItem:
    tree = palette.tree
    found = tree.findItems(name, Qt.MatchFlag.MatchExactly, 0)
    assert len(found) == 1, name
    return found[0]


def _click_row(qtbot, palette: ClassPalette, name: str) -> None:
    tree = palette.tree
    tree.scrollToItem(_row(palette, name))
    place = tree.visualItemRect(_row(palette, name)).center()
    qtbot.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=place)


def _counts(palette: ClassPalette) -> dict[str, int]:
    palette.flush()
    tree = palette.tree
    names = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    return {name: n for name in names if (n := palette.count_of(name))}


def test_rows_show_every_schema_class_with_its_key_and_count(open_viewer) -> None:
    viewer = open_viewer("aperio.svs")
    palette = viewer.classes
    assert [palette.tree.topLevelItem(i).text(0) for i in range(3)] == [
        "tumour",
        "stroma",
        "necrosis",
    ]
    assert palette.tree.topLevelItemCount() == len(viewer.schema.classes)
    assert _row(palette, "tumour").text(1) == "1" and _row(palette, "mitosis").text(1) == "e"
    assert _counts(palette) == {}
    assert not palette.set_button.isEnabled()  # nothing selected, no class chosen


def test_set_selected_gives_three_shapes_a_class_in_one_stored_undoable_step(
    open_viewer, viewer_workspace, qtbot
) -> None:
    viewer = open_viewer("aperio.svs")
    profile, palette, item = viewer_workspace.profile, viewer.classes, viewer.item.id
    first = _shape(viewer, rectangle(item, 0, 0, 50, 50, "tumour"))
    viewer.session.select([first])
    grade = viewer.shape_attributes.attributes.fields["grade"]
    grade.setCurrentIndex(grade.findData("G3"))
    grade.activated.emit(grade.currentIndex())
    assert _stored(profile)[first].data["attributes"] == {"grade": "G3"}
    second = _shape(viewer, rectangle(item, 100, 0, 50, 50, "stroma"))
    third = _shape(viewer, rectangle(item, 200, 0, 50, 50, "lymphocytes"))
    left_alone = _shape(viewer, rectangle(item, 300, 0, 50, 50, "tumour"))
    cell = _shape(viewer, points(item, [(80, 80)], "mitosis"))
    assert _counts(palette) == {"tumour": 2, "stroma": 1, "lymphocytes": 1, "mitosis": 1}

    viewer.session.select([first, second, third])
    _click_row(qtbot, palette, "necrosis")
    assert palette.current_class() == "necrosis"
    assert viewer.session.current_class == "necrosis"  # the class to draw with follows
    assert palette.selection_text.text() == "3 shape(s) selected"
    qtbot.mouseClick(palette.set_button, Qt.MouseButton.LeftButton)

    stored = _stored(profile)
    assert [stored[i].label for i in (first, second, third)] == ["necrosis"] * 3
    assert "attributes" not in stored[first].data  # grade does not apply to necrosis
    assert stored[left_alone].label == "tumour" and stored[cell].label == "mitosis"
    assert viewer.command_stack.undo_text == "set the class of 3 shape(s) to necrosis"
    assert _counts(palette) == {"tumour": 1, "necrosis": 3, "mitosis": 1}

    viewer.command_stack.undo()  # one step brings every old class (and the grade) back
    stored = _stored(profile)
    assert [stored[i].label for i in (first, second, third)] == ["tumour", "stroma", "lymphocytes"]
    assert stored[first].data["attributes"] == {"grade": "G3"}
    assert _counts(palette) == {"tumour": 2, "stroma": 1, "lymphocytes": 1, "mitosis": 1}
    viewer.command_stack.redo()
    assert [_stored(profile)[i].label for i in (first, second, third)] == ["necrosis"] * 3
    assert _counts(palette) == {"tumour": 1, "necrosis": 3, "mitosis": 1}


def test_the_key_and_a_class_key_set_the_class_and_the_counts_follow_on_their_own(
    open_viewer, viewer_workspace, qtbot
) -> None:
    viewer = open_viewer("aperio.svs")
    palette, item = viewer.classes, viewer.item.id
    one = _shape(viewer, rectangle(item, 0, 0, 50, 50, "tumour"))
    two = _shape(viewer, rectangle(item, 100, 0, 50, 50, "tumour"))
    qtbot.waitUntil(lambda: palette.count_of("tumour") == 2)  # no flush: the timer shows it
    viewer.session.select([one, two])
    viewer.set_active_label(viewer.schema.class_named("other"))  # the Labels palette's choice
    assert palette.current_class() == "other"
    viewer.activateWindow()
    viewer.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is viewer.view)
    qtbot.keyClick(
        viewer.view,
        Qt.Key.Key_C,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert {a.label for a in _stored(viewer_workspace.profile).values()} == {"other"}
    qtbot.waitUntil(lambda: palette.count_of("other") == 2 and palette.count_of("tumour") == 0)

    # a class's key (the app binds the schema's shortcuts to apply_label): draw with it and
    # give it to the selection; with nothing selected it only picks the drawing class
    assert viewer.apply_label(viewer.schema.class_named("stroma"))
    assert {a.label for a in _stored(viewer_workspace.profile).values()} == {"stroma"}
    assert palette.current_class() == "stroma" and viewer.session.current_class == "stroma"
    viewer.session.select([])
    assert not viewer.apply_label(viewer.schema.class_named("necrosis"))
    assert palette.current_class() == "necrosis"
    assert {a.label for a in _stored(viewer_workspace.profile).values()} == {"stroma"}
    viewer.command_stack.undo()
    assert {a.label for a in _stored(viewer_workspace.profile).values()} == {"other"}


def test_the_highlighted_row_is_the_class_new_shapes_are_drawn_with(open_viewer, qtbot) -> None:
    viewer = open_viewer("plain.tif")
    view = viewer.view
    settle(qtbot, view)
    _click_row(qtbot, viewer.classes, "lymphocytes")
    assert viewer.active_label is not None and viewer.active_label.name == "lymphocytes"
    qtbot.mouseClick(viewer.tool_bar.buttons["Rectangle"], Qt.MouseButton.LeftButton)
    drag(view, Qt.MouseButton.LeftButton, [QPointF(300, 200), QPointF(360, 250), QPointF(420, 300)])
    (region,) = [a for a in viewer.session.document.all() if a.kind == SLIDE_SHAPE]
    assert region.label == "lymphocytes"
    assert _counts(viewer.classes) == {"lymphocytes": 1}


def test_nothing_to_do_is_told_and_a_read_only_item_refuses(open_viewer, viewer_workspace) -> None:
    viewer = open_viewer("aperio.svs")
    palette, item = viewer.classes, viewer.item.id
    messages: list[str] = []
    viewer.message.connect(messages.append)
    tumour = _shape(viewer, rectangle(item, 0, 0, 50, 50, "tumour"))
    viewer.session.select([tumour])
    assert not palette.set_selected()  # no class highlighted
    palette.choose("tumour")
    assert not palette.set_selected()  # already tumour
    viewer.session.select([])
    palette.choose("stroma")
    assert not palette.set_selected()
    viewer.session.select([tumour])
    viewer.read_only_reason = "The task was submitted."
    assert not palette.set_selected()
    assert messages == [
        "Choose a class in the Classes list first.",
        "The selected shapes are already tumour.",
        "Select shapes first (Select tool, or rows in Measurements).",
        "The task was submitted.",
    ]
    assert _stored(viewer_workspace.profile)[tumour].label == "tumour"


def test_classes_the_schema_lacks_are_counted_and_selected_by_class(open_viewer) -> None:
    viewer = open_viewer("aperio.svs")
    palette, item = viewer.classes, viewer.item.id
    imported = [_shape(viewer, rectangle(item, 60 * n, 0, 50, 50, "Immune cells")) for n in (0, 1)]
    _shape(viewer, rectangle(item, 0, 100, 50, 50, "tumour"))
    assert _counts(palette) == {"Immune cells": 2, "tumour": 1}
    palette.choose("Immune cells")  # counted, not drawn with
    assert palette.current_class() is None
    palette.select_class("Immune cells")
    assert viewer.session.selection == imported
    palette.choose("stroma")
    assert palette.set_selected()
    assert _counts(palette) == {"stroma": 2, "tumour": 1}


def _pick_from_menu(qtbot, palette: ClassPalette, name: str, text: str) -> list[str]:
    """Open ``name``'s row menu as a right-click does and choose the action ``text``;
    the menu's action texts."""
    seen: list[str] = []

    def choose() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.extend(a.text() for a in menu.actions())
        (action,) = [a for a in menu.actions() if a.text() == text]
        menu.hide()
        action.trigger()

    QTimer.singleShot(0, choose)
    tree = palette.tree
    place = tree.visualItemRect(_row(palette, name)).center()
    tree.customContextMenuRequested.emit(place)  # returns once the menu has closed
    return seen


def test_a_rows_menu_sets_the_selected_shapes_and_selects_a_class(
    open_viewer, viewer_workspace, qtbot
) -> None:
    viewer = open_viewer("aperio.svs")
    palette, item = viewer.classes, viewer.item.id
    ids = [_shape(viewer, rectangle(item, 60 * n, 0, 50, 50, "tumour")) for n in range(2)]
    viewer.session.select(ids)
    texts = _pick_from_menu(qtbot, palette, "stroma", "Set 2 selected shape(s) to “stroma”")
    assert texts == [
        "Set 2 selected shape(s) to “stroma”",
        "Draw new shapes as “stroma”",
        "Select all “stroma” shapes",
    ]
    assert {a.label for a in _stored(viewer_workspace.profile).values()} == {"stroma"}
    assert palette.current_class() is None  # the drawing class is left as it was
    viewer.session.select([])
    _pick_from_menu(qtbot, palette, "stroma", "Select all “stroma” shapes")
    assert sorted(viewer.session.selection) == sorted(ids)
    _pick_from_menu(qtbot, palette, "necrosis", "Draw new shapes as “necrosis”")
    assert viewer.session.current_class == "necrosis"


@pytest.mark.timing  # a time limit: run alone
def test_setting_the_class_of_thousands_of_selected_shapes_stays_linear(open_viewer) -> None:
    """4,000 selected cells given another class in one step: each followed once by every
    panel (the Shape tab asked, per shape, about the whole selection: 5.7 s, now 1.2 s)."""
    viewer = open_viewer("aperio.svs")
    item, document = viewer.item.id, viewer.session.document
    cells = [points(item, [(10 * (n % 100), 10 * (n // 100))], "tumour_cell") for n in range(4000)]
    assert viewer.session.push(
        lambda: CompoundCommand("count", [add_shape(document, c) for c in cells])
    )
    viewer.classes.select_class("tumour_cell")
    start = time.perf_counter()
    assert viewer.classes.set_selected("lymphocyte")
    took = time.perf_counter() - start
    print(f"\nclass of 4,000 selected shapes set in {took * 1000:.0f} ms")
    assert _counts(viewer.classes) == {"lymphocyte": 4000}
    assert took < 4.0
