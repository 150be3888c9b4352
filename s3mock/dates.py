"""S3's two date formats: ISO 8601 with milliseconds (XML bodies) and the HTTP date (headers)."""

from __future__ import annotations

import functools
import time
from email.utils import formatdate


MILLIS = tuple(f".{ms:03d}Z" for ms in range(1000))     # an ISO 8601 time's ".mmmZ" end


def iso8601(ts: float) -> str:
    return _iso_seconds(int(ts)) + MILLIS[int(ts * 1000) % 1000]


@functools.lru_cache(maxsize=4096)
def _iso_seconds(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def http_date(ts: float) -> str:
    return _http_date(int(ts))


@functools.lru_cache(maxsize=4096)      # every GET/HEAD formats its object's mtime
def _http_date(seconds: int) -> str:
    return formatdate(seconds, usegmt=True)
