"""Every public DICOM test file installed here imports, or is refused in one sentence.

The files are pydicom-data's (``data_store/data``) and pydicom's own installed test files
(``pydicom/data/test_files``), each imported alone into one real profile. :data:`EXPECTED`
lists the outcome of every file, so that any change shows up here:

- ``(modality, shape)``: a volume item of that DICOM modality and voxel shape ``(k, j, i)``;
- ``(item modality, None)``: another kind of item (a text note, an ECG);
- a string: refused, with a one-line message naming the file (in the message or as the
  file reported) that contains this string, and nothing added to the profile;
- ``None``: skipped silently (a DICOMDIR, an index of the files beside it).
"""

# ruff: noqa: E501

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pydicom
import pytest

from storage.profile import Profile
from tests.conftest import FAST_KDF, PASSPHRASE
from workspace.workspace import Workspace

data_store = pytest.importorskip("data_store", reason="pydicom-data is a dev dependency")
ROOTS = {
    "pydicom-data": Path(data_store.__file__).parent / "data",
    "pydicom": Path(pydicom.__file__).parent / "data" / "test_files",
}

EXPECTED: dict[str, tuple[str, tuple[int, int, int] | None] | str | None] = {
    "pydicom-data/693_J2KR.dcm": ("CT", (1, 512, 512)),
    "pydicom-data/693_UNCI.dcm": ("CT", (1, 512, 512)),
    "pydicom-data/693_UNCR.dcm": ("CT", (1, 512, 512)),
    "pydicom-data/JPEG-LL.dcm": ("NM", (1, 1024, 256)),
    "pydicom-data/JPEG2000_UNC.dcm": ("NM", (1, 1024, 256)),
    "pydicom-data/JPGLosslessP14SV1_1s_1f_8b.dcm": ("US", (1, 768, 1024)),
    "pydicom-data/MR-SIEMENS-DICOM-WithOverlays.dcm": ("MR", (1, 484, 484)),
    "pydicom-data/MR2_J2KI.dcm": ("MR", (1, 1024, 1024)),
    "pydicom-data/MR2_J2KR.dcm": ("MR", (1, 1024, 1024)),
    "pydicom-data/MR2_UNCI.dcm": ("MR", (1, 1024, 1024)),
    "pydicom-data/MR2_UNCR.dcm": ("MR", (1, 1024, 1024)),
    "pydicom-data/OBXXXX1A.dcm": ("US", (1, 600, 800)),
    "pydicom-data/OBXXXX1A_2frame.dcm": ("US", (2, 600, 800)),
    "pydicom-data/OBXXXX1A_expb.dcm": ("US", (1, 600, 800)),
    "pydicom-data/OBXXXX1A_expb_2frame.dcm": ("US", (2, 600, 800)),
    "pydicom-data/OBXXXX1A_rle.dcm": ("US", (1, 600, 800)),
    "pydicom-data/OBXXXX1A_rle_2frame.dcm": ("US", (2, 600, 800)),
    "pydicom-data/OT-PAL-8-face.dcm": ("OT", (1, 480, 640)),
    "pydicom-data/RG1_J2KI.dcm": ("CR", (1, 1955, 1841)),
    "pydicom-data/RG1_J2KR.dcm": ("CR", (1, 1955, 1841)),
    "pydicom-data/RG1_UNCI.dcm": ("CR", (1, 1955, 1841)),
    "pydicom-data/RG1_UNCR.dcm": ("CR", (1, 1955, 1841)),
    "pydicom-data/RG3_J2KI.dcm": ("CR", (1, 1760, 1760)),
    "pydicom-data/RG3_J2KR.dcm": ("CR", (1, 1760, 1760)),
    "pydicom-data/RG3_UNCI.dcm": ("CR", (1, 1760, 1760)),
    "pydicom-data/RG3_UNCR.dcm": ("CR", (1, 1760, 1760)),
    "pydicom-data/SC_rgb.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_16bit.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_16bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_32bit.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_32bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcr_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcyn1_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcyn2_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcynp_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcys2_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_dcmtk_ebcys4_dcmd.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_expb.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_expb_16bit.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_expb_16bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_expb_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_expb_32bit.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_rgb_expb_32bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom-data/SC_rgb_gdcm2k_uncompressed.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/SC_ybr_full_uncompressed.dcm": ("OT", (1, 100, 100)),
    "pydicom-data/US1_J2KI.dcm": ("US", (1, 480, 640)),
    "pydicom-data/US1_J2KR.dcm": ("US", (1, 480, 640)),
    "pydicom-data/US1_UNCI.dcm": ("US", (1, 480, 640)),
    "pydicom-data/US1_UNCR.dcm": ("US", (1, 480, 640)),
    "pydicom-data/bad_sequence.dcm": ("CT", (1, 512, 512)),
    "pydicom-data/color-pl.dcm": ("US", (1, 120, 256)),
    "pydicom-data/color-px.dcm": ("US", (1, 120, 256)),
    "pydicom-data/color3d_jpeg_baseline.dcm": ("US", (120, 480, 640)),
    "pydicom-data/eCT_Supplemental.dcm": ("CT", (2, 512, 512)),
    "pydicom-data/emri_small.dcm": ("MR", (10, 64, 64)),
    "pydicom-data/emri_small_RLE.dcm": ("MR", (10, 64, 64)),
    "pydicom-data/emri_small_big_endian.dcm": ("MR", (10, 64, 64)),
    "pydicom-data/emri_small_jpeg_2k_lossless.dcm": ("MR", (10, 64, 64)),
    "pydicom-data/emri_small_jpeg_2k_lossless_too_short.dcm": "emri_small_jpeg_2k_lossless_too_short.dcm: pixel data could not be",
    "pydicom-data/emri_small_jpeg_ls_lossless.dcm": ("MR", (10, 64, 64)),
    "pydicom-data/explicit_VR-UN.dcm": ("CT", (1, 512, 512)),
    "pydicom-data/gdcm-US-ALOKA-16.dcm": ("US", (1, 480, 640)),
    "pydicom-data/gdcm-US-ALOKA-16_big.dcm": ("US", (1, 480, 640)),
    "pydicom-data/liver.dcm": "a DICOM segmentation: import it onto its series with 'caliper import",
    "pydicom-data/liver_expb.dcm": "a DICOM segmentation: import it onto its series with 'caliper import",
    "pydicom-data/mlut_18.dcm": ("OT", (1, 512, 512)),
    "pydicom-data/vlut_04.dcm": ("OT", (1, 512, 512)),
    "pydicom/693_J2KI.dcm": ("CT", (1, 512, 512)),
    "pydicom/CT_small.dcm": ("CT", (1, 128, 128)),
    "pydicom/ExplVR_BigEnd.dcm": ("US", (1, 60, 80)),
    "pydicom/ExplVR_BigEndNoMeta.dcm": "not a DICOM file (no 'DICM' marker, no recognisable data set)",
    "pydicom/ExplVR_LitEndNoMeta.dcm": "a radiotherapy plan (not an image); left out",
    "pydicom/GDCMJ2K_TextGBR.dcm": "incomplete DICOM header (no Modality)",
    "pydicom/J2K_pixelrep_mismatch.dcm": ("CT", (1, 512, 512)),
    "pydicom/JPEG-lossy.dcm": "JPEG-lossy.dcm: pixel data could not be decoded (pylibjpeg: libjpeg",
    "pydicom/JPEG2000-embedded-sequence-delimiter.dcm": "JPEG2000-embedded-sequence-delimiter.dcm: pixel data could not be",
    "pydicom/JPEG2000.dcm": ("NM", (1, 1024, 256)),
    "pydicom/JPEGLSNearLossless_08.dcm": "incomplete DICOM header (no SeriesInstanceUID)",
    "pydicom/JPEGLSNearLossless_16.dcm": "incomplete DICOM header (no SeriesInstanceUID)",
    "pydicom/JPGExtended.dcm": ("NM", (1, 1024, 256)),
    "pydicom/MR_small.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_RLE.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_bigendian.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_expb.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_implicit.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_jp2klossless.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_jpeg_ls_lossless.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_small_padded.dcm": ("MR", (1, 64, 64)),
    "pydicom/MR_truncated.dcm": "truncated: pixel data needs 8192 bytes, the file holds 8130",
    "pydicom/README.txt": ("text", None),
    "pydicom/SC_jpeg_no_color_transform.dcm": "incomplete DICOM header (no Modality)",
    "pydicom/SC_jpeg_no_color_transform_2.dcm": "incomplete DICOM header (no Modality)",
    "pydicom/SC_rgb_dcmtk_+eb+cr.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_dcmtk_+eb+cy+n1.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_dcmtk_+eb+cy+n2.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_dcmtk_+eb+cy+np.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_dcmtk_+eb+cy+s2.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_dcmtk_+eb+cy+s4.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_gdcm_KY.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_jls_lossy_line.dcm": "incomplete DICOM header (no SeriesInstanceUID)",
    "pydicom/SC_rgb_jls_lossy_sample.dcm": "incomplete DICOM header (no SeriesInstanceUID)",
    "pydicom/SC_rgb_jpeg.dcm": ("OT", (1, 256, 256)),
    "pydicom/SC_rgb_jpeg_app14_dcmd.dcm": "incomplete DICOM header (no Modality)",
    "pydicom/SC_rgb_jpeg_dcmd.dcm": ("OT", (1, 256, 256)),
    "pydicom/SC_rgb_jpeg_dcmtk.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_jpeg_gdcm.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_jpeg_lossy_gdcm.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_rle.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_rle_16bit.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_rle_16bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom/SC_rgb_rle_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom/SC_rgb_rle_32bit.dcm": ("OT", (1, 100, 100)),
    "pydicom/SC_rgb_rle_32bit_2frame.dcm": ("OT", (2, 100, 100)),
    "pydicom/SC_rgb_small_odd.dcm": ("OT", (1, 3, 3)),
    "pydicom/SC_rgb_small_odd_big_endian.dcm": ("OT", (1, 3, 3)),
    "pydicom/SC_rgb_small_odd_jpeg.dcm": ("OT", (1, 3, 3)),
    "pydicom/SC_ybr_full_422_uncompressed.dcm": ("OT", (1, 100, 100)),
    "pydicom/UN_sequence.dcm": "incomplete DICOM header (no SOPInstanceUID): the file ends early, it",
    "pydicom/badVR.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/crayons.icc": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/dicomdirtests/77654033/CR1/6154": ("CR", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CR2/6247": ("CR", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CR3/6278": ("CR", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CT2/17106": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CT2/17136": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CT2/17166": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/77654033/CT2/17196": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT2N/6293": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT2N/6924": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT5N/2062": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT5N/2392": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT5N/2693": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT5N/3023": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892001/CT5N/3353": ("CT", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR1/15820": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR1/4919": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR1/5641": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/15970": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/4950": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/4981": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/5011": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/6273": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/6605": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR2/6935": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4467": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4528": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4558": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4588": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4618": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4648": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/98892003/MR700/4678": ("MR", (1, 16, 16)),
    "pydicom/dicomdirtests/DICOMDIR": None,
    "pydicom/dicomdirtests/DICOMDIR-bigEnd": None,
    "pydicom/dicomdirtests/DICOMDIR-empty.dcm": None,
    "pydicom/dicomdirtests/DICOMDIR-implicit": None,
    "pydicom/dicomdirtests/DICOMDIR-nooffset": None,
    "pydicom/dicomdirtests/DICOMDIR-nopatient": None,
    "pydicom/dicomdirtests/DICOMDIR-reordered": None,
    "pydicom/dicomdirtests/README.txt": ("text", None),
    "pydicom/dicomdirtests/TINY_ALPHA/DICOMDIR": None,
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000000": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000001": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000002": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000003": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000004": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000005": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000006": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000007": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000008": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000009": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000A": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000B": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000C": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000D": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000E": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000F": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000G": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000H": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000I": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000J": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000K": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000L": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000M": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000N": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000O": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000P": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Q": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000R": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000S": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000T": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000U": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000V": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000W": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000X": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Y": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00000Z": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000010": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000011": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000012": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000013": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000014": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000015": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000016": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000017": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000018": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM000019": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001A": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001B": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001C": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/PT000000/ST000000/SE000000/IM00001D": "DICOM file holds no image (no Rows/Columns): the file ends early, it",
    "pydicom/dicomdirtests/TINY_ALPHA/README": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/empty_charset_LEI.dcm": "incomplete DICOM header (no SOPInstanceUID): the file ends early, it",
    "pydicom/examples_jpeg2k.dcm": ("US", (1, 480, 640)),
    "pydicom/examples_overlay.dcm": ("MR", (1, 300, 484)),
    "pydicom/examples_palette.dcm": ("US", (1, 350, 800)),
    "pydicom/examples_rgb_color.dcm": ("US", (1, 240, 320)),
    "pydicom/examples_ybr_color.dcm": ("US", (30, 240, 320)),
    "pydicom/image_dfl.dcm": "DICOM file has no pixel data",
    "pydicom/liver_1frame.dcm": "a DICOM segmentation: import it onto its series with 'caliper import",
    "pydicom/liver_expb_1frame.dcm": "a DICOM segmentation: import it onto its series with 'caliper import",
    "pydicom/meta_missing_tsyntax.dcm": "incomplete DICOM header (no SOPInstanceUID)",
    "pydicom/nested_priv_SQ.dcm": "incomplete DICOM header (no SOPInstanceUID)",
    "pydicom/no_meta.dcm": "not a DICOM file (no 'DICM' marker, no recognisable data set)",
    "pydicom/no_meta_group_length.dcm": "incomplete DICOM header (no SOPInstanceUID): the file ends early, it",
    "pydicom/priv_SQ.dcm": "incomplete DICOM header (no SOPInstanceUID): the file ends early, it",
    "pydicom/reportsi.dcm": "a DICOM structured report (a document, not an image); left out",
    "pydicom/reportsi_with_empty_number_tags.dcm": "a DICOM structured report (a document, not an image); left out",
    "pydicom/rtdose.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtdose_1frame.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtdose_expb.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtdose_expb_1frame.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtdose_rle.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtdose_rle_1frame.dcm": "a radiotherapy dose grid (not supported); left out",
    "pydicom/rtplan.dcm": "a radiotherapy plan (not an image); left out",
    "pydicom/rtplan.dump": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/rtplan_truncated.dcm": "a radiotherapy plan (not an image); left out",
    "pydicom/rtstruct.dcm": "a radiotherapy structure set (contours, not an image); left out",
    "pydicom/rtstruct.dump": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/test-SR.dcm": "a DICOM structured report (a document, not an image); left out",
    "pydicom/test1.json": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/test_PN.json": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
    "pydicom/waveform_ecg.dcm": ("waveform", None),
    "pydicom/zipMR.gz": "unrecognised file type (not DICOM, NIfTI/NRRD, WFDB, EDF/BDF, CSV",
}


def _installed() -> list[str]:
    return sorted(
        f"{label}/{path.relative_to(root)}"
        for label, root in ROOTS.items()
        for path in root.rglob("*")
        if path.is_file()
    )


def test_every_installed_file_has_an_expected_outcome() -> None:
    assert _installed() == sorted(EXPECTED)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    path = tmp_path_factory.mktemp("public") / "profile"
    opened = Workspace(Profile.create(path, PASSPHRASE, user="tester", kdf=FAST_KDF))
    yield opened
    opened.lock()


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_public_file_imports_or_is_refused_in_one_sentence(workspace: Workspace, key: str) -> None:
    label, _, relative = key.partition("/")
    path = ROOTS[label] / relative
    before = {item.id for item in workspace.items()}
    problems: list[tuple[Path, str]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns of the odd values some files hold
        items = workspace.import_paths([path], on_problem=lambda p, m: problems.append((p, m)))
    expected = EXPECTED[key]
    if isinstance(expected, tuple):
        assert problems == []
        (item,) = items
        modality, shape = expected
        if shape is None:
            assert item.modality == modality
        else:
            assert (
                item.meta["dicom_modality"],
                tuple(item.meta["volume"]["geometry"]["shape"]),
            ) == (
                modality,
                shape,
            )
        return
    assert items == []
    assert {item.id for item in workspace.items()} == before  # the profile is unchanged
    if expected is None:
        assert problems == []
        return
    ((reported, message),) = problems
    assert "\n" not in message and "Traceback" not in message
    assert reported.name == path.name or path.name in message
    assert expected in message
