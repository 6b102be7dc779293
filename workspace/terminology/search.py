"""One search over every code system: ICD-10-CM in memory, the others from the profile."""

from __future__ import annotations

from workspace.terminology import icd10cm
from workspace.terminology.concept import ICD10CM, Concept, UnknownSystemError
from workspace.terminology.store import TerminologyStore


def search(
    system: str,
    query: str,
    limit: int = 25,
    *,
    store: TerminologyStore | None = None,
    billable_only: bool = True,
) -> list[Concept]:
    """Concepts of ``system`` matching ``query`` by code prefix or words, best first.

    Ranking: the exact code, codes starting with the query, then concepts whose text holds every
    query word as a word prefix (any order), shorter texts first. ICD-10-CM needs no store
    (``billable_only``: see :mod:`workspace.terminology.icd10cm`); other systems are searched
    in ``store``'s imported releases.
    """
    if system == ICD10CM:
        return icd10cm.index().search(query, limit, billable_only=billable_only)
    if store is None:
        raise UnknownSystemError(f"no {system} release is available here.")
    return store.search(system, query, limit)


def searchable_systems(store: TerminologyStore | None = None) -> list[str]:
    """The code systems :func:`search` can answer: ICD-10-CM and every imported release."""
    imported = [r.system for r in store.releases()] if store is not None else []
    return [ICD10CM, *[s for s in imported if s != ICD10CM]]
