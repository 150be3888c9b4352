"""pytest fixtures for code that uses S3 (registered by the `pytest11` entry point `s3mock`).

    s3mock_server    session: a real s3mock in a background thread (ephemeral port, temp dir)
    s3mock_endpoint  session: its URL, e.g. http://127.0.0.1:41234
    s3mock_reset     per test: the server back to its start state (seed buckets only, empty)
    s3_client        per test: a boto3 S3 client, after s3mock_reset
    s3_resource      per test: a boto3 S3 resource, after s3mock_reset
    s3mock_options   session: keyword arguments for s3mock.running(); override it in conftest.py
    s3mock_events    per test: the event notifications published during the test;
                     s3mock_events.wait(event_name=..., key=..., bucket=...) returns one
    s3mock_faults    per test: add fault rules (`.add(op="GetObject", error="SlowDown", times=2)`),
                     read their counts (`.rules()`); every rule is removed after the test

Importing this module imports nothing but pytest: a session that uses none of these fixtures
starts no server and pays nothing.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def s3mock_options() -> dict:
    """Settings for s3mock_server, as s3mock.running() takes them (e.g. buckets, auth, region)."""
    return {}


@pytest.fixture(scope="session")
def s3mock_server(s3mock_options, tmp_path_factory):
    from s3mock.testing import running
    with running(tmp_path_factory.mktemp("s3mock-data"), **s3mock_options) as server:
        yield server


@pytest.fixture(scope="session")
def s3mock_endpoint(s3mock_server) -> str:
    return s3mock_server.endpoint


@pytest.fixture
def s3mock_reset(s3mock_server):
    """Before the test: every object and upload deleted, every bucket but the seed buckets
    deleted, the seed buckets' ACL and CORS as configured."""
    s3mock_server.reset(delete_buckets=True)
    return s3mock_server


@pytest.fixture
def s3_client(s3mock_reset):
    return s3mock_reset.client()


@pytest.fixture
def s3_resource(s3mock_reset):
    return s3mock_reset.resource()


@pytest.fixture
def s3mock_events(s3mock_server):
    """An EventLog (s3mock/event_client.py) of what s3mock_server publishes from the test's start."""
    return s3mock_server.events()


class Faults:
    """The s3mock_faults fixture's value: fault rules for one test (README: Fault injection)."""

    def __init__(self, server) -> None:
        self._server = server

    def add(self, *rules: dict, **rule: object) -> list[dict]:
        """Add rules: dicts, or one rule's fields as keyword arguments. Returns them with ids."""
        return self._server.add_faults(*rules, **rule)

    def rules(self) -> list[dict]:
        """Every rule with `seen` (matching requests) and `fired` (faults injected)."""
        return self._server.faults()

    def clear(self) -> None:
        self._server.clear_faults()


@pytest.fixture
def s3mock_faults(s3mock_server):
    faults = Faults(s3mock_server)
    faults.clear()
    yield faults
    faults.clear()
