"""Codes on annotations: (system, code, version, display) from a terminology, e.g. ICD-10-CM.

Layout: ``data["codes"] = [{"system": "ICD10CM", "code": "E11.9", "version": "2025",
"display": "Type 2 diabetes mellitus without complications"}, ...]``; ``version`` and
``display`` may be empty. With a schema, ``system`` must be one of its declared code systems
and one the annotation's class may be coded with (``coded_with``; a class without
``coded_with`` takes any declared system).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workspace.annotation_kinds.base import AnnotationKindError, describe
from workspace.annotations import Annotation
from workspace.schema import LabelSchema, UnknownLabelError

#: ``data`` key of an annotation's codes.
CODES = "codes"


@dataclass(frozen=True)
class AnnotationCode:
    """One code attached to an annotation."""

    system: str
    code: str
    version: str = ""
    display: str = ""

    def as_json(self) -> dict[str, str]:
        """The stored form."""
        return {
            "system": self.system,
            "code": self.code,
            "version": self.version,
            "display": self.display,
        }


def _checked(code: AnnotationCode, schema: LabelSchema | None, label: str | None) -> None:
    if not code.system.strip() or not code.code.strip():
        raise AnnotationKindError("a code needs a code system and a code.")
    if schema is None:
        return
    declared = [s.id for s in schema.code_systems]
    if code.system not in declared:
        known = ", ".join(declared) or "(none)"
        raise AnnotationKindError(
            f"code system {code.system!r} is not declared by schema {schema.id}; known: {known}"
        )
    if label is None:
        return
    try:
        allowed = schema.class_named(label).coded_with
    except UnknownLabelError as exc:
        raise AnnotationKindError(str(exc)) from None
    if allowed and code.system not in allowed:
        raise AnnotationKindError(
            f"a {label!r} annotation is coded with {', '.join(allowed)}, not {code.system}."
        )


def with_codes(
    data: Mapping[str, Any],
    codes: Sequence[AnnotationCode],
    *,
    schema: LabelSchema | None = None,
    label: str | None = None,
) -> dict[str, Any]:
    """``data`` with its codes replaced by ``codes`` (checked; duplicates dropped)."""
    unique = list(dict.fromkeys(codes))
    for code in unique:
        _checked(code, schema, label)
    values = {k: v for k, v in data.items() if k != CODES}
    if unique:
        values[CODES] = [code.as_json() for code in unique]
    return values


def codes_of(annotation: Annotation) -> list[AnnotationCode]:
    """The codes attached to ``annotation`` (checked for shape)."""
    stored = annotation.data.get(CODES, [])
    if not isinstance(stored, list):
        raise AnnotationKindError(f"{describe(annotation)}: 'codes' is not a list.")
    codes: list[AnnotationCode] = []
    for entry in stored:
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(key, ""), str) for key in ("system", "code", "version", "display")
        ):
            raise AnnotationKindError(f"{describe(annotation)}: a code is not of text fields.")
        codes.append(
            AnnotationCode(
                entry.get("system", ""),
                entry.get("code", ""),
                entry.get("version", ""),
                entry.get("display", ""),
            )
        )
    return codes
