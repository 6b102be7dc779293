"""Window/level tables, segment overlay and the per-view pipeline (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from viewers.volume.overlay import Composer, Overlay, compose, unpack_rgb
from viewers.volume.pipeline import SlicePipeline
from viewers.volume.reslice import View, slice_frame
from viewers.volume.window_level import PRESETS, WindowLevel, voi_linear
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Segment


def _dicom_voi(x: float, window: float, level: float) -> int:
    """DICOM PS3.3 C.11.2.1.2.1, written out as the standard states it."""
    if x <= level - 0.5 - (window - 1) / 2:
        return 0
    if x > level - 0.5 + (window - 1) / 2:
        return 255
    return int(np.floor(((x - (level - 0.5)) / (window - 1) + 0.5) * 255 + 0.5))


def test_presets_are_the_usual_ones() -> None:
    assert PRESETS == {
        "Soft tissue": (400.0, 40.0),
        "Abdomen": (350.0, 50.0),
        "Lung": (1500.0, -600.0),
        "Bone": (2000.0, 300.0),
        "Brain": (80.0, 40.0),
    }


@pytest.mark.parametrize("name", list(PRESETS))
def test_lookup_table_equals_the_dicom_function_for_every_int16(name: str) -> None:
    window, level = PRESETS[name]
    values = np.arange(-32768, 32768, dtype=np.int64)
    expected = np.array([_dicom_voi(float(x), window, level) for x in values[::97]])
    grey = WindowLevel(window, level).apply(values.astype(np.int16)[None, :])[0]
    assert grey[::97].tolist() == expected.tolist()
    assert grey[32768 - 1024] == 0 or level - window / 2 < -1024  # air is black below the window


def test_known_values_and_other_voxel_types() -> None:
    wl = WindowLevel(400, 40)
    values = np.array([[-1000, -160, 40, 240, 3000]], dtype=np.int16)
    assert wl.apply(values).tolist() == [[0, 0, 128, 255, 255]]
    assert wl.apply(values.astype(np.float32)).tolist() == [[0, 0, 128, 255, 255]]
    assert wl.apply(values.astype(np.int32)).tolist() == [[0, 0, 128, 255, 255]]
    mr = np.array([[0, 100, 200, 65535]], dtype=np.uint16)
    assert WindowLevel(200, 100).apply(mr).tolist() == voi_linear(mr, 200, 100).tolist()
    small = np.arange(256, dtype=np.uint8)[None, :]
    assert WindowLevel(100, 50).apply(small).tolist() == voi_linear(small, 100, 50).tolist()
    assert wl.range == (-160.0, 240.0)


def test_lookup_works_on_strided_slices_and_into_a_buffer() -> None:
    volume = np.random.default_rng(1).integers(-1000, 2000, (6, 7, 8), dtype=np.int16)
    wl = WindowLevel(1500, -600)
    plane = volume[:, 3, ::-1].T  # strided, transposed, reversed
    out = np.empty(plane.shape, dtype=np.uint8)
    result = wl.apply(plane, out=out)
    assert result is out
    assert out.tolist() == voi_linear(plane, 1500, -600).tolist()


def test_overlay_blends_visible_segments_only() -> None:
    grey = np.full((2, 2), 100, dtype=np.uint8)
    labels = np.array([[0, 1], [2, 0]], dtype=np.uint8)
    segments = [
        Segment(1, "liver", "#ff0000", opacity=1.0),
        Segment(2, "spleen", "#00ff00", visible=False),
    ]
    rgb = unpack_rgb(compose(grey, labels, Overlay.for_labels(segments, labels.dtype)))
    assert rgb[0, 1].tolist() == [255, 0, 0]
    assert rgb[1, 0].tolist() == [100, 100, 100]
    assert rgb[0, 0].tolist() == [100, 100, 100]
    half = Overlay.for_labels([Segment(1, "liver", "#ff0000", opacity=0.5)], labels.dtype)
    assert unpack_rgb(compose(grey, labels, half))[0, 1].tolist() == [177, 50, 50]
    clear = Overlay.for_labels([Segment(1, "liver", "#ff0000", opacity=0.0)], labels.dtype)
    assert unpack_rgb(compose(grey, labels, clear))[0, 1].tolist() == [100, 100, 100]


def test_sixteen_bit_labels_keep_their_own_colours() -> None:
    grey = np.zeros((1, 4), dtype=np.uint8)
    labels = np.array([[0, 300, 256, 1000]], dtype=np.uint16)
    segments = [
        Segment(300, "a", "#0000ff", opacity=1.0),
        Segment(256, "b", "#00ff00", opacity=1.0),
        Segment(1000, "c", "#ff0000", opacity=1.0, visible=False),
    ]
    rgb = unpack_rgb(compose(grey, labels, Overlay.for_labels(segments, labels.dtype)))
    assert rgb[0].tolist() == [[0, 0, 0], [0, 0, 255], [0, 255, 0], [0, 0, 0]]


def test_composer_reuses_its_buffers() -> None:
    composer = Composer()
    grey = np.zeros((3, 3), dtype=np.uint8)
    first = composer.compose(grey, None, None)
    second = composer.compose(grey + 10, None, None)
    assert first is second
    assert unpack_rgb(second)[0, 0].tolist() == [10, 10, 10]


def test_pipeline_renders_the_voxel_at_each_pixel() -> None:
    geometry = VolumeGeometry((5, 6, 7), (0.8, 0.8, 2.5))
    voxels = np.full(geometry.shape, -1000, dtype=np.int16)
    voxels[2, 3, 4] = 40  # mid grey in the soft-tissue window
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    labels[2, 1, 1] = 1
    overlay = Overlay.for_labels([Segment(1, "x", "#00ff00", opacity=1.0)], labels.dtype)
    for view in View:
        frame = slice_frame(geometry, view)
        pipeline = SlicePipeline(frame, voxels)
        pipeline.set_labels(labels, overlay)
        index, row, col = frame.pixel((2, 3, 4))
        assert unpack_rgb(pipeline.render(index))[row, col].tolist() == [128, 128, 128]
        index, row, col = frame.pixel((2, 1, 1))
        assert unpack_rgb(pipeline.render(index))[row, col].tolist() == [0, 255, 0]
    with pytest.raises(ValueError, match="do not match"):
        SlicePipeline(slice_frame(geometry, View.AXIAL), voxels[1:])


def test_sagittal_slabs_follow_label_edits() -> None:
    geometry = VolumeGeometry((6, 7, 40), (0.8, 0.8, 2.5))
    voxels = np.arange(np.prod(geometry.shape), dtype=np.int16).reshape(geometry.shape)
    labels = np.zeros(geometry.shape, dtype=np.uint8)
    overlay = Overlay.for_labels([Segment(1, "x", "#00ff00", opacity=1.0)], labels.dtype)
    frame = slice_frame(geometry, View.SAGITTAL)
    pipeline = SlicePipeline(frame, voxels)
    pipeline.set_labels(labels, overlay)
    pipeline.window_level = WindowLevel(60000, 0)
    for index in [0, 17, 39, 16, 3, *range(10, 30), *range(30, 5, -1), 18, 19]:  # jumps, scrolls
        expected = pipeline.window_level.apply(frame.extract(voxels, index))
        assert np.array_equal(pipeline.grey(index), expected), index
    before = pipeline.render(20).copy()  # from the slab built while scrolling up to 19
    labels[2, 3, 20] = 1  # an edit inside the cached slab
    pipeline.labels_changed((2, 3, 3, 4, 20, 21))
    after = unpack_rgb(pipeline.render(20))
    _, row, col = frame.pixel((2, 3, 20))
    assert after[row, col].tolist() == [0, 255, 0]
    assert not np.array_equal(before, pipeline.render(20))
