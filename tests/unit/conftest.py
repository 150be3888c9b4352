"""Fixtures the storage unit tests share."""

from __future__ import annotations

import time

import pytest

from s3mock.listing_entry import render
from s3mock.storage.base import Bucket
from s3mock.storage.sqlite_fs import SqliteStore


@pytest.fixture
def store(tmp_path):
    """A store in a fresh data directory with one bucket, "b"."""
    s = SqliteStore(tmp_path / "data", render)
    s.create_bucket(Bucket("b", time.time(), "owner", "us-east-1"))
    yield s
    s.close()
