"""Byte ranges and conditional requests (RFC 7232/7233 as S3 applies them).

https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html
https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
"""

from __future__ import annotations

from email.utils import formatdate

import pytest
from multidict import CIMultiDict

from s3mock import conditions
from s3mock.errors import NOT_MODIFIED, S3Error

RANGE_416 = "416"

RANGES = [
    # size 10
    (None, 10, None),
    ("", 10, None),
    ("bytes=0-0", 10, (0, 1)),
    ("bytes=0-4", 10, (0, 5)),
    ("bytes=3-7", 10, (3, 8)),
    ("bytes=9-9", 10, (9, 10)),
    ("bytes=5-", 10, (5, 10)),           # open
    ("bytes=0-", 10, (0, 10)),
    ("bytes=9-", 10, (9, 10)),
    ("bytes=0-100", 10, (0, 10)),        # last past the end is clamped
    ("bytes=8-100", 10, (8, 10)),
    ("bytes=-3", 10, (7, 10)),           # suffix
    ("bytes=-1", 10, (9, 10)),
    ("bytes=-10", 10, (0, 10)),
    ("bytes=-100", 10, (0, 10)),
    (" bytes=1-2 ", 10, (1, 2 + 1)),
    ("bytes=10-", 10, RANGE_416),        # first at or past the end
    ("bytes=10-10", 10, RANGE_416),
    ("bytes=10-20", 10, RANGE_416),
    ("bytes=100-", 10, RANGE_416),
    ("bytes=-0", 10, RANGE_416),         # empty suffix
    # ignored: the whole object is served (200)
    ("bytes=5-2", 10, None),             # last before first
    ("bytes=1-0", 10, None),
    ("bytes=20-5", 10, None),
    ("bytes=0-1,3-4", 10, None),         # multiple ranges
    ("bytes=0-1, 3-4", 10, None),
    ("bytes=-1,0-0", 10, None),
    ("bytes=-", 10, None),
    ("bytes=", 10, None),
    ("bytes=a-b", 10, None),
    ("bytes=1-2-3", 10, None),
    ("bytes=--1", 10, None),
    ("items=0-1", 10, None),
    ("0-1", 10, None),
    # empty object
    ("bytes=0-", 0, RANGE_416),
    ("bytes=0-0", 0, RANGE_416),
    ("bytes=0-10", 0, RANGE_416),
    ("bytes=-0", 0, RANGE_416),
    ("bytes=-1", 0, None),               # a non-empty suffix of an empty object: 200, empty body
    ("bytes=-100", 0, None),
    # size 1
    ("bytes=0-0", 1, (0, 1)),
    ("bytes=-5", 1, (0, 1)),
    ("bytes=1-", 1, RANGE_416),
]


@pytest.mark.parametrize("header,size,expected", RANGES)
def test_parse_range(header, size, expected):
    if expected == RANGE_416:
        with pytest.raises(S3Error) as e:
            conditions.parse_range(header, size)
        assert (e.value.code, e.value.status) == ("InvalidRange", 416)
        assert e.value.fields == {"RangeRequested": header, "ActualObjectSize": str(size)}
    else:
        assert conditions.parse_range(header, size) == expected


@pytest.mark.parametrize("header,size,expected", [
    ("bytes=0-4", 10, (0, 5)),
    ("bytes=9-9", 10, (9, 10)),
    ("bytes=0-9", 10, (0, 10)),
    ("bytes=0-10", 10, "InvalidRange"),
    ("bytes=5-4", 10, "InvalidRange"),
    ("bytes=0-", 10, "InvalidArgument"),
    ("bytes=-5", 10, "InvalidArgument"),
    ("bytes=a-b", 10, "InvalidArgument"),
    ("0-4", 10, "InvalidArgument"),
])
def test_parse_copy_range(header, size, expected):
    if isinstance(expected, str):
        with pytest.raises(S3Error) as e:
            conditions.parse_copy_range(header, size)
        assert e.value.code == expected
    else:
        assert conditions.parse_copy_range(header, size) == expected


ETAG = "9b2cf535f27731c974343645a3985328"
MTIME = 1_700_000_000.75
BEFORE = formatdate(MTIME - 3600, usegmt=True)
SAME = formatdate(int(MTIME), usegmt=True)      # HTTP dates have whole seconds
AFTER = formatdate(MTIME + 3600, usegmt=True)
OK, NM, PF = "200", "304", "412"

