"""Errors raised by the workspace, each carrying one clear sentence for the user.

As with :mod:`storage.errors`, ``str(error)`` is a message fit to show a user as it is: the
command line prints it as its one line, the workstation in a message.
"""


class WorkspaceError(Exception):
    """Base class: ``str(error)`` is a message fit to show a user as it is."""


class NotFoundError(WorkspaceError, LookupError):
    """No item, task, batch, label schema or segmentation with the id asked for."""


class NoSegmentationError(NotFoundError):
    """The item has no stored segmentation yet (a viewer starts an empty one)."""


class DamagedSegmentationError(WorkspaceError, ValueError):
    """A stored segmentation that cannot be read back as it was saved (a damaged snapshot,
    a map of the wrong shape, an undecodable edit): refused, never shown or exported empty.

    Also a ``ValueError``, as reading one was before, so the handlers that show a refused
    action's ``ValueError`` (submitting a task) show this one too.
    """
