"""Label maps (NIfTI, NRRD) and DICOM SEG read back as a volume's segmentation.

What ``caliper import FILE --segmentation-of ITEM`` always did, as three annotation formats
(``nifti``, ``nrrd``, ``dicom-seg``): the map must lie exactly on the volume's grid (a SEG must
reference its instances); it becomes the item's segmentation, saved as a new snapshot whose
``source`` is the file name.
"""

from __future__ import annotations

from pathlib import Path

from workspace.annotation_import.base import (
    AnnotationImportError,
    ImportTarget,
    ReadAnnotations,
)
from workspace.annotation_import.registry import register_annotation_importer
from workspace.importers.base import read_head
from workspace.volume.geometry import VolumeGeometry

NIFTI_SUFFIXES = (".nii", ".nii.gz")
NRRD_SUFFIXES = (".nrrd", ".nhdr")
_DICOM_MAGIC_OFFSET = 128


def _is_dicom(path: Path) -> bool:
    return read_head(path, _DICOM_MAGIC_OFFSET + 4)[_DICOM_MAGIC_OFFSET:] == b"DICM"


def _geometry(path: Path, target: ImportTarget) -> VolumeGeometry:
    volume = target.item.meta.get("volume")
    if not isinstance(volume, dict) or "geometry" not in volume:
        raise AnnotationImportError(
            f"{path.name}: item {target.item.id} is not a stored volume to segment."
        )
    return VolumeGeometry.from_json(volume["geometry"])


class LabelMapImporter:
    """``nifti`` / ``nrrd`` / ``dicom-seg``: a segmentation of a stored volume."""

    def __init__(self, format_id: str, suffixes: tuple[str, ...]) -> None:
        self.format_id = format_id
        self.suffixes = suffixes

    def claims(self, path: Path) -> bool:
        """By suffix; a DICOM SEG by its DICOM preamble."""
        if self.suffixes:
            return path.name.lower().endswith(self.suffixes)
        return _is_dicom(path)

    def siblings(self, data_file: Path) -> list[Path]:
        """None: a volume's files give no rule for where its segmentation lies."""
        del data_file
        return []

    def read(self, path: Path, target: ImportTarget) -> ReadAnnotations:
        """The label map, checked against the volume's grid."""
        from workspace.segmentation.label_files import labelmap_from_dicom_seg, labelmap_from_file

        geometry = _geometry(path, target)
        names = list(target.label_names) if target.label_names is not None else None
        if self.suffixes:
            labels = labelmap_from_file(path, geometry, names)
        else:
            headers = target.payloads.source_headers(target.item)
            labels = labelmap_from_dicom_seg(path, headers, geometry, names)
        return ReadAnnotations(labels=labels)


register_annotation_importer(LabelMapImporter("nifti", NIFTI_SUFFIXES))
register_annotation_importer(LabelMapImporter("nrrd", NRRD_SUFFIXES))
register_annotation_importer(LabelMapImporter("dicom-seg", ()))
