"""Boxes, landmarks, rulers and classifications: schema-checked annotations in patient space."""

from __future__ import annotations

import math

import pytest

from workspace.annotations import AddAnnotation, AnnotationDocument
from workspace.commands import CommandStack
from workspace.schema import (
    AttributeValueError,
    UnknownAttributeError,
    UnknownLabelError,
    load_preset,
)
from workspace.segmentation import measurements
from workspace.volume.geometry import VolumeGeometry

SCHEMA = load_preset("ct-abdomen-organs")
# i along -x (a flipped axis), spacing 0.5, 1, 2 mm, origin shifted.
GEOMETRY = VolumeGeometry(
    (20, 40, 50),
    (0.5, 1.0, 2.0),
    origin=(10.0, -5.0, 100.0),
    direction=((-1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)),
)


def test_ruler_length_is_in_millimetres_in_patient_space(stack: CommandStack) -> None:
    ruler = measurements.ruler(
        "item", GEOMETRY, (0, 0, 0), (2, 4, 6), "lesion", schema=SCHEMA,
        attributes={"long_axis_mm": 5.0, "target_lesion": True},
    )  # fmt: skip
    assert ruler.kind == "ruler" and ruler.label == "lesion"
    assert ruler.data["start"] == [10.0, -5.0, 100.0]
    assert ruler.data["end"] == [7.0, -1.0, 104.0]  # i: 6 x 0.5 mm along -x
    assert ruler.data["length_mm"] == pytest.approx(math.sqrt(9 + 16 + 16))
    assert ruler.data["attributes"] == {"long_axis_mm": 5.0, "target_lesion": True}
    document = AnnotationDocument("item")
    stack.push(AddAnnotation(document, ruler))
    assert document.get(ruler.id).data["end_kji"] == [2.0, 4.0, 6.0]


def test_box_and_landmark() -> None:
    box = measurements.box3d("item", GEOMETRY, (4, 10, 20), (2, 5, 10), "liver", schema=SCHEMA)
    assert box.kind == "box3d"
    assert box.data["min_kji"] == [2, 5, 10] and box.data["max_kji"] == [4, 10, 20]
    assert box.data["size_mm_kji"] == [6.0, 6.0, 5.5]
    assert box.data["volume_ml"] == pytest.approx(6 * 6 * 5.5 / 1000)
    assert box.data["corners"] == [[5.25, -0.5, 103.0], [-0.25, 5.5, 109.0]]
    point = measurements.landmark("item", GEOMETRY, (1, 2.5, 3), "liver", schema=SCHEMA)
    assert point.kind == "landmark"
    assert point.data["point"] == [8.5, -2.5, 102.0]
    with pytest.raises(ValueError, match="outside"):
        measurements.landmark("item", GEOMETRY, (20, 0, 0))


def test_labels_and_attributes_are_checked_against_the_schema() -> None:
    with pytest.raises(UnknownLabelError):
        measurements.landmark("item", GEOMETRY, (1, 1, 1), "livr", schema=SCHEMA)
    with pytest.raises(AttributeValueError, match="does not apply"):
        measurements.ruler(
            "item", GEOMETRY, (0, 0, 0), (1, 1, 1), "liver", schema=SCHEMA,
            attributes={"lesion_type": "solid"},
        )  # fmt: skip
    with pytest.raises(AttributeValueError, match="not one of"):
        measurements.box3d(
            "item", GEOMETRY, (0, 0, 0), (1, 1, 1), "lesion", schema=SCHEMA,
            attributes={"lesion_type": "wobbly"},
        )  # fmt: skip


def test_classification_holds_the_study_level_attributes() -> None:
    values = {
        "finding": "cyst",
        "severity": "mild",
        "laterality": "right",
        "certainty": "probable",
    }
    found = measurements.classification("item", SCHEMA, values, author="dr")
    assert found.kind == "classification" and found.label is None and found.author == "dr"
    assert found.data == {
        "finding": "cyst",
        "attributes": {"severity": "mild", "laterality": "right", "certainty": "probable"},
    }
    with pytest.raises(AttributeValueError, match="not one of"):
        measurements.classification("item", SCHEMA, {"finding": "cyst", "severity": "extreme"})
    with pytest.raises(AttributeValueError, match="describes a label"):
        measurements.classification("item", SCHEMA, {"finding": "cyst", "target_lesion": True})
    with pytest.raises(AttributeValueError, match="needs a finding"):
        measurements.classification("item", SCHEMA, {"severity": "mild"})
    with pytest.raises(UnknownAttributeError):
        measurements.classification("item", SCHEMA, {"finding": "cyst", "mood": "sad"})
