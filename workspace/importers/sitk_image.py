"""NIfTI, NRRD and MetaImage volumes, read through SimpleITK (whose geometry is LPS, as ours)."""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, file_entry

IMAGE_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".mha")
FORMAT_NAMES = {".nii": "NIfTI", ".nii.gz": "NIfTI", ".nrrd": "NRRD", ".mha": "MetaImage"}


def _suffix(path: Path) -> str | None:
    name = path.name.lower()
    return next(
        (s for s in sorted(IMAGE_SUFFIXES, key=len, reverse=True) if name.endswith(s)), None
    )


class SimpleItkImageImporter:
    """One volume item per 3D image file."""

    format_id = "sitk-image"
    modality = "volume"

    def claims(self, path: Path) -> bool:
        """Claim by extension (these formats have no reliable magic bytes of their own)."""
        return _suffix(path) is not None

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Read each file's header only (size, spacing, pixel type); voxels come later."""
        import SimpleITK as sitk  # noqa: N813

        ctx = context or ReadContext()
        items: list[ImportedItem] = []
        for path in paths:
            ctx.check_cancelled()
            reader = sitk.ImageFileReader()
            reader.SetFileName(str(path))
            try:
                reader.ReadImageInformation()
            except RuntimeError:
                ctx.problem(path, "is not a readable NIfTI/NRRD/MetaImage file")
                ctx.step()
                continue
            size = reader.GetSize()
            if len(size) != 3 or reader.GetNumberOfComponents() != 1:
                ctx.problem(
                    path,
                    f"is not a 3D scalar image (size {size}, "
                    f"{reader.GetNumberOfComponents()} components)",
                )
                ctx.step()
                continue
            kind = FORMAT_NAMES[_suffix(path) or ".nii"]
            meta = {
                "image_format": kind,
                "size": list(size),
                "spacing": list(reader.GetSpacing()),
                "pixel_type": sitk.GetPixelIDValueAsString(reader.GetPixelID()),
            }
            title = f"{kind} — {path.name} ({size[0]}×{size[1]}×{size[2]})"
            items.append(ImportedItem("volume", title, [file_entry(path)], meta))
            ctx.step()
        return items
