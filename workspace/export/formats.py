"""The export formats ``caliper export`` knows (kept light: the CLI parser imports it)."""

FORMATS = ("dicom-seg", "nifti", "nrrd", "sr", "json")
