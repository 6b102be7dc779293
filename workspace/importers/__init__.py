"""Readers that recognise files to import (DICOM, WFDB, EDF, CSV signals, audio, text) and group
them into items.

Pure Python: no Qt, no storage. Start with :func:`scan`.
"""

from workspace.importers.base import (
    ImportedFile,
    ImportedItem,
    Importer,
    ImportProblem,
    ReadContext,
    ScanCancelledError,
)
from workspace.importers.registry import ImporterRegistry, default_registry, register, scan

__all__ = [
    "ImportProblem",
    "ImportedFile",
    "ImportedItem",
    "Importer",
    "ImporterRegistry",
    "ReadContext",
    "ScanCancelledError",
    "default_registry",
    "register",
    "scan",
]
