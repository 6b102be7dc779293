"""Writers of open formats for what clinicians made: label maps, DICOM SEG, measurements."""