# (headers, outcome, Condition of the 412)
READ_CASES = [
    ({}, OK, None),
    # If-Match
    ({"If-Match": f'"{ETAG}"'}, OK, None),
    ({"If-Match": ETAG}, OK, None),
    ({"If-Match": "*"}, OK, None),
    ({"If-Match": f'"other", "{ETAG}"'}, OK, None),
    ({"If-Match": '"other"'}, PF, "If-Match"),
    # If-None-Match
    ({"If-None-Match": f'"{ETAG}"'}, NM, None),
    ({"If-None-Match": "*"}, NM, None),
    ({"If-None-Match": f'"other", "{ETAG}"'}, NM, None),
    ({"If-None-Match": '"other"'}, OK, None),
    # If-Modified-Since
    ({"If-Modified-Since": BEFORE}, OK, None),
    ({"If-Modified-Since": SAME}, NM, None),
    ({"If-Modified-Since": AFTER}, NM, None),
    ({"If-Modified-Since": "not a date"}, OK, None),
    # If-Unmodified-Since
    ({"If-Unmodified-Since": BEFORE}, PF, "If-Unmodified-Since"),
    ({"If-Unmodified-Since": SAME}, OK, None),
    ({"If-Unmodified-Since": AFTER}, OK, None),
    ({"If-Unmodified-Since": "not a date"}, OK, None),
    # S3: If-Match true and If-Unmodified-Since false -> 200
    ({"If-Match": f'"{ETAG}"', "If-Unmodified-Since": BEFORE}, OK, None),
    # S3: If-None-Match false and If-Modified-Since true -> 304
    ({"If-None-Match": f'"{ETAG}"', "If-Modified-Since": BEFORE}, NM, None),
    # RFC 7232 6: If-Modified-Since is ignored when If-None-Match is present
    ({"If-None-Match": '"other"', "If-Modified-Since": AFTER}, OK, None),
    # RFC 7232 6: If-Match (and If-Unmodified-Since) are evaluated before If-None-Match
    ({"If-Match": '"other"', "If-None-Match": f'"{ETAG}"'}, PF, "If-Match"),
    ({"If-Match": '"other"', "If-Modified-Since": AFTER}, PF, "If-Match"),
    ({"If-Unmodified-Since": BEFORE, "If-None-Match": f'"{ETAG}"'}, PF, "If-Unmodified-Since"),
    ({"If-Unmodified-Since": BEFORE, "If-Modified-Since": AFTER}, PF, "If-Unmodified-Since"),
    ({"If-Match": f'"{ETAG}"', "If-None-Match": f'"{ETAG}"'}, NM, None),
    ({"If-Match": f'"{ETAG}"', "If-Modified-Since": AFTER}, NM, None),
    ({"If-Match": f'"{ETAG}"', "If-None-Match": '"other"', "If-Modified-Since": AFTER,
      "If-Unmodified-Since": BEFORE}, OK, None),
]


def _outcome(headers: dict, prefix: str = "") -> tuple[str, str | None]:
    try:
        conditions.check_read(CIMultiDict(headers), ETAG, MTIME, prefix)
    except S3Error as e:
        if e.code == NOT_MODIFIED:
            assert e.status == 304
            return NM, None
        assert (e.code, e.status) == ("PreconditionFailed", 412)
        return PF, e.fields.get("Condition")
    return OK, None


@pytest.mark.parametrize("headers,outcome,condition", READ_CASES)
def test_get_head_preconditions(headers, outcome, condition):
    assert _outcome(headers) == (outcome, condition)


def test_header_names_are_case_insensitive():
    assert _outcome({"if-none-match": f'"{ETAG}"'})[0] == NM
    assert _outcome({"IF-MATCH": '"other"'})[0] == PF


COPY = "x-amz-copy-source-"


@pytest.mark.parametrize("headers,outcome", [
    ({}, OK),
    ({"If-Match": f'"{ETAG}"'}, OK),
    ({"If-Match": '"other"'}, PF),
    ({"If-None-Match": f'"{ETAG}"'}, PF),      # copies never answer 304
    ({"If-None-Match": '"other"'}, OK),
    ({"If-Modified-Since": BEFORE}, OK),
    ({"If-Modified-Since": AFTER}, PF),
    ({"If-Unmodified-Since": BEFORE}, PF),
    ({"If-Unmodified-Since": AFTER}, OK),
    # S3 CopyObject: if-match true and if-unmodified-since false -> the copy is made
    ({"If-Match": f'"{ETAG}"', "If-Unmodified-Since": BEFORE}, OK),
    # S3 CopyObject: if-none-match false and if-modified-since true -> 412
    ({"If-None-Match": f'"{ETAG}"', "If-Modified-Since": BEFORE}, PF),
    ({"If-None-Match": '"other"', "If-Modified-Since": AFTER}, OK),
])
def test_copy_source_preconditions(headers, outcome):
    prefixed = {COPY + k: v for k, v in headers.items()}
    assert _outcome(prefixed, COPY)[0] == outcome


def test_plain_conditions_are_not_copy_source_conditions():
    plain = {"If-Match": '"other"', "If-None-Match": f'"{ETAG}"', "If-Unmodified-Since": BEFORE}
    assert _outcome(plain, COPY) == (OK, None)
