"""Volumes from NIfTI/NRRD/MetaImage files, through SimpleITK (geometry in LPS, as ours).

SimpleITK reports every format's geometry in LPS with the direction matrix's columns as the
axis directions, exactly the convention of :class:`~workspace.volume.geometry.VolumeGeometry`,
and ``GetArrayFromImage`` gives the voxels indexed ``[k, j, i]``: nothing is converted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

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


def read_image_volume(path: Path, data_files: Sequence[Path] = ()) -> tuple[Volume, str]:
    """The volume in ``path`` and its identity (SHA-256 of the header and its data files).

    The header is checked against the file first (:func:`inspect_image`): a data file outside
    the header's folder, data shorter than the header says or an unusable spacing is refused.
    """
    import SimpleITK as sitk  # noqa: N813

    try:
        info = inspect_image(path)
    except ImageFileError as exc:
        raise VolumeAssemblyError(f"{path.name} {exc}.") from None
    try:
        image = sitk.ReadImage(str(path), imageIO=info.image_io)
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
    return Volume(sitk.GetArrayFromImage(image), geometry), _digest([path, *data_files])
