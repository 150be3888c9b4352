"""API tests: the aiohttp app in-process (pytest-aiohttp's `aiohttp_client`) on a temp data dir."""

from __future__ import annotations

import uuid

import pytest

from s3mock.app import make_app
from s3mock.config import Settings

# Lenient auth reads the access key only: this identifies the default user (the owner).
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "x-amz-date": "20250101T000000Z"}


@pytest.fixture
def api_settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


@pytest.fixture
async def api(aiohttp_client, api_settings):
    """A test client for make_app(settings); requests carry the owner's credentials by default."""
    client = await aiohttp_client(make_app(api_settings), headers=AUTH)
    return client


@pytest.fixture
async def api_bucket(api) -> str:
    """A fresh bucket in the in-process app (named apart from tests/conftest.py's live `bucket`)."""
    name = f"b-{uuid.uuid4().hex[:12]}"
    resp = await api.put(f"/{name}")
    assert resp.status == 200, await resp.text()
    return name
