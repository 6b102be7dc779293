"""The tools' UI modules, one per tool, each registering a :class:`~viewers.volume.tool_ui.ToolUI`.

Every module of this package is found and imported by :func:`viewers.volume.tool_ui.tool_uis`;
add a file here (with its logic in :mod:`workspace.segmentation.tools`) to add a tool.
"""
