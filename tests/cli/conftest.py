"""CLI test fixtures: the real nats-server of the sync tests."""

from tests.sync.conftest import nats_server, test_ca  # noqa: F401 - fixtures used by name
