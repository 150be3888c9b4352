"""S3's two date formats: ISO 8601 with milliseconds (XML bodies) and the HTTP date (headers)."""

from __future__ import annotations

import functools
import time
from email.utils import formatdate


def iso8601(ts: float) -> str:
    return _iso_seconds(int(ts)) + f".{int(ts * 1000) % 1000:03d}Z"


@functools.lru_cache(maxsize=4096)
def _iso_seconds(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def http_date(ts: float) -> str:
    return _http_date(int(ts))


@functools.lru_cache(maxsize=4096)      # every GET/HEAD formats its object's mtime
def _http_date(seconds: int) -> str:
    return formatdate(seconds, usegmt=True)
