"""The annotation kinds' constructors build the stored layout and refuse what does not fit."""

from __future__ import annotations

import pytest

from workspace.annotation_kinds.base import AnnotationKindError, mark_source, source_of
from workspace.annotation_kinds.names import CLASSIFICATION, INTERVAL, POINT, RELATION, SPAN
from workspace.annotation_kinds.relations import relation, relation_ends
from workspace.annotation_kinds.signal_marks import (
    channel_of,
    interval_samples,
    sample_interval,
    sample_point,
    tier_of,
    time_interval,
    time_point,
    transcript,
)
from workspace.annotation_kinds.spans import (
    check_span,
    fragments_of,
    span,
    span_extent,
    trimmed,
)
from workspace.annotations import Annotation
from workspace.modalities import modality
from workspace.schema import load_preset

NOTE = "Denies chest pain.\nHistory of type 2 diabetes\nmellitus on metformin."


@pytest.fixture(scope="module")
def ner():
    return load_preset("clinical-ner")


def test_a_span_holds_its_extent_text_and_attributes(ner) -> None:
    start = NOTE.index("chest pain")
    made = span(
        "item", NOTE, [(start, start + 10)], "problem", schema=ner,
        attributes={"assertion": "absent"}, author="dr.lee",
    )  # fmt: skip
    assert made.kind == SPAN
    assert made.data == {
        "start": start,
        "end": start + 10,
        "text": "chest pain",
        "attributes": {"assertion": "absent"},
    }
    assert fragments_of(made) == [(start, start + 10)]
    assert check_span(made, NOTE) == [(start, start + 10)]
    assert made.author == "dr.lee"


def test_a_discontinuous_span_keeps_its_fragments_in_order() -> None:
    diabetes = NOTE.index("diabetes")
    mellitus = NOTE.index("mellitus")
    made = span("item", NOTE, [(mellitus, mellitus + 8), (diabetes, diabetes + 8)], "problem")
    assert made.data["fragments"] == [[diabetes, diabetes + 8], [mellitus, mellitus + 8]]
    assert (made.data["start"], made.data["end"]) == (diabetes, mellitus + 8)
    assert made.data["text"] == "diabetes mellitus"
    assert span_extent(made) == (diabetes, mellitus + 8)
    assert check_span(made, NOTE) == [(diabetes, diabetes + 8), (mellitus, mellitus + 8)]


@pytest.mark.parametrize(
    ("fragments", "label", "fragment"),
    [
        ([(5, 2)], "problem", "is not inside the note"),
        ([(0, 10**6)], "problem", "is not inside the note"),
        ([(0, 5), (4, 9)], "problem", "neither overlap nor touch"),
        ([], "problem", "at least one fragment"),
        ([(0, 5)], "diagnosis", "unknown label 'diagnosis'"),
        ([(0, 5)], " ", "needs a label"),
    ],
)
def test_a_bad_span_is_one_clear_error(ner, fragments, label: str, fragment: str) -> None:
    with pytest.raises(AnnotationKindError, match=fragment):
        span("item", NOTE, fragments, label, schema=ner)


def test_a_stored_span_that_no_longer_matches_its_text_is_named() -> None:
    stored = Annotation("item", SPAN, "problem", {"start": 0, "end": 6, "text": "nonsense"})
    with pytest.raises(AnnotationKindError, match="differs from the note"):
        check_span(stored, NOTE)
    assert span_extent(Annotation("item", SPAN, "x", {"start": "0", "end": 3})) is None


def test_a_span_can_index_a_transcript() -> None:
    turn = time_interval("rec", 1.0, 3.5, "patient", speaker="S2", text="my chest hurts")
    made = span("rec", transcript(turn), [(3, 14)], "problem", transcript_of=turn.id)
    assert made.data["transcript_of"] == turn.id
    assert made.data["text"] == "chest hurts"


def test_trimmed_drops_surrounding_space() -> None:
    assert trimmed("  pain \n", 0, 8) == (2, 6)
    assert trimmed("   ", 0, 3) is None


def test_a_relation_links_two_spans_the_schema_allows(ner) -> None:
    drug = span(
        "item", NOTE, [(NOTE.index("metformin"), NOTE.index("metformin") + 9)], "medication"
    )
    problem = span("item", NOTE, [(NOTE.index("diabetes"), NOTE.index("diabetes") + 8)], "problem")
    made = relation(drug, problem, "treats", schema=ner)
    assert made.kind == RELATION
    assert relation_ends(made) == (drug.id, problem.id)
    with pytest.raises(AnnotationKindError, match="cannot go from 'problem' to 'medication'"):
        relation(problem, drug, "treats", schema=ner)
    with pytest.raises(AnnotationKindError, match="unknown relation type 'cures'"):
        relation(drug, problem, "cures", schema=ner)
    with pytest.raises(AnnotationKindError, match="links two spans"):
        relation(drug, time_point("item", 1.0, "cough"), "treats")


def test_waveform_points_and_intervals_are_in_samples() -> None:
    ecg = load_preset("ecg-beats-rhythms")
    beat = sample_point("rec", 250, "V", samples=5000, channel=1, code="V", schema=ecg)
    assert (beat.kind, beat.data) == (POINT, {"sample": 250, "channel": 1, "code": "V"})
    assert channel_of(beat) == 1
    rhythm = sample_interval("rec", 0, 5000, "AFIB", samples=5000, schema=ecg)
    assert (rhythm.kind, interval_samples(rhythm, 5000)) == (INTERVAL, (0, 5000))
    with pytest.raises(AnnotationKindError, match="past the end of the record"):
        sample_point("rec", 5000, "N", samples=5000)
    with pytest.raises(AnnotationKindError, match=r"ends \(300\) before it starts \(400\)"):
        sample_interval("rec", 400, 300, "AFIB")
    with pytest.raises(AnnotationKindError, match="'channel' must be 0-255"):
        sample_point("rec", 1, "N", channel=300)
    with pytest.raises(AnnotationKindError, match="unknown label 'Normal'"):
        sample_point("rec", 1, "Normal", schema=ecg)


def test_audio_turns_are_in_seconds_with_a_speaker_tier() -> None:
    audio = load_preset("audio-conversation")
    turn = time_interval(
        "rec", 0.5, 2.0, "clinician", duration_s=5.0, speaker="A", text="hello", schema=audio
    )
    assert turn.data == {
        "start_s": 0.5,
        "end_s": 2.0,
        "attributes": {"speaker_id": "A", "transcript": "hello"},
    }
    assert tier_of(turn) == "clinician A"
    assert transcript(turn) == "hello"
    with pytest.raises(AnnotationKindError, match="outside the recording"):
        time_point("rec", 6.0, "cough", duration_s=5.0)


def test_a_pre_annotation_names_its_file() -> None:
    data = mark_source({"sample": 3}, "100.atr", "wfdb")
    assert source_of(data) == {"file": "100.atr", "format": "wfdb"}
    assert source_of({"sample": 3}) is None


def test_the_modalities_name_their_kinds_with_the_constants() -> None:
    assert modality("text").annotation_kinds == (SPAN, RELATION, CLASSIFICATION)
    assert set(modality("waveform").annotation_kinds) == {POINT, INTERVAL}
    assert set(modality("audio").annotation_kinds) == {POINT, INTERVAL}
