"""A polygon's statistics arrive after its placement or edit (read off the GUI thread): they are
stored with no undo step of their own, and the step they complete restores them on undo and
redo, even when the user edited the polygon again before they arrived (no Qt)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from viewers.volume.markup_editing import MarkupEditing
from workspace.annotations import AnnotationDocument
from workspace.commands import Change, Command, CommandStack
from workspace.schema import load_preset
from workspace.segmentation.measurements import polygon_key, polygon_values
from workspace.volume.geometry import VolumeGeometry

GEOMETRY = VolumeGeometry((4, 20, 20), (0.5, 0.5, 2.0), (0.0, 0.0, 0.0), np.eye(3).tolist())
VOXELS = np.arange(4 * 20 * 20, dtype=np.int16).reshape(4, 20, 20)


class Sink:
    def __init__(self) -> None:
        self.actions: list[str] = []

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        self.actions.append(action)


def _editing() -> tuple[MarkupEditing, CommandStack, Sink]:
    sink = Sink()
    stack = CommandStack(sink)

    def run(step, command: Command) -> bool:
        step(command)
        return True

    editing = MarkupEditing(
        AnnotationDocument("item"),
        GEOMETRY,
        load_preset("ct-abdomen-organs"),
        lambda c: run(stack.push, c),
        voxels=VOXELS,
        record=lambda c: run(stack.record, c),
    )
    return editing, stack, sink


def _read(editing: MarkupEditing) -> None:
    """What the worker jobs do: read every missing outline's values and hand them back."""
    for key in editing.missing_values():
        editing.fill_values(key, polygon_values(VOXELS, key))


def test_values_follow_without_an_undo_step_and_come_back_with_undo_and_redo() -> None:
    editing, stack, sink = _editing()
    placed, problem = editing.polygon([(1, 2, 2), (1, 2, 10), (1, 10, 10)], "liver")
    assert problem is None and placed is not None and "values" not in placed.data
    # moved before the placement's values arrived
    assert editing.move_vertex(placed.id, 2, (1, 12, 12)) is None
    assert len(editing.missing_values()) == 1
    _read(editing)
    assert editing.missing_values() == []
    moved = editing.document.get(placed.id)
    assert moved.data["values"] == polygon_values(VOXELS, polygon_key(moved.data))
    assert sink.actions == ["do", "do", "record"]
    assert stack.undo_text == "edit liver"
    stack.undo()  # back to the placed outline: its values were never read
    assert editing.missing_values() == [polygon_key(placed.data)]
    _read(editing)  # now they are, and put in the placement's command too
    first = editing.document.get(placed.id)
    assert first.data["values"] == polygon_values(VOXELS, polygon_key(placed.data))
    stack.redo()
    assert editing.document.get(placed.id).data == moved.data  # the move's step kept them
    stack.undo()
    stack.undo()
    stack.redo()
    assert editing.document.get(placed.id).data == first.data
    assert editing.missing_values() == []
    # relabelled: the outline's values are kept, not read again
    assert editing.relabel(placed.id, "spleen") is None
    assert editing.document.get(placed.id).data["values"] == first.data["values"]
    assert sink.actions.count("record") == 2


def test_known_values_are_given_at_once_to_an_outline_read_before() -> None:
    editing, _stack, _sink = _editing()
    corners = [(0, 1, 1), (0, 1, 8), (0, 8, 8), (0, 8, 1)]
    placed, _problem = editing.polygon(corners, None)
    assert placed is not None
    _read(editing)
    editing.delete(placed.id)
    again, _problem = editing.polygon(corners, None)  # the same outline, drawn again
    assert again is not None and again.data["values"]["count"] == 64
    assert editing.missing_values() == []


def test_vertices_put_in_and_taken_out_are_single_steps_never_below_three() -> None:
    editing, stack, _sink = _editing()
    placed, _problem = editing.polygon([(1, 2, 2), (1, 2, 10), (1, 10, 10)], None)
    assert placed is not None
    assert editing.insert_vertex(placed.id, 2, (1, 6, 2)) is None  # between the last and first
    assert editing.document.get(placed.id).data["points_kji"][-1] == [1.0, 6.0, 2.0]
    assert "at least 3" not in (editing.delete_vertex(placed.id, 3) or "")
    assert len(editing.document.get(placed.id).data["points_kji"]) == 3
    assert "at least 3 points" in (editing.delete_vertex(placed.id, 0) or "")
    stack.undo()
    stack.undo()
    assert editing.document.get(placed.id).data == placed.data
    assert editing.delete_vertex(placed.id, 7) is None  # gone meanwhile: nothing happens
    assert editing.document.get(placed.id).data == placed.data
