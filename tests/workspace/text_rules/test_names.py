"""Names recognised by their words: known given names and surnames, cut at words that are
never names, ambiguous words only beside another name word."""

from __future__ import annotations

import pytest

from workspace.text_rules.names import NameLexicon
from workspace.text_rules.phi import phi_rules


@pytest.fixture
def lexicon() -> NameLexicon:
    return NameLexicon.of(
        given=["Chinedu", "Grace", "Astrid", "Maria", "Jude"],
        surnames=["Okoye", "Lindqvist", "Parkinson", "Cruz"],
        ambiguous=["Grace", "Parkinson"],
        not_name=["Hospital", "Disease", "St", "The"],
        place_words=["Hospital"],
    )


def _names(lexicon: NameLexicon, text: str) -> list[str]:
    return [text[a:b] for a, b in lexicon.find(text)]


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Chinedu Okoye presented with cough.", ["Chinedu Okoye"]),
        ("Seen with Chinedu Nwachukwu-Eze today.", ["Chinedu Nwachukwu-Eze"]),
        ("Astrid was tired.", ["Astrid"]),
        ("LINDQVIST ASTRID, bed 4", ["LINDQVIST ASTRID"]),
        ("Lindqvist, Astrid", ["Lindqvist, Astrid"]),
        ("Maria de la Cruz signed.", ["Maria de la Cruz"]),
        ("Grace Okoye called.", ["Grace Okoye"]),
        ("Grace period ended.", []),  # ambiguous alone
        ("Parkinson Disease, on levodopa.", []),  # an eponym, cut at "Disease"
        ("Okoye Hospital was full.", []),  # "Okoye" then a place word: not alone a name
        ("Moved to St Jude ward.", []),  # after "St" it is a place
        ("BLOOD CULTURES PENDING", []),
    ],
)
def test_names_by_their_words(lexicon: NameLexicon, text: str, names: list[str]) -> None:
    assert _names(lexicon, text) == names


def test_a_title_case_heading_is_not_a_name(lexicon: NameLexicon) -> None:
    assert _names(lexicon, "Chinedu Okoye Memorial Lecture Series Programme") == []


def test_the_shipped_gazetteers_span_cultures() -> None:
    lexicon = phi_rules().lexicon
    assert len(lexicon.given) >= 2500 and len(lexicon.surnames) >= 2000
    for word in ("Oluwaseun", "Siobhan", "Priyanka", "Xiaoming", "Bogdan", "Tomás"):
        assert word.lower() in lexicon.given, word
    for word in ("Okafor", "Nguyen", "Kowalczyk", "Hernández", "Papadopoulos", "Haddad"):
        assert word.lower() in lexicon.surnames, word
    for word in ("will", "grace", "parkinson", "glasgow"):
        assert word in lexicon.ambiguous or word not in lexicon.given | lexicon.surnames, word
