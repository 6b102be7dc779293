"""Import the Qt-free domain (SQLAlchemy, numpy, the workspace) before PySide6: a faster start.

PySide6 reads the source of every module imported after it, looking for the word "PySide6"
(its ``__feature__`` switch, PYSIDE-2029): some 650 modules at start-up, two thirds of them
the domain's. Modules imported before PySide6 are never read. Import this first.
"""

from __future__ import annotations

import workspace.items
import workspace.workspace  # noqa: F401
