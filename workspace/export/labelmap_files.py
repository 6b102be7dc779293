"""Label maps as NIfTI or NRRD files with the source geometry (through SimpleITK).

NRRD files carry the segments in 3D Slicer's ``.seg.nrrd`` key/value convention; NIfTI, which
has no place for names, gets an ITK-SNAP label description file beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workspace.export.base import ExportError, ExportInput, require_suffix
from workspace.export.registry import register_exporter
from workspace.volume.model import LabelMap, Segment

NIFTI_SUFFIXES = (".nii", ".nii.gz")
NRRD_SUFFIXES = (".nrrd", ".nhdr")


def _rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def label_description(segments: list[Segment]) -> str:
    """ITK-SNAP's label description text (``IDX R G B A VIS MSH "LABEL"``)."""
    lines = ['0 0 0 0 0 0 0 "Clear Label"']
    for segment in segments:
        red, green, blue = _rgb(segment.color)
        visible = 1 if segment.visible else 0
        lines.append(
            f"{segment.value} {red} {green} {blue} {segment.opacity:.2f} {visible} 1 "
            f'"{segment.name}"'
        )
    return "\n".join(lines) + "\n"


def _slicer_metadata(segments: list[Segment]) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for index, segment in enumerate(segments):
        red, green, blue = _rgb(segment.color)
        prefix = f"Segment{index}_"
        metadata[prefix + "ID"] = f"Segment_{segment.value}"
        metadata[prefix + "Name"] = segment.name
        metadata[prefix + "Color"] = f"{red / 255:.4f} {green / 255:.4f} {blue / 255:.4f}"
        metadata[prefix + "LabelValue"] = str(segment.value)
        metadata[prefix + "Layer"] = "0"
    return metadata


def labelmap_image(labels: LabelMap) -> Any:
    """A SimpleITK image of the label map with its exact geometry (LPS, as ITK uses)."""
    import SimpleITK as sitk  # noqa: N813

    image = sitk.GetImageFromArray(labels.labels)  # [k, j, i] -> x=i, y=j, z=k
    geometry = labels.geometry
    image.SetSpacing(geometry.spacing)
    image.SetOrigin(geometry.origin)
    image.SetDirection([value for row in geometry.direction for value in row])
    return image


def write_labelmap(labels: LabelMap, path: Path) -> list[Path]:
    """Write ``labels`` as NIfTI or NRRD (by suffix); returns every file written."""
    import SimpleITK as sitk  # noqa: N813

    name = path.name.lower()
    if not name.endswith(NIFTI_SUFFIXES + NRRD_SUFFIXES):
        raise ExportError(f"{path.name}: use a .nii, .nii.gz or .nrrd file name.")
    image = labelmap_image(labels)
    written = [path]
    if name.endswith(NRRD_SUFFIXES):
        for key, value in _slicer_metadata(labels.segments).items():
            image.SetMetaData(key, value)
    try:
        sitk.WriteImage(image, str(path), useCompression=True)
        if name.endswith(NIFTI_SUFFIXES):
            stem = path.name[: -len(".nii.gz")] if name.endswith(".nii.gz") else path.stem
            description = path.with_name(f"{stem}_labels.txt")
            description.write_text(label_description(labels.segments), encoding="utf-8")
            written.append(description)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise ExportError(f"{path}: could not be written ({reason})") from None
    return written


class LabelMapExporter:
    """``nifti`` / ``nrrd``: a volume's segmentation as a label-map image."""

    result_file: str | None = None

    def __init__(self, format_id: str, suffixes: tuple[str, ...]) -> None:
        self.format_id = format_id
        self.suffixes = suffixes

    def write(self, source: ExportInput, out: Path) -> list[Path]:
        """Write ``out`` (and, for NIfTI, the label description beside it)."""
        require_suffix(out, self.format_id, self.suffixes)
        return write_labelmap(source.payloads.segmentation(source.item), out)


register_exporter(LabelMapExporter("nifti", NIFTI_SUFFIXES))
register_exporter(LabelMapExporter("nrrd", (".nrrd",)))
