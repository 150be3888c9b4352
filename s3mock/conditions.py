"""Conditional requests (If-Match, If-None-Match, If-(Un)Modified-Since) and byte ranges.

Pure: no aiohttp, no I/O.
"""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime
from typing import Mapping

from s3mock.errors import NOT_MODIFIED, S3Error

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BIG = 10**18          # beyond any object: longer digit strings mean "past the end"


def _int(digits: str) -> int:
    """A range bound; Python refuses int() of more than 4300 digits, S3 treats them as huge."""
    return int(digits) if len(digits.lstrip("0")) <= 18 else _BIG


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _etag_in(header: str, etag: str) -> bool:
    for v in header.split(","):
        v = v.strip()
        if v.startswith("W/"):
            v = v[2:]
        if v == "*" or v.strip('"') == etag:
            return True
    return False


def check_read(headers: Mapping[str, str], etag: str, mtime: float, prefix: str = "") -> None:
    """GET/HEAD preconditions, in RFC 7232 order. `prefix` is "x-amz-copy-source-" for copies.

    https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-Match ... 304/412)
    """
    modified = int(mtime)
    if_match = headers.get(prefix + "If-Match")
    if_none = headers.get(prefix + "If-None-Match")
    if if_match is not None and not _etag_in(if_match, etag):
        raise S3Error("PreconditionFailed", Condition=prefix + "If-Match")
    if if_match is None and (raw := headers.get(prefix + "If-Unmodified-Since")) is not None:
        since = _date(raw)
        if since is not None and modified > since:
            raise S3Error("PreconditionFailed", Condition=prefix + "If-Unmodified-Since")
    copy = bool(prefix)
    if if_none is not None and _etag_in(if_none, etag):
        if copy:
            raise S3Error("PreconditionFailed", Condition=prefix + "If-None-Match")
        raise S3Error(NOT_MODIFIED)
    if if_none is None and (raw := headers.get(prefix + "If-Modified-Since")) is not None:
        since = _date(raw)
        if since is not None and modified <= since:
            if copy:
                raise S3Error("PreconditionFailed", Condition=prefix + "If-Modified-Since")
            raise S3Error(NOT_MODIFIED)


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """[start, end) for a single `bytes=` range, None to serve the whole object.

    Multiple ranges and malformed values are ignored, as S3 does; unsatisfiable ones are 416.
    """
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if first:
        start = _int(first)
        end = min(_int(last) + 1, size) if last else size
        if last and _int(last) < start:
            return None
        if start >= size:
            raise S3Error("InvalidRange", RangeRequested=header, ActualObjectSize=size)
        return start, end
    n = _int(last)
    if n == 0:
        raise S3Error("InvalidRange", RangeRequested=header, ActualObjectSize=size)
    if size == 0:
        return None  # S3 (and RFC 9110 14.1.2): a non-empty suffix of an empty object is 200, empty
    return max(size - n, 0), size


def parse_copy_range(header: str, size: int) -> tuple[int, int]:
    """x-amz-copy-source-range: bytes=first-last, both required and within the source."""
    m = _RANGE.match(header.strip())
    if not m or not m.group(1) or not m.group(2):
        raise S3Error("InvalidArgument", "The x-amz-copy-source-range value must be of the form "
                      "bytes=first-last where first and last are the zero-based offsets of the first "
                      "and last bytes to copy", ArgumentName="x-amz-copy-source-range",
                      ArgumentValue=header)
    start, last = _int(m.group(1)), _int(m.group(2))
    if last < start or last >= size:
        raise S3Error("InvalidRange", RangeRequested=header, ActualObjectSize=size)
    return start, last + 1
