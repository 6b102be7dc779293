"""ConText-style hints: trigger direction, scope ends, pseudo-triggers, nearest trigger."""

from __future__ import annotations

from workspace.text_rules.context import EntitySpan, context_hints


def _hints(text: str, *phrases: str) -> dict[str, dict[str, str]]:
    entities = []
    for phrase in phrases:
        start = text.index(phrase)
        entities.append(EntitySpan(phrase, start, start + len(phrase)))
    found: dict[str, dict[str, str]] = {}
    for hint in context_hints(text, entities):
        found.setdefault(hint.annotation_id, {})[hint.axis] = hint.value
    return found


def test_negation_forward_stops_at_a_terminator() -> None:
    text = "Patient denies chest pain but reports shortness of breath."
    assert _hints(text, "chest pain", "shortness of breath") == {
        "chest pain": {"certainty": "absent"}
    }


def test_backward_triggers_reach_back() -> None:
    text = "Pulmonary embolism was ruled out. Pneumonia is possible."
    assert _hints(text, "Pulmonary embolism", "Pneumonia") == {
        "Pulmonary embolism": {"certainty": "absent"},
        "Pneumonia": {"certainty": "possible"},
    }


def test_historical_hypothetical_and_family() -> None:
    text = (
        "History of myocardial infarction. Mother had breast cancer. "
        "Return if fever develops. Concern for sepsis."
    )
    assert _hints(text, "myocardial infarction", "breast cancer", "fever", "sepsis") == {
        "myocardial infarction": {"temporality": "historical"},
        "breast cancer": {"experiencer": "family"},
        "fever": {"temporality": "hypothetical"},
        "sepsis": {"certainty": "possible"},
    }


def test_pseudo_triggers_and_sentence_ends_block_scope() -> None:
    text = "No increase in edema. No fever. Cough is productive."
    assert _hints(text, "edema", "fever", "Cough") == {"fever": {"certainty": "absent"}}


def test_scope_is_limited_to_the_window() -> None:
    text = "No one in the clinic today or yesterday or the day before noticed a rash."
    assert _hints(text, "rash") == {}
    assert _hints("No rash.", "rash") == {"rash": {"certainty": "absent"}}
