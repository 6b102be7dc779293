"""``caliper audit verify`` against the anchor file, as a real subprocess."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from storage.profile import Profile
from tests.cli.test_cli import assert_one_line_error, caliper
from tests.conftest import PASSPHRASE


def test_audit_verify_reports_deleted_newest_rows(profile_dir: Path) -> None:
    result = caliper("audit", "verify", "--profile", str(profile_dir))
    assert result.returncode == 0, result.stderr
    assert "newest row matches the anchor" in result.stdout
    profile = Profile.unlock(profile_dir, PASSPHRASE)
    last = profile.audit.head().seq
    with profile.database.write() as session:
        session.execute(text("DROP TRIGGER audit_log_no_delete"))
        session.execute(text(f"DELETE FROM audit_log WHERE id >= {last - 1}"))
    profile.lock()
    result = caliper("audit", "verify", "--profile", str(profile_dir))
    assert_one_line_error(result, f"audit log broken at row {last}: the anchor records")
