"""What editing one item's annotations needs: its live document and the stack edits go through.

The :class:`~workspace.workspace.Workspace` keeps one of each per open item and hands them to
the subsystems (segmentation, sync) that edit an item, so those need not know the facade.
"""

from __future__ import annotations

from dataclasses import dataclass

from workspace.annotations import AnnotationDocument
from workspace.commands import CommandStack


@dataclass(frozen=True)
class ItemEditing:
    """One item's annotations, kept in step by the commands pushed on its undo stack."""

    document: AnnotationDocument
    stack: CommandStack

    @property
    def item_id(self) -> str:
        """The item edited."""
        return self.document.item_id
