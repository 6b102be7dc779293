"""A volume's segmentation kept as a compressed label-map snapshot plus its segment list.

The snapshot lives in the encrypted blob store; the segmentation record is an annotation
(kind ``segmentation``) pushed through the command stack, so saving one is audited and undoable.
Brush-level edits will be stored as deltas on top of the newest snapshot.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select

from storage.models import LabelMapDeltaRecord
from workspace.annotations import AddAnnotation, Annotation, UpdateAnnotation
from workspace.errors import DamagedSegmentationError, NoSegmentationError, WorkspaceError
from workspace.volume.geometry import VolumeGeometry
from workspace.volume.image_header import ImageFileError, inspect_image
from workspace.volume.labelmap_edit import apply_stored_delta
from workspace.volume.model import LabelMap, Segment

if TYPE_CHECKING:
    from workspace.workspace import Workspace

KIND = "segmentation"
CODEC = "zlib"
_PIECE = 1 << 20  # decompressed a piece at a time straight into the label array
PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6",
           "#bcf60c", "#fabebe", "#008080"]  # fmt: skip


class SegmentationImportError(WorkspaceError):
    """A label map that does not fit its volume; the message says why."""


def _record(workspace: Workspace, item_id: str) -> Annotation | None:
    found = [a for a in workspace.document(item_id).all() if a.kind == KIND]
    return found[-1] if found else None


def save_segmentation(workspace: Workspace, item_id: str, labels: LabelMap, source: str) -> str:
    """Store ``labels`` as the item's segmentation (a new snapshot); returns the record id."""
    workspace.require_editable(item_id)  # before the snapshot is sealed into the blob store
    array = np.ascontiguousarray(labels.labels)
    digest = workspace.profile.blobs.put(pack_labels(array))
    data: dict[str, Any] = {
        "snapshot": digest,
        "codec": CODEC,
        "dtype": array.dtype.str,
        "geometry": labels.geometry.to_json(),
        "segments": [asdict(s) for s in labels.segments],
        "source": source,
        "after_seq": _last_delta_seq(workspace, item_id),
    }
    document = workspace.document(item_id)
    stack = workspace.command_stack(item_id)
    existing = _record(workspace, item_id)
    if existing is None:
        record = Annotation(item_id, KIND, None, data, author=workspace.user)
        stack.push(AddAnnotation(document, record))
        return record.id
    stack.push(UpdateAnnotation(document, existing.id, data=data))
    return existing.id


#: What reading a damaged record, snapshot or delta raises (turned into one sentence).
DAMAGE = (KeyError, TypeError, ValueError, IndexError, MemoryError, zlib.error)


def damaged(item_id: str, problem: BaseException) -> DamagedSegmentationError:
    """The error for item ``item_id``'s stored segmentation failing to read back."""
    if isinstance(problem, KeyError):
        reason = f"its record has no {problem.args[0]!r}" if problem.args else "a missing entry"
    else:
        reason = str(problem) or type(problem).__name__
    return DamagedSegmentationError(
        f"The stored segmentation of item {item_id} is damaged ({reason})"
        "; it is neither shown nor exported. Import a saved copy with "
        f"`caliper import FILE --segmentation-of {item_id}`."
    )


