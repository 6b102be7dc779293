"""The audio viewer's tier actions: add a tier (kept while empty), rename one, and their dialogs.

Owned by :class:`~viewers.audio.audio_viewer.AudioViewer` (apart to keep that module short),
which it edits through; the commands come from :mod:`viewers.audio.regions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog

from viewers.audio import regions as model
from viewers.audio.regions import Tier
from workspace.annotation_kinds.base import AnnotationKindError

if TYPE_CHECKING:
    from viewers.audio.audio_viewer import AudioViewer


class TierActions:
    """Tier editing for one audio viewer."""

    def __init__(self, viewer: AudioViewer) -> None:
        self.viewer = viewer

    def add_tier(self, tier: Tier) -> bool:
        """Add a new (empty) tier, kept in the item's tier list with the first speakers shown
        so far (in a read-only task only shown, not kept)."""
        viewer = self.viewer
        if viewer.read_only_reason is not None:
            if tier not in viewer.tiers():
                viewer.extra_tiers.append(tier)
        elif not self._keep_tiers([*viewer.extra_tiers, tier]):
            return False
        if viewer.state is not None:
            viewer.tier_pane.current_tier = tier
        viewer.refresh()
        return True

    def _keep_tiers(self, tiers: list[Tier]) -> bool:
        """Save ``tiers`` in the item's tier list (the first speakers shown become kept)."""
        viewer = self.viewer
        done = viewer._push(
            lambda: model.keep_tiers(
                viewer.document, tiers, schema=viewer.schema, author=viewer.workspace.user
            )
        )
        saved = model.saved_tiers(viewer.document.all())
        if not done and not all(t in saved for t in tiers):
            return False
        viewer.extra_tiers = []
        return True

    def rename_tier(self, tier: Tier, new: Tier) -> bool:
        """Move every region of ``tier`` to ``new`` and rename it in the tier list (one undo
        step)."""
        viewer = self.viewer
        if viewer.refuse_edit():
            return False
        if tier in viewer.extra_tiers:  # a first speaker shown: kept under its new name
            renamed = [new if t == tier else t for t in viewer.extra_tiers]
            if not self._keep_tiers(renamed):
                return False
        else:
            try:
                command = model.rename_tier(viewer.document, tier, new, schema=viewer.schema)
            except AnnotationKindError as exc:
                viewer.show_message(str(exc))
                return False
            if command is not None and not viewer.push(command):
                return False
        if viewer.state is not None and viewer.tier_pane.current_tier == tier:
            viewer.tier_pane.current_tier = new
        viewer.refresh()
        return True

    def _ask_tier(self, title: str, current: Tier | None) -> Tier | None:
        viewer = self.viewer
        names = list(viewer.schema.class_names)
        chosen, ok = QInputDialog.getItem(
            viewer,
            title,
            "Role or event:",
            names,
            names.index(current.label) if current and current.label in names else 0,
            False,
        )
        if not ok:
            return None
        speaker, ok = QInputDialog.getText(
            viewer,
            title,
            "Speaker id (e.g. S1; empty for an event):",
            text=current.speaker if current else "",
        )
        return Tier(chosen, speaker.strip()) if ok else None

    def ask_new_tier(self) -> None:
        """Ask for a tier and add it."""
        tier = self._ask_tier("Add a tier", None)
        if tier is not None:
            self.add_tier(tier)

    def ask_rename_tier(self) -> None:
        """Ask for a new name of the current tier and rename it."""
        viewer = self.viewer
        current = viewer.tier_pane.current_tier if viewer.state is not None else None
        if current is None:
            return
        new = self._ask_tier(f"Rename tier {current.name}", current)
        if new is not None and new != current:
            self.rename_tier(current, new)
