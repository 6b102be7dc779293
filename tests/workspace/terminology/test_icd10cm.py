"""ICD-10-CM search over the packaged table: code first, then words, shorter first."""

from __future__ import annotations

import re

import pytest

from workspace.terminology import icd10cm
from workspace.terminology.concept import Concept, UnknownSystemError
from workspace.terminology.search import search, searchable_systems

DIABETES = "Type 2 diabetes mellitus without complications"


@pytest.fixture(scope="module")
def index() -> icd10cm.Icd10CmIndex:
    return icd10cm.index()


def test_the_whole_table_is_indexed(index: icd10cm.Icd10CmIndex) -> None:
    assert len(index) > 90_000
    assert index.version[:2] == "20" and icd10cm.is_ready()


def test_an_exact_code_comes_first_with_or_without_its_dot(index) -> None:
    for query in ("E11.9", "e11.9", "E119", " E11.9 "):
        first = index.search(query)[0]
        assert first == Concept("ICD10CM", "E11.9", DIABETES, index.version)
    assert first.as_code().display == DIABETES and first.as_code().version == index.version


def test_a_code_prefix_lists_codes_under_it_in_code_order(index) -> None:
    codes = [c.code for c in index.search("E11.6", limit=10)]
    assert codes == sorted(codes) and all(c.startswith("E11.6") for c in codes)
    assert len(codes) == 10


def test_words_match_as_prefixes_in_any_order_shorter_texts_first(index) -> None:
    found = index.search("diab", limit=50)
    assert "E11.9" in [c.code for c in found]
    assert all(
        any(w.startswith("diab") for w in re.findall(r"\w+", c.display.lower())) for c in found
    )
    lengths = [len(c.display) for c in found]
    assert lengths == sorted(lengths)
    reordered = index.search("mellitus 2 diab witho compl")
    assert reordered[0].code == "E11.9"


def test_only_billable_codes_unless_asked(index) -> None:
    assert "E11" not in [c.code for c in index.search("E11")]
    assert index.search("E11", billable_only=False)[0].code == "E11"
    assert search("ICD10CM", "E11.9", 1) == index.search("E11.9", 1)


def test_nothing_matches_nothing(index) -> None:
    assert index.search("") == [] and index.search("   ") == []
    assert index.search("xyzzyq") == [] and index.search("diab", limit=0) == []
    assert index.search('"*) NEAR( AND') == []


def test_other_systems_need_an_imported_release() -> None:
    with pytest.raises(UnknownSystemError, match="no LOINC release"):
        search("LOINC", "glucose")
    assert searchable_systems() == ["ICD10CM"]


def test_the_table_read_in_a_child_process_is_the_same(index) -> None:
    """``warm`` (the GUI's background job) reads the package's table in a child process, so its
    seconds-long XML parse never holds this process's GIL; the index it gives is the same."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:  # the child, not its fallback
        assert pool.apply(icd10cm._table) == icd10cm._table()
    built = icd10cm._build(in_child=True)
    assert len(built) == len(index)
    for query in ("E11.9", "type 2 diab", "S72.0", "fracture femur neck"):
        assert built.search(query, 10) == index.search(query, 10)
