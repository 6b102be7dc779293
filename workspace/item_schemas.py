"""The schema each item of a project follows, when it is not the project's own.

A project has one schema of record (``projects.schema_id``). A batch that mixes modalities
carries a schema per task (the volume's organ labels, the note's entities, the ECG's beats), so
a workstation records, per item, the schema its task named, in the ``settings`` table under
``item.<id>.schema``. The first schema an item receives stays: annotations already made follow
it.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from storage.models import LabelSchemaRecord, Project
from workspace import projects, settings
from workspace.items import ItemSummary
from workspace.modalities import default_schema_id
from workspace.schema import LabelSchema, load_preset


def _key(item_id: str) -> str:
    return f"item.{item_id}.schema"


def assigned_schema_id(session: Session, item_id: str) -> str | None:
    """The schema id recorded for ``item_id``, or None (it follows its project's)."""
    value = settings.get_setting(session, _key(item_id))
    return value if isinstance(value, str) else None


def assign_schema(session: Session, item_id: str, schema: LabelSchema) -> str:
    """Record ``schema`` for ``item_id`` unless one is recorded; returns the id that applies."""
    assigned = assigned_schema_id(session, item_id)
    if assigned is not None:
        return assigned
    if session.get(LabelSchemaRecord, schema.id) is None:
        projects.save_schema(session, schema)
    settings.set_setting(session, _key(item_id), schema.id)
    return schema.id


def stored_schema_id(session: Session, item: ItemSummary) -> str | None:
    """The schema id the profile holds for ``item``: its own, else its project's, else None
    (then its modality's default applies)."""
    schema_id = assigned_schema_id(session, item.id)
    if schema_id is None and item.project_id:
        project = session.get(Project, item.project_id)
        schema_id = project.schema_id if project is not None else None
    return schema_id


def schema_for(session: Session, item: ItemSummary) -> LabelSchema:
    """The label schema that applies to ``item``: the one recorded for it (its task's in a
    mixed batch), else its project's, else its modality's preset.

    An item of an unregistered modality is an ``UnknownModalityError``, never another
    modality's schema.
    """
    schema_id = stored_schema_id(session, item)
    if schema_id is not None:
        return projects.load_schema(session, schema_id)
    return load_preset(default_schema_id(item))
