"""Logging failures without their messages, which can name a patient's file or a note's text."""

from __future__ import annotations

import logging
import traceback
from pathlib import PurePath

MAX_FRAMES = 6


def describe_failure(error: BaseException) -> str:
    """The exception type and where it was raised (file:line in function), innermost last."""
    frames = traceback.extract_tb(error.__traceback__)[-MAX_FRAMES:]
    where = " > ".join(f"{PurePath(f.filename).name}:{f.lineno} {f.name}" for f in frames)
    return f"{type(error).__qualname__} at {where or '?'}"


def log_failure(logger: logging.Logger, what: str, error: BaseException) -> None:
    """Log that ``what`` failed: type and location only, never the message."""
    logger.error("%s: %s", what, describe_failure(error))
