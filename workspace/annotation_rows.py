"""Stored annotations read back as :class:`~workspace.annotations.Annotation` values.

Rows become workspace objects here, at the boundary, so no ORM object leaves a session.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Annotation as AnnotationRow
from workspace.annotations import Annotation


def to_annotation(row: AnnotationRow) -> Annotation:
    """The workspace value of one stored row."""
    return Annotation(
        id=row.id,
        item_id=row.item_id,
        task_id=row.task_id,
        kind=row.kind,
        label=row.label,
        data=dict(row.data),
        author=row.author,
        updated_at=row.updated_at,
    )


def read_annotations(
    session: Session, item_id: str | None = None, kind: str | None = None
) -> list[Annotation]:
    """Stored annotations (of one item, or all; of one kind, or all), oldest change first."""
    query = select(AnnotationRow).order_by(AnnotationRow.updated_at)
    if item_id is not None:
        query = query.where(AnnotationRow.item_id == item_id)
    if kind is not None:
        query = query.where(AnnotationRow.kind == kind)
    return [to_annotation(row) for row in session.scalars(query)]
