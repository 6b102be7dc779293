"""The min/max pyramid: exact envelopes against numpy, memory, progress and cancel, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest

from workspace.errors import WorkspaceError
from workspace.waveform import pyramid as pyramid_module
from workspace.waveform.pyramid import (
    BuildCancelledError,
    LodPyramid,
    PyramidError,
    column_edges,
)


def _expected(samples: npt.NDArray, edges: npt.NDArray) -> tuple[npt.NDArray, npt.NDArray]:
    """numpy's own min and max over each column, one column at a time."""
    spans = list(itertools.pairwise(edges))
    mins = np.array([[row[a:b].min() for a, b in spans] for row in samples])
    maxs = np.array([[row[a:b].max() for a, b in spans] for row in samples])
    return mins, maxs


def _signal(rng: np.random.Generator, dtype: type, channels: int, count: int) -> npt.NDArray:
    """Noise with rare large spikes, so a column's extreme is often one sample near its edge."""
    values = rng.normal(0, 200, (channels, count))
    spikes = rng.random((channels, count)) < 0.001
    values[spikes] *= 40
    if np.dtype(dtype).kind == "i":
        values = np.clip(values, -32768, 32767)
    return values.astype(dtype)


@pytest.mark.parametrize("body", [1, 4, pyramid_module.BODY])
@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_envelopes_equal_numpy_at_unaligned_column_edges(
    dtype: type, body: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path: raw columns, a body of 1, 4 or BODY blocks, boundaries split to the samples."""
    monkeypatch.setattr(pyramid_module, "BODY", body)
    rng = np.random.default_rng(7)
    samples = _signal(rng, dtype, 3, 300_001)
    pyramid = LodPyramid.build(samples)
    windows = [(0, 300_001, 1600), (1, 300_000, 997), (12_345, 12_345 + 999, 100)]
    windows += [(5, 38, 33), (70_001, 70_001 + 64 * 13 + 7, 13), (299_000, 300_001, 7)]
    windows += [(3, 299_999, 11), (16 * 1024 + 1, 16 * 4096 - 1, 3), (1, 300_001, 250)]
    for _ in range(20):
        start = int(rng.integers(0, 300_000))
        stop = int(rng.integers(start + 1, 300_002))
        windows.append((start, stop, int(rng.integers(1, min(stop - start, 600) + 1))))
    for start, stop, columns in windows:
        edges = column_edges(start, stop, columns)
        mins, maxs = pyramid.envelopes(start, stop, columns)
        expected_mins, expected_maxs = _expected(samples, edges)
        assert mins.dtype == samples.dtype
        np.testing.assert_array_equal(mins, expected_mins, err_msg=f"{start=} {stop=} {columns=}")
        np.testing.assert_array_equal(maxs, expected_maxs, err_msg=f"{start=} {stop=} {columns=}")


def test_one_channel_and_a_subset_of_channels() -> None:
    rng = np.random.default_rng(3)
    samples = _signal(rng, np.int16, 4, 50_000)
    pyramid = LodPyramid.build(samples)
    edges = column_edges(1_003, 48_999, 321)
    expected_mins, expected_maxs = _expected(samples, edges)
    mins, maxs = pyramid.envelope(2, 1_003, 48_999, 321)
    np.testing.assert_array_equal(mins, expected_mins[2])
    np.testing.assert_array_equal(maxs, expected_maxs[2])
    mins, maxs = pyramid.envelopes(1_003, 48_999, 321, channels=[3, 0])
    np.testing.assert_array_equal(mins, expected_mins[[3, 0]])
    np.testing.assert_array_equal(maxs, expected_maxs[[3, 0]])


def test_arbitrary_edges_and_a_single_spike_at_a_column_edge() -> None:
    samples = np.zeros(100_000, dtype=np.int16)
    samples[77_777] = 1000  # the first sample of a column, in the middle of a level-0 block
    samples[77_776] = -1000  # the last sample of the column before
    pyramid = LodPyramid.build(samples)
    edges = np.array([0, 40_000, 77_777, 99_999, 100_000])
    mins, maxs = pyramid.envelopes_at(edges)
    np.testing.assert_array_equal(mins[0], [0, -1000, 0, 0])
    np.testing.assert_array_equal(maxs[0], [0, 0, 1000, 0])


def test_nan_is_kept_like_numpy() -> None:
    samples = np.random.default_rng(1).normal(size=(1, 20_000)).astype(np.float32)
    samples[0, 12_345] = np.nan
    pyramid = LodPyramid.build(samples)
    edges = column_edges(0, 20_000, 50)
    mins, maxs = pyramid.envelopes_at(edges)
    expected_mins, expected_maxs = _expected(samples, edges)
    np.testing.assert_array_equal(mins, expected_mins)  # NaN where numpy gives NaN
    np.testing.assert_array_equal(maxs, expected_maxs)
    assert np.isnan(mins[0]).sum() == 1


def test_levels_take_a_sixth_of_the_samples_and_reach_the_whole_record() -> None:
    samples = np.zeros((12, 500 * 3600), dtype=np.int16)
    pyramid = LodPyramid.build(samples)
    assert pyramid.nbytes <= 0.2 * samples.nbytes
    assert [level.block for level in pyramid.levels[:3]] == [16, 64, 256]
    assert pyramid.levels[-1].mins.shape[1] < 2 * pyramid.factor
    assert pyramid.levels[0].mins.dtype == np.int16
    assert pyramid.samples is samples  # kept, never copied


def test_progress_rises_to_one_and_false_cancels() -> None:
    samples = np.zeros((2, 1_000_000), dtype=np.float32)
    seen: list[float] = []
    LodPyramid.build(samples, progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1.0
    assert len(seen) > 10
    calls: list[float] = []

    def cancel_after_three(fraction: float) -> bool:
        calls.append(fraction)
        return len(calls) < 3

    with pytest.raises(BuildCancelledError):
        LodPyramid.build(samples, progress=cancel_after_three)
    assert len(calls) == 3


def test_short_records_fewer_samples_than_columns_and_bad_windows() -> None:
    pyramid = LodPyramid.build(np.arange(10, dtype=np.int16))
    assert pyramid.levels == ()
    mins, maxs = pyramid.envelope(0, 2, 10, 4)
    np.testing.assert_array_equal(mins, [2, 4, 6, 8])
    np.testing.assert_array_equal(maxs, [3, 5, 7, 9])
    with pytest.raises(ValueError, match="cannot fill"):
        pyramid.envelope(0, 0, 3, 4)  # draw the samples instead
    with pytest.raises(ValueError, match="inside"):
        pyramid.envelope(0, 5, 11, 2)
    with pytest.raises(ValueError, match="increase"):
        pyramid.envelopes_at(np.array([0, 4, 4, 8]))
    np.testing.assert_array_equal(pyramid.samples_between(0, 8, 20), [8, 9])


@pytest.mark.parametrize(
    "samples", [np.array(["a", "b"]), np.zeros((2, 2, 2)), np.array([True, False])]
)
def test_samples_that_are_not_numbers_are_refused_with_one_message(samples: object) -> None:
    with pytest.raises(PyramidError) as raised:
        LodPyramid.build(samples)  # type: ignore[arg-type]
    assert isinstance(raised.value, WorkspaceError)
    assert "signal samples must be" in str(raised.value)
