"""Segmentation logic (no Qt): the label-map document, undo deltas, editing tools, measurements.

Viewers hand a :class:`~workspace.segmentation.document.SegmentationDocument` to the tools of
:mod:`workspace.segmentation.tools` and push the commands they return on the item's stack.
"""