def load_segmentation(workspace: Workspace, item_id: str) -> LabelMap:
    """The item's newest segmentation snapshot with the edits stored after it.

    :class:`NoSegmentationError` if it has none; :class:`DamagedSegmentationError` if the
    stored record, snapshot or an edit cannot be read back (never an empty map instead).
    """
    record = _record(workspace, item_id)
    if record is None:
        raise NoSegmentationError(f"Item {item_id} has no segmentation yet.")
    data = record.data
    try:
        geometry = VolumeGeometry.from_json(data["geometry"])
        snapshot = workspace.profile.blobs.get(data["snapshot"])
        labels = unpack_labels(snapshot, data["dtype"], geometry)
        with workspace.profile.database.read() as session:
            steps = session.execute(
                select(
                    LabelMapDeltaRecord.bbox, LabelMapDeltaRecord.dtype, LabelMapDeltaRecord.voxels
                )
                .where(
                    LabelMapDeltaRecord.item_id == item_id,
                    LabelMapDeltaRecord.seq > int(data.get("after_seq", 0)),
                )
                .order_by(LabelMapDeltaRecord.seq)
            )
            for bbox, dtype, voxels in steps:
                apply_stored_delta(labels, bbox, dtype, voxels)
        return LabelMap(labels, geometry, [Segment(**s) for s in data["segments"]])
    except DAMAGE as exc:
        raise damaged(item_id, exc) from None


def pack_labels(array: npt.NDArray[Any]) -> bytes:
    """A label array's C-order bytes, compressed (how snapshots and queue results hold it)."""
    return zlib.compress(np.ascontiguousarray(array).data.cast("B"), 1)


def unpack_labels(
    payload: bytes | bytearray, dtype: str, geometry: VolumeGeometry
) -> npt.NDArray[Any]:
    """The label array packed by :func:`pack_labels`; ValueError if it does not fit."""
    labels = np.empty(geometry.shape, dtype=np.dtype(dtype))
    _decompress_into(payload, labels)
    return labels


def _decompress_into(payload: bytes | bytearray, out: npt.NDArray[Any]) -> None:
    """Inflate ``payload`` into ``out``, a piece at a time (no second copy of the labels).

    Raises ValueError when the inflated size differs from ``out``'s.
    """
    target = out.data.cast("B")  # out is C-contiguous (fresh from np.empty)
    inflater = zlib.decompressobj()
    pending: bytes | bytearray = payload
    position = 0
    while not inflater.eof:
        piece = inflater.decompress(pending, _PIECE)
        pending = inflater.unconsumed_tail
        if not piece and not pending:
            break  # the stream ends early
        if position + len(piece) > len(target):
            raise ValueError("The stored label map is larger than its geometry says.")
        target[position : position + len(piece)] = piece
        position += len(piece)
    if not inflater.eof or position != len(target):
        raise ValueError("The stored label map is smaller than its geometry says.")


def _last_delta_seq(workspace: Workspace, item_id: str) -> int:
    with workspace.profile.database.read() as session:
        query = select(func.max(LabelMapDeltaRecord.seq)).where(
            LabelMapDeltaRecord.item_id == item_id
        )
        return int(session.scalar(query) or 0)


def _as_labels(array: npt.NDArray[Any]) -> npt.NDArray[np.uint8] | npt.NDArray[np.uint16]:
    """The smallest unsigned type that holds every label value."""
    return array.astype(np.uint8) if array.max(initial=0) < 256 else array.astype(np.uint16)


def _segments_for(values: list[int], names: list[str] | None) -> list[Segment]:
    if names is not None and len(names) != len(values):
        raise SegmentationImportError(
            f"{len(names)} label names given for {len(values)} labels ({values})."
        )
    return [
        Segment(value, names[n] if names else f"segment {value}", PALETTE[n % len(PALETTE)])
        for n, value in enumerate(values)
    ]


