"""Pre-annotation of a note by the shipped rules, as suggestions a person accepts or rejects.

:func:`suggest_phi` adds the PHI candidates as suggested spans
(:mod:`workspace.annotation_kinds.suggestions`); :func:`suggest_context` hints assertion
values on the note's entity spans (:mod:`workspace.text_rules.hints`). Each is one command:
one undo step, persisted at once. Candidates that duplicate a span already there are skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workspace.annotation_kinds.names import SPAN
from workspace.annotation_kinds.spans import TRANSCRIPT_OF, fragments_of, span
from workspace.annotation_kinds.suggestions import suggested
from workspace.annotations import AddAnnotations, Annotation, AnnotationDocument, UpdateAnnotation
from workspace.commands import Command
from workspace.errors import WorkspaceError
from workspace.item_payloads import StoredPayloads
from workspace.segmentation.compound import CompoundCommand
from workspace.text_rules import context, phi
from workspace.text_rules.hints import SUGGESTED_ATTRIBUTES, attribute_hints, with_hints

if TYPE_CHECKING:
    from workspace.workspace import Workspace

TEXT_MODALITY = "text"
PHI_PREFIX = "phi_"


class SuggestError(WorkspaceError, ValueError):
    """Rules that cannot run on the item asked for (not a note)."""


def _note_spans(annotations: Sequence[Annotation]) -> list[tuple[Annotation, int, int]]:
    """``(annotation, start, end)`` of the spans over the note itself (not a transcript)."""
    spans = []
    for annotation in annotations:
        if annotation.kind == SPAN and TRANSCRIPT_OF not in annotation.data:
            fragments = fragments_of(annotation)
            spans.append((annotation, fragments[0][0], fragments[-1][1]))
    return spans


def phi_suggestions(
    item_id: str, text: str, existing: Sequence[Annotation], author: str = ""
) -> list[Annotation]:
    """Suggested ``phi_*`` spans for the candidates in ``text`` that no span of ``existing``
    already covers (one with the same extent, or a PHI span overlapping it)."""
    spans = _note_spans(existing)
    made: list[Annotation] = []
    for candidate in phi.find_phi(text):
        a, b = candidate.start, candidate.end
        if any(
            (s, e) == (a, b) or ((ann.label or "").startswith(PHI_PREFIX) and s < b and a < e)
            for ann, s, e in spans
        ):
            continue
        data = suggested({"phi_type": candidate.type}, phi.RULE_SET, candidate.rule)
        made.append(span(item_id, text, [(a, b)], candidate.label, data=data, author=author))
    return made


def context_command(text: str, document: AnnotationDocument) -> tuple[Command | None, Counter[str]]:
    """The command hinting assertion values on the document's entity spans (None if no
    hint is new), and how many hints it adds per ``axis=value``."""
    rules = context.context_rules()
    entities = [
        (a, context.EntitySpan(a.id, s, e))
        for a, s, e in _note_spans(document.all())
        if a.label in rules.applies_to
    ]
    by_id: dict[str, dict[str, tuple[str, str]]] = {}
    for hint in rules.hints(text, [e for _, e in entities]):
        by_id.setdefault(hint.annotation_id, {})[hint.axis] = (hint.value, hint.rule)
    parts: list[Command] = []
    counts: Counter[str] = Counter()
    for annotation, _ in entities:
        data = with_hints(annotation, by_id.get(annotation.id, {}), context.RULE_SET)
        if data is None:
            continue
        parts.append(UpdateAnnotation(document, annotation.id, data=data))
        before = attribute_hints(annotation)
        after = data[SUGGESTED_ATTRIBUTES]
        counts.update(f"{axis}={after[axis]['value']}" for axis in after if axis not in before)
    command = CompoundCommand(f"hint assertions on {len(parts)} span(s)", parts) if parts else None
    return command, counts


def _note(workspace: Workspace, item_id: str) -> str:
    """The text of note ``item_id`` (SuggestError if the item is not a note)."""
    item = workspace.item(item_id)
    if item.modality != TEXT_MODALITY:
        raise SuggestError(
            f"Item {item_id} is a {item.modality} item; the text rules run on text items only."
        )
    workspace.require_editable(item_id)
    return StoredPayloads(workspace.profile).text(item)


def suggest_phi(workspace: Workspace, item_id: str) -> Counter[str]:
    """Add the PHI candidates of note ``item_id`` as suggestions (one undo step);
    returns how many were added per label (empty if none was new)."""
    text = _note(workspace, item_id)
    editing = workspace.editing(item_id)
    made = phi_suggestions(item_id, text, editing.document.all(), workspace.user)
    if made:
        editing.stack.push(
            AddAnnotations(editing.document, made, f"suggest {len(made)} PHI span(s)")
        )
    return Counter(a.label or "" for a in made)


def suggest_context(workspace: Workspace, item_id: str) -> Counter[str]:
    """Hint certainty, temporality and experiencer on the entity spans of note ``item_id``
    (one undo step); returns how many hints were added per ``axis=value``."""
    text = _note(workspace, item_id)
    editing = workspace.editing(item_id)
    command, counts = context_command(text, editing.document)
    if command is not None:
        editing.stack.push(command)
    return counts
