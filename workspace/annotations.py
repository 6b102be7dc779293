"""Annotations of one item: the in-memory document and the commands that edit it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any, ClassVar

from workspace.commands import Change, Command
from workspace.events import EventEmitter

TABLE = "annotations"


def now_iso() -> str:
    """The current UTC time as ISO 8601 text."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Annotation:
    """One annotation: a span, a segment, a beat label, a box... ``data`` holds its geometry."""

    item_id: str
    kind: str
    label: str | None
    data: dict[str, Any] = field(default_factory=dict)
    author: str = ""
    task_id: str | None = None
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    updated_at: str = field(default_factory=now_iso)

    def as_values(self) -> dict[str, Any]:
        """Column values for the store."""
        return {
            "id": self.id,
            "item_id": self.item_id,
            "task_id": self.task_id,
            "kind": self.kind,
            "label": self.label,
            "data": self.data,
            "author": self.author,
            "updated_at": self.updated_at,
        }


class AnnotationDocument:
    """All annotations of one item, with events viewers subscribe to."""

    def __init__(self, item_id: str, annotations: Iterable[Annotation] = ()) -> None:
        self.item_id = item_id
        self._by_id: dict[str, Annotation] = {a.id: a for a in annotations}
        self.added: EventEmitter[[Annotation]] = EventEmitter("added")
        self.updated: EventEmitter[[Annotation]] = EventEmitter("updated")
        self.removed: EventEmitter[[Annotation]] = EventEmitter("removed")

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, annotation_id: object) -> bool:
        return annotation_id in self._by_id

    def get(self, annotation_id: str) -> Annotation:
        """The annotation with ``annotation_id`` (KeyError if absent)."""
        return self._by_id[annotation_id]

    def all(self) -> list[Annotation]:
        """Every annotation, in insertion order."""
        return list(self._by_id.values())

    def put(self, annotation: Annotation) -> Change:
        """Insert or replace (used by commands only)."""
        existed = annotation.id in self._by_id
        self._by_id[annotation.id] = annotation
        (self.updated if existed else self.added).emit(annotation)
        return Change(TABLE, annotation.id, annotation.as_values())

    def remove(self, annotation_id: str) -> Change:
        """Delete (used by commands only)."""
        annotation = self._by_id.pop(annotation_id)
        self.removed.emit(annotation)
        return Change(TABLE, annotation_id, None)


class AddAnnotation(Command):
    """Add one annotation."""

    kind: ClassVar[str] = "annotation.add"

    def __init__(self, document: AnnotationDocument, annotation: Annotation) -> None:
        self.document = document
        self.annotation = annotation

    @property
    def text(self) -> str:
        return f"add {self.annotation.label or self.annotation.kind}"

    def do(self) -> Sequence[Change]:
        return [self.document.put(self.annotation)]

    def undo(self) -> Sequence[Change]:
        return [self.document.remove(self.annotation.id)]

    def payload(self) -> dict[str, Any]:
        return {"annotation": self.annotation.as_values()}


class AddAnnotations(Command):
    """Add several annotations as one step (an imported file: one undo, one transaction)."""

    kind: ClassVar[str] = "annotation.add_many"

    def __init__(
        self, document: AnnotationDocument, annotations: Sequence[Annotation], text: str = ""
    ) -> None:
        self.document = document
        self.annotations = list(annotations)
        self._text = text or f"add {len(self.annotations)} annotations"

    @property
    def text(self) -> str:
        return self._text

    def do(self) -> Sequence[Change]:
        return [self.document.put(a) for a in self.annotations]

    def undo(self) -> Sequence[Change]:
        return [self.document.remove(a.id) for a in reversed(self.annotations)]

    def payload(self) -> dict[str, Any]:
        return {"annotations": [a.as_values() for a in self.annotations]}


class _Keep(Enum):
    """Marks an argument left out (None is a value: "no label")."""

    KEEP = 0


class UpdateAnnotation(Command):
    """Change the label and/or data of one annotation (``label=None`` removes the label)."""

    kind: ClassVar[str] = "annotation.update"

    def __init__(
        self,
        document: AnnotationDocument,
        annotation_id: str,
        *,
        label: str | _Keep | None = _Keep.KEEP,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.document = document
        self.before = document.get(annotation_id)
        self.after = replace(
            self.before,
            label=self.before.label if isinstance(label, _Keep) else label,
            data=self.before.data if data is None else data,
            updated_at=now_iso(),
        )

    @property
    def text(self) -> str:
        return f"edit {self.after.label or self.after.kind}"

    def do(self) -> Sequence[Change]:
        return [self.document.put(self.after)]

    def undo(self) -> Sequence[Change]:
        return [self.document.put(self.before)]

    def payload(self) -> dict[str, Any]:
        return {"before": self.before.as_values(), "after": self.after.as_values()}


class DeleteAnnotation(Command):
    """Remove one annotation."""

    kind: ClassVar[str] = "annotation.delete"

    def __init__(self, document: AnnotationDocument, annotation_id: str) -> None:
        self.document = document
        self.annotation = document.get(annotation_id)

    @property
    def text(self) -> str:
        return f"delete {self.annotation.label or self.annotation.kind}"

    def do(self) -> Sequence[Change]:
        return [self.document.remove(self.annotation.id)]

    def undo(self) -> Sequence[Change]:
        return [self.document.put(self.annotation)]

    def payload(self) -> dict[str, Any]:
        return {"annotation": self.annotation.as_values()}
