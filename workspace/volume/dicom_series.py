"""Assemble a CT/MR volume from the DICOM files of one series (classic or Enhanced multi-frame).

Two passes over the files, each on a small thread pool: first every header is parsed and the
series is ordered and checked (:mod:`workspace.volume.series_grid`), so a series that cannot be
loaded safely is refused before any pixel is read; then every file is read once and its
frames are rescaled straight into their slot of the volume. Headers the importer's scan already
walked are taken as they are, not parsed again. Rescale slope/intercept is applied
per frame: int16 when every slope and intercept is a whole number and the values fit, float32
otherwise. A file whose header or pixel data cannot be read is skipped and named, and the rest
loads if it still forms a safe volume.

While the files are read, the finished slices are hashed in order (SHA-256 of the volume's
little-endian bytes), so sealing the voxels need not read them all again before encrypting;
the voxels of an assembled volume are read-only, so that digest stays true. The source files
are not hashed whole: each one's header (its bytes before the pixel data) is, and together
with the voxel digest these identify the series (:func:`workspace.volume.store.source_identity`).
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from workspace.volume.dicom_header import DicomFile, VolumeAssemblyError, read_header
from workspace.volume.dicom_native import NativeHeader
from workspace.volume.dicom_pixels import header_file_bytes, read_frames
from workspace.volume.model import Volume
from workspace.volume.series_grid import SeriesGrid, plan_grid

if TYPE_CHECKING:
    import pydicom

__all__ = [
    "AssembledVolume",
    "SourceFile",
    "VolumeAssemblyError",
    "VoxelSink",
    "assemble_series",
]
MAX_WORKERS = 4
_INT16 = np.iinfo(np.int16)
_T = TypeVar("_T")
_R = TypeVar("_R")


@dataclass(frozen=True)
class SourceFile:
    """One source DICOM file: its name, its header (pixel data removed) and that header's
    SHA-256 (of the file's own bytes before its pixel data)."""

    name: str
    header_sha256: str
    header_bytes: bytes  # the header as a DICOM file, as stored for export

    @property
    def header(self) -> pydicom.Dataset:
        """The header parsed by pydicom."""
        import pydicom

        return pydicom.dcmread(io.BytesIO(self.header_bytes))


class VoxelSink(Protocol):
    """Takes the voxels' bytes while they are assembled (to seal them as they are read)."""

    def advance(self, final: int) -> None:
        """The first ``final`` bytes of the voxels are final and will not change."""

    def abort(self) -> None:
        """These voxels will not be kept: drop whatever was done with them."""


StreamTo = Callable[[memoryview], VoxelSink | None]  # None: not worth streaming


@dataclass
class AssembledVolume:
    """The volume, its source files in slice order, and what the user should be told.

    ``sealing`` is the sink the voxels were streamed to (when one was asked for and all of
    them reached it); whoever takes the volume finishes or aborts it.
    """

    volume: Volume
    sources: list[SourceFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # file, why it was left out
    sealing: VoxelSink | None = field(default=None, repr=False, compare=False)


def default_workers() -> int:
    """Threads for reading: file reads, hashing and numpy copies release the GIL."""
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _guarded(work: Callable[[_T], _R], value: _T) -> _R | VolumeAssemblyError:
    """``work(value)``, or the refusal it raised."""
    try:
        return work(value)
    except VolumeAssemblyError as exc:
        return exc


def _outcomes(
    pool: ThreadPoolExecutor, work: Callable[[_T], _R], inputs: Sequence[_T]
) -> Iterator[_R | VolumeAssemblyError]:
    """``work`` on every input, on the pool; the results in input order, as they come."""
    return pool.map(lambda value: _guarded(work, value), inputs)


def _headers(
    pool: ThreadPoolExecutor, paths: Sequence[Path], parsed: Mapping[Path, NativeHeader]
) -> list[DicomFile | VolumeAssemblyError]:
    """Every file's header: those already walked are taken as they are (no file is opened,
    no pool task spent), the others are read on the pool."""
    unknown = [path for path in paths if path not in parsed]
    read = dict(zip(unknown, _outcomes(pool, read_header, unknown), strict=True))
    return [
        read[path] if path in read else _guarded(lambda p: read_header(p, parsed[p]), path)
        for path in paths
    ]


def _unused_bits_corrected(stored: npt.NDArray[Any], unused: int) -> npt.NDArray[Any]:
    """Ignore the bits above BitsStored as pydicom does (mask, or sign-extend if signed)."""
    bits = stored.dtype.itemsize * 8 - unused
    signed = stored.dtype.kind == "i"
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if low <= int(stored.min()) and int(stored.max()) <= high:
        return stored
    corrected = stored.copy()
    np.left_shift(corrected, unused, out=corrected)
    np.right_shift(corrected, unused, out=corrected)
    return corrected


def _store_frame(
    target: npt.NDArray[Any], stored: npt.NDArray[Any], slope: float, intercept: float
) -> bool:
    """Write ``stored * slope + intercept`` into ``target``; False if int16 cannot hold it."""
    if target.dtype == np.float32:
        np.multiply(stored, np.float32(slope), out=target, dtype=np.float32)
        np.add(target, np.float32(intercept), out=target)
        return True
    ends = (int(stored.min()) * slope + intercept, int(stored.max()) * slope + intercept)
    if min(ends) < _INT16.min or max(ends) > _INT16.max:
        return False
    if abs(slope) <= _INT16.max and _INT16.min <= intercept <= _INT16.max:
        # int16 arithmetic wraps, but it is exact because every result fits in int16.
        if slope != 1:
            np.multiply(stored, int(slope), out=target, dtype=np.int16, casting="unsafe")
            np.add(target, int(intercept), out=target, dtype=np.int16, casting="unsafe")
        else:
            np.add(stored, int(intercept), out=target, dtype=np.int16, casting="unsafe")
    else:
        target[...] = stored.astype(np.int64) * int(slope) + int(intercept)
    return True


class _SliceHasher:
    """SHA-256 of a volume's bytes, fed slice by slice in order as slices are finished; the
    bytes hashed are final, and are handed on to the sink (if any) as they are."""

    def __init__(self, voxels: npt.NDArray[Any], stream_to: StreamTo | None) -> None:
        self._voxels = voxels
        self._finished = [False] * voxels.shape[0]
        self._next = 0
        self._sha = hashlib.sha256()
        self.usable = sys.byteorder == "little" and voxels.flags.c_contiguous
        self.sink = stream_to(voxels.data) if stream_to is not None and self.usable else None

    def finished(self, slices: list[int]) -> None:
        """Mark ``slices`` written; hash every slice now finished in an unbroken run."""
        for k in slices:
            self._finished[k] = True
        start = self._next
        while self.usable and self._next < len(self._finished) and self._finished[self._next]:
            self._sha.update(self._voxels[self._next])
            self._next += 1
        if self.sink is not None and self._next > start:
            self.sink.advance(self._next * self._voxels[0].nbytes)

    def drop_sink(self) -> None:
        """Abort the sink: these voxels will not be kept."""
        if self.sink is not None:
            self.sink.abort()
            self.sink = None

    def hexdigest(self) -> str | None:
        """The digest once every slice was hashed (None otherwise)."""
        return self._sha.hexdigest() if self._next == len(self._finished) else None


@dataclass
class _Filled:
    voxels: npt.NDArray[Any]
    outcomes: list[VolumeAssemblyError | None]  # per file why it failed (None if it did not)
    fits: bool  # whether int16 held every value
    digest: str | None  # the voxels' SHA-256 (None if not complete)
    sink: VoxelSink | None  # what the voxels were streamed to, when all of them were


def _fill(
    pool: ThreadPoolExecutor,
    files: list[DicomFile],
    grid: SeriesGrid,
    dtype: type,
    stream_to: StreamTo | None,
) -> _Filled:
    """Read every file into the volume, hashing (and streaming) the finished slices."""
    voxels: npt.NDArray[Any] = np.empty(grid.geometry.shape, dtype=dtype)
    slots: list[list[int]] = [[] for _ in files]
    for k, item in enumerate(grid.slices):
        slots[item.file].append(k)
    fits = [True]

    def load(f: int) -> None:
        frames = read_frames(files[f])
        unused = files[f].unused_bits if files[f].native else 0
        for k in slots[f]:
            item = grid.slices[k]
            stored = frames[item.frame]
            if unused:
                stored = _unused_bits_corrected(stored, unused)
            if not _store_frame(voxels[k], stored, item.slope, item.intercept):
                fits[0] = False

    # files in slice order, so that finished slices can be hashed while the rest are read
    order = sorted(range(len(files)), key=lambda f: min(slots[f], default=len(grid.slices)))
    outcomes: list[VolumeAssemblyError | None] = [None] * len(files)
    hasher = _SliceHasher(voxels, stream_to)
    try:
        for f, outcome in zip(order, _outcomes(pool, load, order), strict=True):
            outcomes[f] = outcome
            if isinstance(outcome, VolumeAssemblyError):
                hasher.usable = False
                hasher.drop_sink()
            elif fits[0]:
                hasher.finished(slots[f])
            else:
                hasher.drop_sink()
        digest = hasher.hexdigest() if fits[0] else None
        if digest is None:
            hasher.drop_sink()
    except BaseException:
        hasher.drop_sink()
        raise
    return _Filled(voxels, outcomes, fits[0], digest, hasher.sink)


def _assemble(
    pool: ThreadPoolExecutor,
    files: list[DicomFile],
    skipped: list[tuple[Path, str]],
    stream_to: StreamTo | None,
) -> AssembledVolume:
    grid = plan_grid(files)
    dtype: type = np.int16 if grid.integral else np.float32
    filled = _fill(pool, files, grid, dtype, stream_to)
    if not filled.fits:  # integral rescale whose values exceed int16: float32 holds them exactly
        filled = _fill(pool, files, grid, np.float32, stream_to)
    outcomes = filled.outcomes
    failed = [f for f, outcome in enumerate(outcomes) if isinstance(outcome, VolumeAssemblyError)]
    if failed:
        skipped.extend((files[f].path, str(outcomes[f])) for f in failed)
        kept = [file for f, file in enumerate(files) if f not in failed]
        if not kept:
            raise VolumeAssemblyError(str(outcomes[failed[0]]))
        try:
            return _assemble(pool, kept, skipped, stream_to)
        except VolumeAssemblyError as exc:
            names = ", ".join(files[f].name for f in failed)
            reason = str(exc).rstrip(".")
            raise VolumeAssemblyError(f"{reason} (after leaving out {names}).") from None
    try:
        first_slot = {item.file: k for k, item in reversed(list(enumerate(grid.slices)))}
        sources = [
            SourceFile(file.name, hashlib.sha256(file.prefix).hexdigest(), header_file_bytes(file))
            for f, file in sorted(enumerate(files), key=lambda pair: first_slot[pair[0]])
        ]
    except BaseException:
        if filled.sink is not None:
            filled.sink.abort()
        raise
    voxels = filled.voxels
    voxels.flags.writeable = False  # keeps ``digest`` true until the volume is sealed
    warnings = {"warnings": list(grid.warnings)}
    volume = Volume(voxels, grid.geometry, warnings, sha256=filled.digest)
    return AssembledVolume(volume, sources, list(grid.warnings), skipped, filled.sink)


def _placed_files(files: list[DicomFile], skipped: list[tuple[Path, str]]) -> list[DicomFile]:
    """The files placed in the patient when some are: a file of such a series that gives no
    position is left out (and said why) rather than refusing the whole series."""
    if not any(file.placement == "patient" for file in files):
        return files
    for file in files:
        if file.placement != "patient":
            reason = f"{file.name}: it gives no position in the patient, unlike its series."
            skipped.append((file.path, reason))
    return [file for file in files if file.placement == "patient"]


def assemble_series(
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    parsed: Mapping[Path, NativeHeader] | None = None,
    stream_to: StreamTo | None = None,
) -> AssembledVolume:
    """Read, order and check every file of one series; the volume or a clear refusal.

    Unreadable files are left out and listed in ``skipped`` (and in ``warnings``); if what
    remains is not a safe volume, :class:`VolumeAssemblyError` says why in one sentence.
    ``parsed`` holds headers the fast walker already read (by path), which are not read again.
    ``stream_to`` makes a sink for the voxels' bytes (e.g. :meth:`storage.blobs.BlobStore.stream`)
    that gets them as they become final; the assembled volume carries it as ``sealing``.
    """
    if not paths:
        raise VolumeAssemblyError("The series has no files.")
    with ThreadPoolExecutor(workers or default_workers()) as pool:
        headers = _headers(pool, paths, parsed or {})
        files = [h for h in headers if isinstance(h, DicomFile)]
        skipped = [
            (path, str(h))
            for path, h in zip(paths, headers, strict=True)
            if not isinstance(h, DicomFile)
        ]
        if not files:
            raise VolumeAssemblyError(
                skipped[0][1]
                if len(skipped) == 1
                else f"None of the {len(paths)} files could be read ({skipped[0][1]})"
            )
        files = _placed_files(files, skipped)
        assembled = _assemble(pool, files, skipped, stream_to)
    assembled.warnings.extend(f"Left out: {reason}" for _, reason in assembled.skipped)
    assembled.volume.meta["warnings"] = assembled.warnings
    return assembled
