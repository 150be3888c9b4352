"""Shared fixtures: a live s3mock server (subprocess, ephemeral port, temp data dir) and clients."""

from __future__ import annotations

import os
import uuid

import pytest

from support import client, start_server


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    # S3MOCK_TEST_AUTH=strict runs the whole suite against a server that verifies every signature.
    args = ("--auth", "strict") if os.environ.get("S3MOCK_TEST_AUTH") == "strict" else ()
    srv = start_server(tmp_path_factory.mktemp("s3mock-data"), *args)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def endpoint(server) -> str:
    return server.endpoint


@pytest.fixture
def s3(endpoint):
    """boto3 with its default configuration (flexible checksums on, aws-chunked uploads)."""
    return client(endpoint)


@pytest.fixture
def bucket(s3) -> str:
    name = f"b-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    return name
