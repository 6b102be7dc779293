"""Whole-slide images: pyramidal TIFF, OME-TIFF and SVS (``tifffile``), the other OpenSlide
formats (``openslide``), and DICOM WSI (``wsidicom``).

Each importer opens the file to check it is a slide it can read and to describe it; its tiles
are read only when the item is stored (:func:`workspace.slides.importing.store_slide_item`).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entries, read_head
from workspace.importers.dicom_waveform import media_sop_class
from workspace.slides.model import SlideError
from workspace.slides.sources import SOURCE_KEY, check_first_tiles, open_source

TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
#: OpenSlide formats that are not read as plain TIFF (their tiles are re-encoded).
OPENSLIDE_SUFFIXES = frozenset({".ndpi", ".mrxs", ".vms", ".vmu", ".scn", ".bif", ".svslide"})
WSI_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.77.1.6"


def _describe(kind: str, paths: list[Path], title: str) -> ImportedItem:
    source = open_source(kind, paths)
    try:
        check_first_tiles(source, title)
        base = source.levels[0]
        meta = {
            SOURCE_KEY: kind,
            "width": base.width,
            "height": base.height,
            "levels": len(source.levels),
            "mpp": list(source.mpp) if source.mpp else None,
        }
    finally:
        source.close()
    label = f"{title} ({base.width} x {base.height}, {meta['levels']} levels)"
    return ImportedItem("slide", label, file_entries(paths), meta)


def _read_each(kind: str, paths: list[Path], context: ReadContext | None) -> list[ImportedItem]:
    ctx = context or ReadContext()
    items: list[ImportedItem] = []
    for path in paths:
        ctx.check_cancelled()
        try:
            items.append(_describe(kind, [path], path.stem))
        except SlideError as exc:
            ctx.problem(path, str(exc).removeprefix(f"{path.name}: "))
        ctx.step()
    return items


class TiffSlideImporter:
    """Tiled pyramidal TIFF, OME-TIFF and Aperio SVS files, one item per file."""

    format_id = "slide-tiff"
    modality = "slide"

    def claims(self, path: Path) -> bool:
        """Claim TIFF files (by magic bytes) but those OpenSlide must read."""
        if path.suffix.lower() in OPENSLIDE_SUFFIXES:
            return False
        return read_head(path, 4) in TIFF_MAGIC

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Each file checked by tifffile: a tiled 8-bit pyramid."""
        return _read_each("tiff", paths, context)


class OpenSlideImporter:
    """Hamamatsu, MIRAX, Leica, Ventana... slides read through OpenSlide (tiles re-encoded)."""

    format_id = "slide-openslide"
    modality = "slide"

    def claims(self, path: Path) -> bool:
        """Claim by the formats' extensions."""
        return path.suffix.lower() in OPENSLIDE_SUFFIXES

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Each file opened by OpenSlide."""
        return _read_each("openslide", paths, context)


def dicom_identity(paths: list[Path]) -> dict[str, str]:
    """The UIDs of a DICOM slide's base (largest) image, which annotations refer to (no
    patient attributes: those stay in the sealed files)."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError

    best: tuple[int, dict[str, str]] = (-1, {})
    for path in paths:
        try:
            header = dcmread(path, stop_before_pixels=True)
        except (OSError, InvalidDicomError, ValueError):
            continue
        size = int(header.get("TotalPixelMatrixColumns", 0) or 0)
        if size > best[0]:
            keys = {
                "study_uid": "StudyInstanceUID",
                "series_uid": "SeriesInstanceUID",
                "sop_uid": "SOPInstanceUID",
                "frame_of_reference_uid": "FrameOfReferenceUID",
                "container_id": "ContainerIdentifier",
            }
            found = {k: str(header.get(v, "")) for k, v in keys.items()}
            best = (size, {k: v for k, v in found.items() if v})
    return best[1]


class DicomSlideImporter:
    """DICOM VL Whole Slide Microscopy images: the files of one folder make one slide."""

    format_id = "slide-dicom"
    modality = "slide"

    def claims(self, path: Path) -> bool:
        """Claim DICOM files of the whole-slide SOP class (from the meta header)."""
        return media_sop_class(read_head(path, 1024)) == WSI_SOP_CLASS

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """The files grouped by folder, each group opened by wsidicom."""
        ctx = context or ReadContext()
        groups: dict[Path, list[Path]] = defaultdict(list)
        for path in paths:
            groups[path.parent].append(path)
        items: list[ImportedItem] = []
        for folder, group in groups.items():
            ctx.check_cancelled()
            try:
                item = _describe("dicom", sorted(group), folder.name or "slide")
                item.meta["dicom"] = dicom_identity(sorted(group))
                items.append(item)
            except SlideError as exc:
                ctx.problem(group[0], str(exc))
            ctx.step(len(group))
        return items
