"""Volumes from NIfTI/NRRD/MetaImage files, through SimpleITK (geometry in LPS, as ours).

SimpleITK reports every format's geometry in LPS with the direction matrix's columns as the
axis directions, exactly the convention of :class:`~workspace.volume.geometry.VolumeGeometry`,
and ``GetArrayFromImage`` gives the voxels indexed ``[k, j, i]``: nothing is converted. Of a
4D image (an fMRI or perfusion time series) one 3D frame is read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from workspace.volume.dicom_header import VolumeAssemblyError
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.image_header import ImageFileError, inspect_image
from workspace.volume.model import Volume

_BLOCK = 1 << 20


def _digest(paths: Sequence[Path]) -> str:
    """SHA-256 of the files' bytes, one after the other (just the file's own for one file)."""
    hasher = hashlib.sha256()
    for path in paths:
        with path.open("rb") as handle:
            while block := handle.read(_BLOCK):
                hasher.update(block)
    return hasher.hexdigest()


def frame_notice(frame: int, frames: int) -> str:
    """What a user is told when one frame of a 4D image is imported (``frame`` from 1)."""
    return (
        f"A 4D image of {frames} frames: frame {frame} was imported"
        + (" (the first, by default)" if frame == 1 else "")
        + "; import another with 'caliper import FILE --frame N' (N from 1 to "
        f"{frames})."
    )


def _read(path: Path, image_io: str, size: tuple[int, ...], frame: int) -> Any:
    """The 3D image, or frame ``frame`` (from 1) of a 4D one (only that frame is kept)."""
    import SimpleITK as sitk  # noqa: N813

    reader = sitk.ImageFileReader()
    reader.SetImageIO(image_io)
    reader.SetFileName(str(path))
    if len(size) == 4:
        reader.SetExtractIndex([0, 0, 0, frame - 1])
        reader.SetExtractSize([size[0], size[1], size[2], 0])  # 0: that axis is dropped
    return reader.Execute()


def read_image_volume(
    path: Path, data_files: Sequence[Path] = (), frame: int | None = None
) -> tuple[Volume, str]:
    """The volume in ``path`` and its identity (SHA-256 of the header and its data files).

    The header is checked against the file first (:func:`inspect_image`): a data file outside
    the header's folder, data shorter than the header says or an unusable spacing is refused.
    Of a 4D image, frame ``frame`` (from 1; the first by default) is read, its number part of
    the identity, and the volume's ``warnings`` say which frame of how many it is.
    """
    import SimpleITK as sitk  # noqa: N813

    try:
        info = inspect_image(path)
    except ImageFileError as exc:
        raise VolumeAssemblyError(f"{path.name} {exc}.") from None
    frames = info.size[3] if len(info.size) == 4 else None
    chosen = 1 if frame is None else frame
    if frames is not None and not 1 <= chosen <= frames:
        raise VolumeAssemblyError(
            f"{path.name}: there is no frame {frame}; this 4D image has frames 1 to {frames}."
        )
    try:
        image = _read(path, info.image_io, info.size, chosen)
    except RuntimeError:
        raise VolumeAssemblyError(f"{path.name}: the image could not be read.") from None
    if image.GetDimension() != 3 or image.GetNumberOfComponentsPerPixel() != 1:
        raise VolumeAssemblyError(f"{path.name}: not a 3D image with one value per voxel.")
    d = image.GetDirection()
    size = image.GetSize()
    try:
        geometry = VolumeGeometry(
            shape=(size[2], size[1], size[0]),
            spacing=image.GetSpacing(),
            origin=image.GetOrigin(),
            direction=(d[0:3], d[3:6], d[6:9]),
        )
    except ValueError as exc:
        raise VolumeAssemblyError(f"{path.name}: {exc}.") from None
    digest = _digest([path, *data_files])
    if frames is None:
        return Volume(sitk.GetArrayFromImage(image), geometry), digest
    warnings = [frame_notice(chosen, frames)]
    identity = hashlib.sha256(f"{digest}\nframe {chosen}".encode()).hexdigest()
    return Volume(sitk.GetArrayFromImage(image), geometry, {"warnings": warnings}), identity
