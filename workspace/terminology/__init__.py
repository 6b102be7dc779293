"""Offline terminologies: concepts, ICD-10-CM from the packaged table, imported releases.

:func:`workspace.terminology.search.search` finds concepts of one code system by code prefix
or words; ICD-10-CM is served from an in-memory index of the ``simple-icd-10-cm`` table, other
systems from the releases a user imported into the encrypted profile
(:mod:`workspace.terminology.store`).
"""

from workspace.terminology.concept import (
    Concept,
    TerminologyError,
    TerminologyFileError,
    UnknownSystemError,
)

__all__ = [
    "Concept",
    "TerminologyError",
    "TerminologyFileError",
    "UnknownSystemError",
]
