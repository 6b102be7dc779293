"""Errors of stored audio, each one sentence fit for a user."""

from __future__ import annotations

from workspace.errors import WorkspaceError


class AudioReadError(WorkspaceError, ValueError):
    """A stored recording that cannot be decoded (damaged, or not audio at all)."""
