"""Fixtures of the timing tests: the single-viewer tests' real profile."""

from tests.viewers.conftest import viewer_template, viewer_workspace

__all__ = ["viewer_template", "viewer_workspace"]
