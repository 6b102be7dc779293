"""Threshold and region grow: previews, exact voxels, deltas limited to what changes."""

from __future__ import annotations

import numpy as np
import pytest

from workspace.volume.labelmap_edit import LabelMapDocument
from workspace.volume.threshold import mask_delta, region_grow_mask, threshold_mask


@pytest.fixture
def voxels() -> np.ndarray:
    array = np.full((10, 20, 20), -100, dtype=np.int16)
    array[2:5, 2:6, 2:6] = 60  # one bright block
    array[6:9, 12:18, 12:18] = 60  # another, not connected
    return array


def test_threshold_preview_then_apply(voxels) -> None:
    mask = threshold_mask(voxels, 40, 80)
    assert int(mask.sum()) == 3 * 4 * 4 + 3 * 6 * 6
    labels = np.zeros(voxels.shape, np.uint8)
    delta = mask_delta(labels, mask, 2)
    assert delta is not None and delta.bbox == (2, 9, 2, 18, 2, 18)
    LabelMapDocument("item", labels).write(delta, "after")
    assert np.array_equal(labels == 2, mask)
    assert mask_delta(labels, mask, 2) is None  # applying twice changes nothing


def test_region_grow_keeps_only_the_connected_block(voxels) -> None:
    mask = region_grow_mask(voxels, (3, 3, 3), 40, 80)
    assert int(mask.sum()) == 3 * 4 * 4
    assert not mask[7, 15, 15]


def test_bad_ranges_are_clear_errors(voxels) -> None:
    with pytest.raises(ValueError, match="range is empty"):
        threshold_mask(voxels, 80, 40)
    with pytest.raises(ValueError, match="outside the range"):
        region_grow_mask(voxels, (0, 0, 0), 40, 80)
