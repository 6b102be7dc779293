"""Small synthetic documents and volumes for the segmentation tests (no Qt, no store)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from workspace.commands import Change, Command, CommandStack
from workspace.segmentation.document import SegmentationDocument
from workspace.segmentation.editing import ToolContext
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import LabelMap, Segment, Volume

#: Anisotropic voxels: 0.5 mm columns (i), 1 mm rows (j), 2 mm slices (k).
GEOMETRY = VolumeGeometry((20, 40, 50), (0.5, 1.0, 2.0))
LIVER = Segment(1, "liver", "#dd8265")
SPLEEN = Segment(2, "spleen", "#9d6ca2")
LESION = Segment(3, "lesion", "#f0e442")


class RecordingSink:
    """A sink that keeps every persisted step in memory."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, str, list[Change]]] = []

    def persist(self, action: str, command: Command, changes: Sequence[Change]) -> None:
        self.steps.append((action, command.kind, list(changes)))


def make_document(
    geometry: VolumeGeometry = GEOMETRY,
    segments: Sequence[Segment] = (LIVER, SPLEEN, LESION),
    dtype: type = np.uint8,
) -> SegmentationDocument:
    """An all-background document."""
    labels = np.zeros(geometry.shape, dtype=dtype)
    return SegmentationDocument("item", LabelMap(labels, geometry, list(segments)))


@pytest.fixture
def document() -> SegmentationDocument:
    return make_document()


@pytest.fixture
def volume() -> Volume:
    """Intensities equal to the column index i (0..49) everywhere: easy ranges to reason about."""
    voxels = np.broadcast_to(np.arange(50, dtype=np.int16), GEOMETRY.shape).copy()
    return Volume(voxels, GEOMETRY)


@pytest.fixture
def context(document: SegmentationDocument, volume: Volume) -> ToolContext:
    return ToolContext(document, volume, segment=LIVER.value)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def stack(sink: RecordingSink) -> CommandStack:
    return CommandStack(sink)
