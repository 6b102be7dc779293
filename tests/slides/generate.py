"""Synthetic whole-slide files for the tests and the benchmark, written with tifffile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def tissue(height: int, width: int, seed: int = 0) -> npt.NDArray[np.uint8]:
    """An RGB picture with structure at every scale (gradients, blobs, noise)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 180 + 60 * np.sin(x / 37.0) * np.cos(y / 53.0)
    green = 120 + 80 * np.sin((x + y) / 91.0)
    blue = 200 - 0.05 * (x % 400) + 10 * rng.standard_normal((height, width))
    return np.clip(np.stack([red, green, blue], axis=2), 0, 255).astype(np.uint8)


def write_pyramid(
    path: Path,
    width: int,
    height: int,
    *,
    levels: int = 3,
    tile: int = 256,
    mpp: float = 0.5,
    ome: bool = False,
) -> None:
    """A tiled JPEG pyramid: level 0 in the first IFD, lower levels in its SubIFDs; the
    resolution as TIFF tags (centimetres), or as OME ``PhysicalSizeX`` when ``ome``."""
    import tifffile

    image = tissue(height, width)
    options = {"tile": (tile, tile), "compression": "jpeg", "photometric": "rgb"}
    with tifffile.TiffWriter(path, ome=ome) as tif:
        metadata = {"PhysicalSizeX": mpp, "PhysicalSizeY": mpp} if ome else None
        tif.write(
            image,
            subifds=levels - 1,
            resolution=(1e4 / mpp, 1e4 / mpp),
            resolutionunit="CENTIMETER",
            metadata=metadata,
            **options,
        )
        for level in range(1, levels):
            step = 2**level
            tif.write(image[::step, ::step], subfiletype=1, **options)


def write_svs(path: Path, width: int, height: int, *, mpp: float = 0.25) -> npt.NDArray[np.uint8]:
    """An Aperio-style SVS (pyramid in the main IFDs, thumbnail, label, macro); returns the
    label's pixels (which carry the 'patient name')."""
    import tifffile

    image = tissue(height, width)
    label = np.zeros((120, 300, 3), np.uint8)
    label[20:100, 20:280] = (250, 30, 30)  # stands for a printed name
    label[40:80, 40:260, 1] = np.arange(220, dtype=np.uint8)
    macro = tissue(200, 500, seed=2)
    head = f"Aperio Image Library v12.0.15\r\n{width}x{height} [0,0 {width}x{height}] (256x256)"
    description = f"{head} JPEG/RGB Q=70|AppMag = 40|MPP = {mpp}"
    options = {"compression": "jpeg", "photometric": "rgb", "metadata": None}
    with tifffile.TiffWriter(path) as tif:
        tif.write(image, tile=(256, 256), description=description, **options)
        tif.write(image[::8, ::8], description=f"{head} -> thumbnail", **options)
        tif.write(image[::4, ::4], tile=(256, 256), description=description, **options)
        tif.write(
            label,
            subfiletype=1,
            description="Aperio Image Library label",
            photometric="rgb",
            metadata=None,
        )
        tif.write(macro, subfiletype=9, description="Aperio Image Library macro", **options)
    return label


