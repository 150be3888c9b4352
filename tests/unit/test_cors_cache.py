"""The CORS glue's rules cache (cors_http.RulesCache): answers given from a bucket's rules are
remembered with those rules, shared read-only, and forgotten as soon as the rules change."""

from __future__ import annotations

import time

import pytest
from aiohttp.test_utils import make_mocked_request

from s3mock import cors_http
from s3mock.errors import S3Error
from s3mock.listing_entry import render
from s3mock.storage.base import Bucket
from s3mock.storage.sqlite_fs import SqliteStore

ORIGIN = "http://one.a.com"


def _rules(methods: str) -> bytes:
    allowed = "".join(f"<AllowedMethod>{m}</AllowedMethod>" for m in methods.split())
    return (b"<CORSConfiguration><CORSRule><AllowedOrigin>http://*.a.com</AllowedOrigin>"
            + allowed.encode() + b"<AllowedHeader>x-amz-*</AllowedHeader>"
            b"<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>")


@pytest.fixture
def cache(tmp_path):
    store = SqliteStore(tmp_path / "data", render)
    store.create_bucket(Bucket("b", time.time(), "owner", "us-east-1", cors=_rules("PUT")))
    yield cors_http.RulesCache(store)
    store.close()


def preflight(cache, origin=ORIGIN, method="PUT", headers="X-Amz-Date"):
    request = make_mocked_request("OPTIONS", "/b/k", headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": headers})
    return cors_http.preflight(request, cache, "b", "k")


def actual(cache, method="PUT", origin=ORIGIN):
    return cors_http.actual(make_mocked_request(method, "/b/k", headers={"Origin": origin}),
                            cache, "b")


def test_a_repeated_preflight_gets_the_same_read_only_answer(cache):
    first, again = preflight(cache), preflight(cache)
    assert first.rule == again.rule == 0
    assert dict(again.headers) == dict(first.headers)
    assert again.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert again.headers["Access-Control-Allow-Headers"] == "x-amz-date"
    with pytest.raises(TypeError):
        again.headers["Access-Control-Allow-Origin"] = "*"      # type: ignore[index]
    other = preflight(cache, origin="http://two.a.com", headers="x-amz-acl")
    assert other.headers["Access-Control-Allow-Origin"] == "http://two.a.com"
    assert other.headers["Access-Control-Allow-Headers"] == "x-amz-acl"
    with pytest.raises(S3Error) as refused:
        preflight(cache, headers="content-type")
    assert refused.value.code == "AccessForbidden"


def test_changed_rules_are_answered_afresh(cache):
    assert preflight(cache).rule == 0
    assert actual(cache).rule == 0
    cache.store.set_bucket_config("b", cors=_rules("GET"))
    with pytest.raises(S3Error) as refused:
        preflight(cache)
    assert refused.value.code == "AccessForbidden"
    answer = actual(cache)
    assert answer is not None and answer.rule is None and not answer.headers
    assert preflight(cache, method="GET").headers["Access-Control-Allow-Methods"] == "GET"
    assert actual(cache, method="GET").rule == 0


def test_actual_requests_outside_cors_get_no_answer(cache):
    request = make_mocked_request("GET", "/b/k")
    assert cors_http.actual(request, cache, "b") is None                  # no Origin (A1)
    assert cors_http.actual(make_mocked_request("GET", "/nope/k", headers={"Origin": ORIGIN}),
                            cache, "nope") is None                          # no bucket (A6)
    assert actual(cache, origin="http://elsewhere.com").rule is None       # no rule matched
