"""Volumes from NIfTI/NRRD/MetaImage files, through SimpleITK (geometry in LPS, as ours)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workspace.volume.dicom_series import VolumeAssemblyError
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.model import Volume


def read_image_volume(path: Path) -> tuple[Volume, str]:
    """The volume in ``path`` and the file's SHA-256 (its identity)."""
    import SimpleITK as sitk  # noqa: N813

    try:
        image = sitk.ReadImage(str(path))
    except RuntimeError:
        raise VolumeAssemblyError(f"{path.name}: the image could not be read.") from None
    d = image.GetDirection()
    try:
        geometry = VolumeGeometry(
            shape=(image.GetSize()[2], image.GetSize()[1], image.GetSize()[0]),
            spacing=image.GetSpacing(),
            origin=image.GetOrigin(),
            direction=(d[0:3], d[3:6], d[6:9]),
        )
    except ValueError as exc:
        raise VolumeAssemblyError(f"{path.name}: {exc}.") from None
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Volume(sitk.GetArrayFromImage(image), geometry), digest
