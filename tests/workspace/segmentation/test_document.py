"""The segmentation document: schema segments, events, and undoable segment commands."""

from __future__ import annotations

import numpy as np
import pytest

from tests.workspace.segmentation.conftest import GEOMETRY, LIVER, SPLEEN, make_document
from workspace.annotations import AddAnnotation, Annotation, AnnotationDocument
from workspace.commands import CommandStack
from workspace.schema import load_preset
from workspace.segmentation.document import (
    AddSegment,
    RecolourSegment,
    RenameSegment,
    SegmentationDocument,
    SetSegmentLock,
    SetSegmentOpacity,
    SetSegmentVisibility,
    segments_from_schema,
)
from workspace.volume.model import LabelMap, Segment


def test_new_document_has_one_segment_per_schema_class_valued_by_position() -> None:
    schema = load_preset("ct-abdomen-organs")
    document = SegmentationDocument.new("item", GEOMETRY, schema)
    assert [s.name for s in document.segments] == list(schema.class_names)
    assert [s.value for s in document.segments] == list(range(1, len(schema.classes) + 1))
    assert document.segment_named("lesion").color == schema.class_named("lesion").color
    assert document.labels.dtype == np.uint8 and not document.labels.any()
    picked = segments_from_schema(schema, ["lesion", "liver"])
    assert [(s.value, s.name) for s in picked] == [(1, "liver"), (11, "lesion")]


def test_read_only_labels_are_copied_and_bad_segments_refused() -> None:
    labels = np.zeros(GEOMETRY.shape, np.uint8)
    labels.flags.writeable = False
    document = SegmentationDocument("item", LabelMap(labels, GEOMETRY, [LIVER]))
    assert document.labels.flags.writeable
    for bad in (
        [LIVER, Segment(1, "other", "#000000")],
        [LIVER, Segment(2, "liver", "#000000")],
        [Segment(300, "big", "#000000")],
        [Segment(1, "x", "red")],
        [Segment(1, "x", "#000000", opacity=1.5)],
        [Segment(1, " ", "#000000")],
    ):
        with pytest.raises(ValueError):
            SegmentationDocument("item", LabelMap(labels.copy(), GEOMETRY, bad))


def test_segment_commands_undo_and_fire_segments_changed(stack: CommandStack) -> None:
    document = make_document(segments=[LIVER])
    fired: list[str] = []
    document.events.segments_changed.connect(lambda: fired.append("segments"))
    stack.push(AddSegment(document, SPLEEN))
    stack.push(RenameSegment(document, SPLEEN.value, "splenule"))
    stack.push(RecolourSegment(document, SPLEEN.value, "#123456"))
    stack.push(SetSegmentVisibility(document, SPLEEN.value, False))
    stack.push(SetSegmentOpacity(document, SPLEEN.value, 0.25))
    stack.push(SetSegmentLock(document, SPLEEN.value, True))
    assert document.segment(SPLEEN.value) == Segment(2, "splenule", "#123456", False, 0.25, True)
    assert len(fired) == 6
    assert stack.undo_text == "lock splenule"
    stack.undo()
    assert stack.undo_text == "change opacity of splenule"
    stack.redo()
    while stack.can_undo:
        stack.undo()
    assert document.segments == (LIVER,)
    while stack.can_redo:
        stack.redo()
    assert document.segment(2).name == "splenule"


def test_invalid_segment_edits_are_refused_before_anything_changes() -> None:
    document = make_document(segments=[LIVER, SPLEEN])
    with pytest.raises(ValueError, match="names repeat"):
        RenameSegment(document, SPLEEN.value, "liver")
    with pytest.raises(ValueError, match="colour"):
        RecolourSegment(document, LIVER.value, "blue")
    with pytest.raises(ValueError, match="opacity"):
        SetSegmentOpacity(document, LIVER.value, 2.0)
    with pytest.raises(ValueError, match="values repeat"):
        AddSegment(document, Segment(1, "again", "#000000"))
    with pytest.raises(KeyError):
        RenameSegment(document, 9, "nine")
    assert document.segments == (LIVER, SPLEEN)
    assert document.free_values(3) == [3, 4, 5]


def test_segment_commands_rewrite_the_tied_segmentation_record(stack, sink) -> None:
    annotations = AnnotationDocument("item")
    record = Annotation("item", "segmentation", None, {"snapshot": "abc", "segments": []})
    stack.push(AddAnnotation(annotations, record))
    document = make_document(segments=[])
    document.annotations, document.record_id = annotations, record.id
    stack.push(AddSegment(document, LIVER))
    action, kind, (change,) = sink.steps[-1]
    assert (action, kind, change.table, change.key) == (
        "do",
        "segment.add",
        "annotations",
        record.id,
    )
    assert change.values is not None
    assert change.values["data"]["snapshot"] == "abc"
    assert change.values["data"]["segments"][0]["name"] == "liver"
    stack.undo()
    assert annotations.get(record.id).data["segments"] == []


def test_labels_changed_carries_the_edited_box(context, stack) -> None:
    from workspace.segmentation.tools.base import Pointer
    from workspace.segmentation.tools.paint import BrushOptions, PaintTool

    boxes = []
    context.document.events.labels_changed.connect(boxes.append)
    tool = PaintTool(BrushOptions(radius_mm=1.0))
    tool.activate(context)
    stack.push(tool.apply(Pointer((3, 10, 10))))
    stack.undo()
    assert boxes == [(3, 4, 9, 12, 8, 13), (3, 4, 9, 12, 8, 13)]
