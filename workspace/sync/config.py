"""Where and as whom a workstation syncs, kept encrypted in the profile's settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from workspace.errors import WorkspaceError
from workspace.settings import read_setting, write_setting
from workspace.sync.envelope import KEY_BYTES
from workspace.sync.protocol import check_name

if TYPE_CHECKING:
    from storage.profile import Profile

CONFIG_KEY = "sync.config"
PROJECT_KEYS_KEY = "sync.project_keys"


class SyncConfigError(WorkspaceError, ValueError):
    """A sync setting that is missing or unusable; the message says which."""


@dataclass(frozen=True)
class SyncConfig:
    """Server URL, NATS credentials, TLS trust and the tracks this workstation works on."""

    server_url: str = ""
    user: str = ""
    password: str = ""
    ca_file: str = ""
    tracks: tuple[str, ...] = ()
    lease_days: float = 7.0
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for track in self.tracks:
            check_name("Track", track)


def load_config(profile: Profile) -> SyncConfig:
    """The stored sync settings (empty defaults before the first save)."""
    stored = read_setting(profile.database, CONFIG_KEY, {}) or {}
    stored["tracks"] = tuple(stored.get("tracks", ()))
    return SyncConfig(**stored)


def save_config(profile: Profile, config: SyncConfig) -> None:
    """Store the sync settings (in the encrypted store: they hold a password)."""
    values = asdict(config)
    values["tracks"] = list(config.tracks)
    write_setting(profile.database, CONFIG_KEY, values)


def parse_project_key(text: str) -> bytes:
    """A project key from its hex form, with a clear error for anything else."""
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        raise SyncConfigError("A project key is 64 hexadecimal characters.") from None
    if len(key) != KEY_BYTES:
        raise SyncConfigError("A project key is 64 hexadecimal characters.")
    return key


def project_keys(profile: Profile) -> dict[str, bytes]:
    """Every project key this profile holds, by project name."""
    stored: dict[str, str] = read_setting(profile.database, PROJECT_KEYS_KEY, {}) or {}
    return {name: bytes.fromhex(value) for name, value in stored.items()}


def project_key(profile: Profile, project: str) -> bytes:
    """The key of ``project``; :class:`SyncConfigError` naming the project when absent."""
    keys = project_keys(profile)
    if project not in keys:
        raise SyncConfigError(
            f"This profile has no key for project {project!r}: ask the project manager for it "
            f"(caliper queue project-key {project}) and add it with "
            f"`caliper sync --project-key {project}=KEY`."
        )
    return keys[project]


def set_project_key(profile: Profile, project: str, key: bytes) -> None:
    """Remember ``key`` for ``project``."""
    check_name("Project", project)
    if len(key) != KEY_BYTES:
        raise SyncConfigError("A project key is 32 bytes.")
    stored: dict[str, str] = dict(read_setting(profile.database, PROJECT_KEYS_KEY, {}) or {})
    stored[project] = key.hex()
    write_setting(profile.database, PROJECT_KEYS_KEY, stored)


def ensure_project_key(profile: Profile, project: str) -> bytes:
    """The manager's key for ``project``, made on first use."""
    from workspace.sync.envelope import new_project_key

    keys = project_keys(profile)
    if project in keys:
        return keys[project]
    key = new_project_key()
    set_project_key(profile, project, key)
    return key
