"""User settings and recent items, kept in the encrypted store (values can name patients)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.database import Database
from storage.models import RecentItem, Setting

RECENT_LIMIT = 10
#: Whether viewers may show patient name and ID (corner text, slide labels); off by default.
SHOW_PATIENT_DETAILS = "ui.show_patient_details"


def get_setting(session: Session, key: str, default: Any = None) -> Any:
    """The stored value of ``key`` or ``default``."""
    value = session.scalar(select(Setting.value).where(Setting.key == key))
    return default if value is None else value


def set_setting(session: Session, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key``."""
    session.merge(Setting(key=key, value=value))


def touch_recent(session: Session, item_id: str) -> None:
    """Record that ``item_id`` was just opened, keeping the newest :data:`RECENT_LIMIT`."""
    session.merge(RecentItem(item_id=item_id, opened_at=datetime.now(UTC).isoformat()))
    session.flush()
    keep = select(RecentItem.item_id).order_by(RecentItem.opened_at.desc()).limit(RECENT_LIMIT)
    session.execute(delete(RecentItem).where(RecentItem.item_id.not_in(keep)))


def recent_item_ids(session: Session) -> list[str]:
    """Recently opened items, newest first."""
    query = select(RecentItem.item_id).order_by(RecentItem.opened_at.desc()).limit(RECENT_LIMIT)
    return list(session.scalars(query))


def read_setting(database: Database, key: str, default: Any = None) -> Any:
    """A user setting, read in its own transaction."""
    with database.read() as session:
        return get_setting(session, key, default)


def write_setting(database: Database, key: str, value: Any) -> None:
    """Store a user setting in its own transaction."""
    with database.write() as session:
        set_setting(session, key, value)
