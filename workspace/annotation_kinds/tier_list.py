"""A recording's tiers as the annotator laid them out, kept even while a tier has no region.

A region's tier is its label and speaker (:func:`~.signal_marks.tier_of`), so a tier with
regions needs no record; one the user added before drawing on it would be gone when the item
is reopened. The item's one :data:`~workspace.annotation_kinds.names.TIER_LIST` annotation
(no label) lists them: ``data = {"tiers": [{"label": "patient", "speaker": "S2"}, ...]}``, in
the order they were added. It is edited through commands like any annotation (undo, saved at
once). Exports of regions leave it out (:func:`without_tier_list`); TextGrid writes its tiers
that have no region as empty interval tiers, while RTTM, WebVTT and the audio JSON, which hold
regions only, do not carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotation_kinds.names import TIER_LIST
from workspace.annotations import Annotation

TIERS = "tiers"
#: A tier: its label and its speaker id ("" for an event tier).
TierName = tuple[str, str]


def tier_list(item_id: str, tiers: Sequence[TierName], *, author: str = "") -> Annotation:
    """The record listing ``tiers`` (each ``(label, speaker)``, listed once, in order)."""
    listed: list[TierName] = []
    for label, speaker in tiers:
        if not label.strip():
            raise AnnotationKindError("a tier needs a label.")
        if (label, speaker) not in listed:
            listed.append((label, speaker.strip()))
    data = {TIERS: [{"label": label, "speaker": speaker} for label, speaker in listed]}
    return Annotation(item_id, TIER_LIST, None, data, author=author)


def listed_tiers(annotation: Annotation) -> list[TierName]:
    """The tiers a tier-list record names."""
    entries = annotation.data.get(TIERS)
    if annotation.kind != TIER_LIST or not isinstance(entries, list):
        raise AnnotationKindError(f"{describe(annotation)} is not a list of tiers.")
    tiers: list[TierName] = []
    for entry in entries:
        label = entry.get("label") if isinstance(entry, dict) else None
        speaker = entry.get("speaker", "") if isinstance(entry, dict) else None
        if not isinstance(label, str) or not label or not isinstance(speaker, str):
            raise AnnotationKindError(f"{describe(annotation)}: a tier is not a label and speaker.")
        tiers.append((label, speaker))
    return tiers


def tier_list_of(annotations: Iterable[Annotation]) -> Annotation | None:
    """The item's tier-list record (None if it has none)."""
    return next((a for a in annotations if a.kind == TIER_LIST), None)


def without_tier_list(annotations: Iterable[Annotation]) -> list[Annotation]:
    """Every annotation but the tier-list record (what region exports write)."""
    return [a for a in annotations if a.kind != TIER_LIST]
