"""The name of every annotation kind, defined once (``Annotation.kind`` values).

Kept free of imports so that :mod:`workspace.modalities` and the CLI parser can use it cheaply.
"""

from __future__ import annotations

#: A labelled stretch of text (one or more fragments): :mod:`workspace.annotation_kinds.spans`.
SPAN = "span"
#: A typed link from one span to another: :mod:`workspace.annotation_kinds.relations`.
RELATION = "relation"
#: An event at one instant of a waveform or recording: :mod:`.signal_marks`.
POINT = "point"
#: A stretch of a waveform or recording: :mod:`.signal_marks`.
INTERVAL = "interval"
#: A volume's label map record: :mod:`workspace.volume.segmentation`.
SEGMENTATION = "segmentation"
#: Volume markups: :mod:`workspace.segmentation.measurements`.
RULER = "ruler"
LANDMARK = "landmark"
BOX3D = "box3d"
#: A closed outline on one slice (volume or 2D image): :mod:`workspace.segmentation.measurements`.
POLYGON = "polygon"
CLASSIFICATION = "classification"
#: A recording's list of tiers, kept even while empty: :mod:`.tier_list`.
TIER_LIST = "tier_list"
#: A region, line or set of points drawn on a whole slide: :mod:`.slide_shapes`.
SLIDE_SHAPE = "slide_shape"
