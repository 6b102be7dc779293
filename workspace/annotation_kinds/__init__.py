"""Annotation kinds: each kind's name, data layout, typed constructor and validation, once.

:mod:`~workspace.annotation_kinds.names` holds every kind's name (light: the modality
registry imports it). One module per family builds and checks annotations of its kinds, as
:mod:`workspace.segmentation.measurements` does for rulers and boxes:
:mod:`~workspace.annotation_kinds.spans` (text spans, several fragments each),
:mod:`~workspace.annotation_kinds.relations` (links between spans) and
:mod:`~workspace.annotation_kinds.signal_marks` (waveform and audio points and intervals).
Exporters, importers and viewers use these rather than reading ``data`` keys by hand.
"""
