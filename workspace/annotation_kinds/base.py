"""What every annotation kind shares: its error, attribute checks and the pre-annotation mark.

A *pre-annotation* is one read from a file rather than drawn by its author: its
``data["source"]`` is ``{"file": <file name>, "format": <format id>}`` (the author stays the
user who imported it, as the audit log records). Anything else in ``data`` is the kind's own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workspace.annotations import Annotation
from workspace.errors import WorkspaceError
from workspace.schema import (
    AttributeValue,
    AttributeValueError,
    LabelSchema,
    UnknownAttributeError,
    UnknownLabelError,
)

#: ``data`` key marking a pre-annotation: ``{"file": name, "format": format id}``.
SOURCE = "source"
#: ``data`` key of an annotation's attributes (``{name: value}``, checked by the schema).
ATTRIBUTES = "attributes"
#: ``data`` key of a free-text note on an annotation.
NOTE = "note"


class AnnotationKindError(WorkspaceError, ValueError):
    """An annotation that does not fit its kind (bad offsets, samples, labels...)."""


def checked_attributes(
    schema: LabelSchema | None, label: str | None, attributes: Mapping[str, AttributeValue]
) -> dict[str, Any]:
    """Check the label and attributes against ``schema`` (if any); the attributes as JSON."""
    if schema is not None:
        try:
            if label is not None:
                schema.class_named(label)
            for name, value in attributes.items():
                schema.check_attribute(name, value, label)
        except (UnknownLabelError, UnknownAttributeError, AttributeValueError) as exc:
            raise AnnotationKindError(str(exc)) from None
    return {name: list(v) if isinstance(v, tuple) else v for name, v in attributes.items()}


def with_attribute(
    attributes: Mapping[str, Any], name: str, value: object
) -> dict[str, Any] | None:
    """A copy of ``attributes`` with ``name`` set to ``value`` (None, "" or []: removed); None
    when that changes nothing (so an edit that would change nothing makes no command)."""
    changed = dict(attributes)
    if value is None or value == "" or value == []:
        if name not in changed:
            return None
        del changed[name]
    else:
        if changed.get(name) == value:
            return None
        changed[name] = value
    return changed


def describe(annotation: Annotation) -> str:
    """How a message names an annotation: short id and label (or kind)."""
    return f"annotation {annotation.id[:8]} ({annotation.label or annotation.kind})"


def integer(value: object) -> int | None:
    """``value`` if it is an int (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def source_of(data: Mapping[str, Any]) -> dict[str, str] | None:
    """The ``{"file", "format"}`` a pre-annotation was read from (None for drawn ones)."""
    source = data.get(SOURCE)
    if isinstance(source, dict) and isinstance(source.get("file"), str):
        return {"file": source["file"], "format": str(source.get("format", ""))}
    return None


def mark_source(data: Mapping[str, Any], file_name: str, fmt: str) -> dict[str, Any]:
    """``data`` marked as read from ``file_name`` in format ``fmt``."""
    return {**data, SOURCE: {"file": file_name, "format": fmt}}