def write_dicom_wsi(
    folder: Path, width: int, height: int, *, levels: int = 2, tile: int = 256, mpp: float = 0.5
) -> list[Path]:
    """A DICOM VL Whole Slide Microscopy pyramid (one TILED_FULL file per level, JPEG
    baseline frames) and a label, written with pydicom; returns the files."""
    import imagecodecs
    import pydicom
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.sequence import Sequence
    from pydicom.uid import JPEGBaseline8Bit, generate_uid

    folder.mkdir(parents=True, exist_ok=True)
    image = tissue(height, width, seed=5)
    study, series, frame_of_reference = generate_uid(), generate_uid(), generate_uid()
    label = np.full((100, 200, 3), 230, np.uint8)
    label[30:70, 20:180] = (10, 10, 200)
    planes = [image[:: 2**n, :: 2**n] for n in range(levels)]
    written = []
    for number, (pixels, kind) in enumerate(
        [(plane, "VOLUME") for plane in planes] + [(label, "LABEL")]
    ):
        rows, columns = pixels.shape[:2]
        tile_size = tile if kind == "VOLUME" else max(rows, columns)
        frames = [
            imagecodecs.jpeg_encode(
                _padded(pixels[y : y + tile_size, x : x + tile_size], tile_size), level=95
            )
            for y in range(0, rows, tile_size)
            for x in range(0, columns, tile_size)
        ]
        spacing = mpp * 2**number / 1000 if kind == "VOLUME" else 0.05
        ds = Dataset()
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.77.1.6"
        ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
        ds.SOPClassUID = ds.file_meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.FrameOfReferenceUID = frame_of_reference
        ds.Modality = "SM"
        ds.ImageType = ["ORIGINAL", "PRIMARY", kind, "NONE"]
        ds.PatientName = "Doe^Jane"
        ds.PatientID = "P-1"
        ds.ContainerIdentifier = "S-1"
        ds.SeriesNumber, ds.InstanceNumber = 1, number + 1
        ds.DimensionOrganizationType = "TILED_FULL"
        ds.TotalPixelMatrixColumns, ds.TotalPixelMatrixRows = columns, rows
        ds.TotalPixelMatrixFocalPlanes = 1
        ds.Rows = ds.Columns = tile_size
        ds.NumberOfFrames = len(frames)
        ds.SamplesPerPixel = 3
        ds.PhotometricInterpretation = "YBR_FULL_422"
        ds.PlanarConfiguration = 0
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
        ds.LossyImageCompression = "01"
        ds.LossyImageCompressionRatio = 10
        ds.LossyImageCompressionMethod = "ISO_10918_1"
        ds.ImagedVolumeWidth = columns * spacing
        ds.ImagedVolumeHeight = rows * spacing
        ds.ImagedVolumeDepth = 0.001
        ds.SpecimenLabelInImage = "YES" if kind == "LABEL" else "NO"
        ds.BurnedInAnnotation = "YES" if kind == "LABEL" else "NO"
        ds.FocusMethod = "AUTO"
        ds.ExtendedDepthOfField = "NO"
        origin = Dataset()
        origin.XOffsetInSlideCoordinateSystem = 0.0
        origin.YOffsetInSlideCoordinateSystem = 0.0
        ds.TotalPixelMatrixOriginSequence = Sequence([origin])
        ds.ImageOrientationSlide = [0, -1, 0, -1, 0, 0]
        measures = Dataset()
        measures.PixelSpacing = [spacing, spacing]
        measures.SliceThickness = 0.001
        shared = Dataset()
        shared.PixelMeasuresSequence = Sequence([measures])
        ds.SharedFunctionalGroupsSequence = Sequence([shared])
        path_item = Dataset()
        path_item.OpticalPathIdentifier = "0"
        illumination = Dataset()
        illumination.CodeValue, illumination.CodingSchemeDesignator = "111744", "DCM"
        illumination.CodeMeaning = "Brightfield illumination"
        path_item.IlluminationTypeCodeSequence = Sequence([illumination])
        ds.OpticalPathSequence = Sequence([path_item])
        ds.NumberOfOpticalPaths = 1
        ds.PixelData = encapsulate(frames)
        ds["PixelData"].VR = "OB"
        target = folder / f"level-{number}.dcm"
        pydicom.dcmwrite(target, ds, enforce_file_format=True)
        written.append(target)
    return written


def _padded(pixels: npt.NDArray[np.uint8], size: int) -> npt.NDArray[np.uint8]:
    out = np.zeros((size, size, 3), np.uint8)
    pixels = pixels[:size, :size]
    out[: pixels.shape[0], : pixels.shape[1]] = pixels
    return out