def labelmap_from_file(path: Path, geometry: VolumeGeometry, names: list[str] | None) -> LabelMap:
    """Read a NIfTI/NRRD label map and check it lies exactly on the volume's grid."""
    import SimpleITK as sitk  # noqa: N813

    try:
        info = inspect_image(path)  # a crafted header is refused before SimpleITK follows it
        image = sitk.ReadImage(str(path), imageIO=info.image_io)
    except ImageFileError as exc:
        raise SegmentationImportError(f"{path.name} {exc}.") from None
    except RuntimeError:
        raise SegmentationImportError(f"{path.name}: not a readable NIfTI or NRRD image.") from None
    array = sitk.GetArrayFromImage(image)
    checks = [
        ("size", array.shape == geometry.shape),
        ("origin", np.allclose(image.GetOrigin(), geometry.origin, atol=1e-3)),
        ("spacing", np.allclose(image.GetSpacing(), geometry.spacing, atol=1e-4)),
        ("direction", np.allclose(image.GetDirection(), np.ravel(geometry.direction), atol=1e-4)),
    ]
    wrong = [name for name, ok in checks if not ok]
    if wrong:
        raise SegmentationImportError(
            f"{path.name}: its {', '.join(wrong)} differ from the volume's; it is not a "
            "segmentation of this volume."
        )
    if not np.issubdtype(array.dtype, np.integer) or array.min() < 0 or array.max() > 65535:
        raise SegmentationImportError(f"{path.name}: label values must be integers 0..65535.")
    labels = _as_labels(array)
    values = [int(v) for v in np.unique(labels) if v != 0]
    if names is None and image.HasMetaDataKey("Segment0_Name"):
        names = _slicer_names(image, values)
    return LabelMap(labels, geometry, _segments_for(values, names))


def _slicer_names(image: Any, values: list[int]) -> list[str] | None:
    by_value: dict[int, str] = {}
    index = 0
    while image.HasMetaDataKey(f"Segment{index}_Name"):
        key = f"Segment{index}_LabelValue"
        value = int(image.GetMetaData(key)) if image.HasMetaDataKey(key) else index + 1
        by_value[value] = image.GetMetaData(f"Segment{index}_Name")
        index += 1
    return [by_value.get(v, f"segment {v}") for v in values]


def labelmap_from_dicom_seg(
    path: Path, headers: list[Any], geometry: VolumeGeometry, names: list[str] | None
) -> LabelMap:
    """Read a DICOM SEG made on this volume's instances into a label map on its grid."""
    import highdicom as hd

    try:
        seg = hd.seg.segread(path)
    except Exception:  # noqa: BLE001 - any reader failure becomes one sentence
        raise SegmentationImportError(f"{path.name}: not a readable DICOM SEG.") from None
    if str(seg.FrameOfReferenceUID) != str(headers[0].FrameOfReferenceUID):
        raise SegmentationImportError(
            f"{path.name}: its frame of reference differs from the volume's."
        )
    try:
        array = seg.get_pixels_by_source_instance(
            source_sop_instance_uids=[str(h.SOPInstanceUID) for h in headers],
            combine_segments=True,
            skip_overlap_checks=True,
            assert_missing_frames_are_empty=True,
        )
    except (KeyError, ValueError, RuntimeError) as exc:
        raise SegmentationImportError(
            f"{path.name}: it does not reference this volume's images ({exc})."
        ) from None
    labels = _as_labels(np.asarray(array))
    values = [int(v) for v in np.unique(labels) if v != 0]
    if names is None:
        names = [seg.get_segment_description(v).segment_label for v in values]
    return LabelMap(labels, geometry, _segments_for(values, names))


def import_segmentation(
    workspace: Workspace, item_id: str, path: Path, names: list[str] | None = None
) -> LabelMap:
    """Import a NIfTI/NRRD label map or a DICOM SEG as the segmentation of a volume item."""
    from workspace.volume.store import load_source_headers

    item = workspace.item(item_id)
    if item.modality != "volume" or "volume" not in item.meta:
        raise SegmentationImportError(f"Item {item_id} is not a stored volume.")
    geometry = VolumeGeometry.from_json(item.meta["volume"]["geometry"])
    if path.name.lower().endswith((".nii", ".nii.gz", ".nrrd", ".nhdr")):
        labels = labelmap_from_file(path, geometry, names)
    else:
        headers = load_source_headers(workspace.profile.blobs, item.meta)
        labels = labelmap_from_dicom_seg(path, headers, geometry, names)
    save_segmentation(workspace, item_id, labels, source=path.name)
    return labels
