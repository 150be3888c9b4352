"""What the tests driving real S3 clients (rclone, the JavaScript SDK) share: when a client is
missing they skip, or fail when S3MOCK_REQUIRE_CLIENTS=1 (CI, where .ci/run installs them all),
and the multipart ETag S3 computes, to check what a client uploaded in parts.
"""

from __future__ import annotations

import hashlib
import os

import pytest

REQUIRE_CLIENTS = os.environ.get("S3MOCK_REQUIRE_CLIENTS") == "1"


def unavailable(why: str) -> None:
    """Stop the test: a failure in CI (the client should have been installed), a skip elsewhere."""
    if REQUIRE_CLIENTS:
        pytest.fail(f"S3MOCK_REQUIRE_CLIENTS=1 but {why}", pytrace=False)
    pytest.skip(why)


def multipart_etag(data: bytes, part_size: int) -> str:
    """S3's ETag of an object uploaded in parts of part_size: the MD5 of the parts' MD5s, '-N'."""
    digests = [hashlib.md5(data[i:i + part_size]).digest() for i in range(0, len(data), part_size)]
    return f'"{hashlib.md5(b"".join(digests)).hexdigest()}-{len(digests)}"'
