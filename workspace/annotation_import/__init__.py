"""Annotation importers: files of annotations read onto an existing item, by format.

One module per format registers an :class:`~workspace.annotation_import.base.AnnotationImporter`
(brat ``.ann``, BioC XML, JSON Lines, WFDB annotation files, Praat TextGrid, label maps and
DICOM SEG);
:func:`workspace.annotation_import.service.import_annotations` reads a file onto an item and
saves what it holds through one command, each annotation marked as a pre-annotation from that
file (``data["source"] = {"file": name, "format": format id}``).
"""
