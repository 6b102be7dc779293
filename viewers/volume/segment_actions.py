"""The Segments panel's add, duplicate and remove, as commands through the viewer's editing.

Each returns the new segment's value (add, duplicate) or why nothing was done (a read-only
task, a locked segment, a full label type); the command is pushed on the viewer's stack, so
it is one undo step and stored at once (an in-memory segmentation is stored first).
"""

from __future__ import annotations

from collections.abc import Callable

from viewers.volume.editing import SegmentEditing
from workspace.commands import Command
from workspace.segmentation.document import AddSegment
from workspace.segmentation.segment_edits import DuplicateSegment, RemoveSegment, new_segment

#: ``(value of the new segment, None)`` or ``(None, why not)``.
Outcome = tuple[int | None, str | None]


def _run(editing: SegmentEditing, make: Callable[[], Command]) -> Outcome:
    if refused := editing.read_only():
        return None, refused
    try:
        command = make()
    except (ValueError, KeyError) as error:  # locked, full, gone
        return None, str(error).strip("'\"")
    editing.ensure_stored()
    if not editing.push(command):
        return None, "The change was not saved."
    added = getattr(command, "added", ())
    return (added[0].value if added else None), None


def add_segment(editing: SegmentEditing) -> Outcome:
    """Add a new empty segment (``Segment N``, an unused colour)."""
    return _run(editing, lambda: AddSegment(editing.document, new_segment(editing.document)))


def duplicate_segment(editing: SegmentEditing, value: int) -> Outcome:
    """Add a copy of segment ``value``'s settings (``<name> copy``)."""
    return _run(editing, lambda: DuplicateSegment(editing.document, value))


def remove_segment(editing: SegmentEditing, value: int) -> str | None:
    """Remove segment ``value`` and clear its voxels; returns why not, if refused."""
    return _run(editing, lambda: RemoveSegment(editing.document, value))[1]
