"""DICOM waveforms (12-lead ECG and the other waveform storage classes), read with pydicom.

Claimed before the DICOM image importer, by the Media Storage SOP Class UID in the file's
meta header, so a waveform file is never refused as an image without pixels.
"""

from __future__ import annotations

from pathlib import Path

from workspace.importers.base import ImportedItem, ReadContext, read_head
from workspace.importers.signal_file import read_signal_files
from workspace.waveform.dicom_reader import WAVEFORM_SOP_PREFIX

_MEDIA_SOP_CLASS = b"\x02\x00\x02\x00UI"  # (0002,0002), explicit VR little endian
_HEAD = 1024


def media_sop_class(head: bytes) -> str:
    """The Media Storage SOP Class UID of a Part 10 file from its first bytes ("" if none)."""
    if head[128:132] != b"DICM":
        return ""
    at = head.find(_MEDIA_SOP_CLASS, 132)
    if at < 0 or at + 8 > len(head):
        return ""
    length = int.from_bytes(head[at + 6 : at + 8], "little")
    return head[at + 8 : at + 8 + length].rstrip(b"\x00 ").decode("ascii", errors="replace")


def is_dicom_waveform(path: Path) -> bool:
    """True for a DICOM Part 10 file of a waveform storage SOP class."""
    return media_sop_class(read_head(path, _HEAD)).startswith(WAVEFORM_SOP_PREFIX)


class DicomWaveformImporter:
    """One waveform item per DICOM waveform file (its first non median-beat group)."""

    format_id = "dicom-waveform"
    modality = "waveform"

    def claims(self, path: Path) -> bool:
        """Claim DICOM files whose SOP class is a waveform one."""
        return is_dicom_waveform(path)

    def read(self, paths: list[Path], context: ReadContext | None = None) -> list[ImportedItem]:
        """Each file read in full by pydicom (the waveform data's length checked)."""
        return read_signal_files(self.format_id, paths, context)
