"""One sync of a workstation: resume, renew, check out, send results, publish the audit head.

The CLI (``caliper sync``) and the sync panel both run this; it needs only an unlocked
profile and its stored :class:`~workspace.sync.config.SyncConfig`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workspace.settings import read_setting, write_setting
from workspace.sync.audit_head import HeadCheck, check_and_publish
from workspace.sync.checkout import Checkout, Clock, ProgressCallback, utc_now
from workspace.sync.config import SyncConfig, SyncConfigError
from workspace.sync.connection import ServerAccess, jetstream, refusal
from workspace.sync.outbox import drain
from workspace.sync.permissions import inbox_prefix_for
from workspace.sync.renewal import renew_leases

if TYPE_CHECKING:
    from nats.js import JetStreamContext

    from storage.profile import Profile

WORKSTATION_ID_KEY = "sync.workstation_id"


@dataclass
class SyncReport:
    """What one sync did, for a status line."""

    resumed: list[str] = field(default_factory=list)
    pulled: list[str] = field(default_factory=list)
    renewed: int = 0
    lost: list[str] = field(default_factory=list)
    sent: int = 0
    messages: list[str] = field(default_factory=list)
    #: The audit-head check of this sync (None when it could not be made).
    audit: HeadCheck | None = None

    @property
    def audit_problem(self) -> str:
        """Why the local audit log does not extend the head published last ("" if it does)."""
        return self.audit.problem if self.audit is not None else ""

    def summary(self) -> str:
        """One line: what came in and went out."""
        parts = [f"{len(self.pulled)} batches checked out", f"{self.sent} results sent"]
        if self.resumed:
            parts.append(f"{len(self.resumed)} interrupted downloads finished")
        if self.renewed:
            parts.append(f"{self.renewed} leases renewed")
        if self.lost:
            parts.append(f"{len(self.lost)} leases lost (results will be flagged)")
        return ", ".join(parts) + "."


def holder_id(profile: Profile) -> str:
    """``user@workstation``: who holds a lease (a user may sync from two machines)."""
    workstation = read_setting(profile.database, WORKSTATION_ID_KEY)
    if not workstation:
        workstation = uuid.uuid4().hex[:12]
        write_setting(profile.database, WORKSTATION_ID_KEY, workstation)
    return f"{profile.user}@{workstation}"


def server_access(config: SyncConfig) -> ServerAccess:
    """Connection settings from the stored sync configuration."""
    if not config.server_url:
        raise SyncConfigError("No queue server is set: give one with --server URL.")
    return ServerAccess(
        url=config.server_url,
        user=config.user,
        password=config.password,
        ca_file=config.ca_file,
        inbox_prefix=inbox_prefix_for(config.user) if config.user else "",
    )


async def sync_once(
    profile: Profile,
    config: SyncConfig,
    *,
    pull: int = 0,
    push: bool = True,
    clock: Clock = utc_now,
    progress: ProgressCallback | None = None,
    paused: Callable[[], bool] | None = None,
    on_stored: Callable[[], None] | None = None,
) -> SyncReport:
    """Resume, renew, pull up to ``pull`` batches, then drain the outbox if ``push``;
    ``on_stored`` hears of each batch whose tasks and items were stored."""
    report = SyncReport()
    holder = holder_id(profile)
    async with jetstream(server_access(config)) as (_client, js):
        checkout = Checkout(
            profile,
            holder,
            lease_days=config.lease_days,
            clock=clock,
            progress=progress,
            paused=paused,
            on_stored=on_stored,
        )
        report.resumed = await checkout.resume(js)
        report.renewed, report.lost = await renew_leases(
            js, profile, holder, config.lease_days, clock
        )
        if pull > 0:
            if not config.tracks:
                raise SyncConfigError("No tracks are set: give them with --track NAME.")
            report.pulled = await checkout.pull(js, list(config.tracks), pull)
        if push:
            report.sent = await drain(js, profile)
        report.messages += checkout.messages
        await _audit_head(js, profile, config.user, report)
    return report


async def _audit_head(
    js: JetStreamContext, profile: Profile, user: str, report: SyncReport
) -> None:
    """Check the audit chain against the head published last, then publish its new head."""
    try:
        report.audit = await check_and_publish(js, profile, user)
    except TimeoutError:
        violation = refusal(js)
        if violation is None:
            raise
        report.messages.append(
            f"Audit head not published: the queue server refused it ({violation}); "
            "its configuration predates audit heads (render it again)."
        )
        return
    if report.audit_problem:
        report.messages.append(report.audit_problem)
