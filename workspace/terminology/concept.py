"""A concept of a code system, and the errors of the terminology package."""

from __future__ import annotations

from dataclasses import dataclass

from workspace.annotation_kinds.codes import AnnotationCode
from workspace.errors import NotFoundError, WorkspaceError

#: Code system ids as label schemas declare them (``code_systems``), e.g. in clinical-ner.
ICD10CM = "ICD10CM"
LOINC = "LOINC"
SNOMED = "SCT"
RXNORM = "RXNORM"


class TerminologyError(WorkspaceError):
    """A terminology could not be imported or searched (the message says why)."""


class TerminologyFileError(TerminologyError, ValueError):
    """A release file that cannot be read as its format: names the file and the line."""


class UnknownSystemError(TerminologyError, NotFoundError):
    """No release of the code system asked for is available."""


@dataclass(frozen=True)
class Concept:
    """One code of a code system with its display text (``version``: the release)."""

    system: str
    code: str
    display: str
    version: str = ""

    def as_code(self) -> AnnotationCode:
        """The form attached to an annotation."""
        return AnnotationCode(self.system, self.code, self.version, self.display)
