"""The request log (GET /_s3mock/requests, /_s3mock/requests/<seq>) against the in-process app:
what each request left there, error bodies, redacted signatures, the ring's bound, strict mode."""

from __future__ import annotations

import gc

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3mock import access_log
from s3mock.app import make_app
from s3mock.config import Settings, make_user
from s3mock.request_log import REQUEST_LOG

# Lenient auth reads the access key only: the default user (tests/api/conftest.py's AUTH).
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "x-amz-date": "20250101T000000Z"}
# The access logger that records without writing lines, as s3mock.running() installs it.
LOGGED = {"access_log_class": access_log.RequestLogOnly, "access_log": access_log.ACCESS}


async def serve(aiohttp_server, aiohttp_client, settings: Settings, **kwargs):
    return await aiohttp_client(await aiohttp_server(make_app(settings), **LOGGED), **kwargs)


@pytest.fixture
async def logged(aiohttp_server, aiohttp_client, tmp_path):
    return await serve(aiohttp_server, aiohttp_client, Settings(data_dir=tmp_path), headers=AUTH)


async def page(client, **query) -> dict:
    resp = await client.get("/_s3mock/requests", params={k: str(v) for k, v in query.items()})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def test_requests_are_listed_with_their_fields(logged):
    start = (await page(logged))["last"]
    assert (await logged.put("/reqlog")).status == 200
    assert (await logged.put("/reqlog/a.txt?x-id=PutObject", data=b"hello")).status == 200
    assert (await logged.get("/reqlog/missing")).status == 404
    listed = (await page(logged, after=start))["requests"]
    got = [r for r in listed if not r["console"]]       # without the listing's own requests
    assert listed[0]["path"] == "/_s3mock/requests" and listed[0]["console"] is True
    assert [(r["method"], r["path"], r["op"], r["status"]) for r in got] == [
        ("PUT", "/reqlog", "CreateBucket", 200),
        ("PUT", "/reqlog/a.txt", "PutObject", 200),
        ("GET", "/reqlog/missing", "GetObject", 404)]
    put = got[1]
    assert put["query"] == "x-id=PutObject"
    assert put["principal"] == "test" and put["cors"] == "n/a" and put["console"] is False
    assert len(put["request_id"]) == 16 and put["bytes"] == 0 and put["ms"] >= 0
    assert [r["seq"] for r in got] == sorted(r["seq"] for r in got)


async def test_after_and_limit_page_the_log(logged):
    start = (await page(logged))["last"]
    for i in range(5):
        await logged.get(f"/_s3mock/health?n={i}")
    two = await page(logged, after=start, limit=2)
    # the newest two of those after `start`, oldest first; `last` is the newest seq kept
    assert [r["query"] for r in two["requests"]] == ["n=3", "n=4"]
    assert two["last"] == start + 6
    assert two["requests"][0]["console"] is True        # a tooling path
    assert (await page(logged, after=two["last"] + 1))["requests"] == []   # the listing itself


@pytest.mark.parametrize("query", ["after=x", "after=-1", "limit=1.5", "after=%C2%B2"])
async def test_malformed_paging_is_a_400(logged, query):
    resp = await logged.get("/_s3mock/requests?" + query)
    assert resp.status == 400
    assert "error" in await resp.json()


async def test_a_404_keeps_its_error_body_and_headers(logged):
    await logged.put("/reqlog2")
    resp = await logged.get("/reqlog2/nope", headers={"X-Test": "<b>x</b>"})
    assert resp.status == 404
    sent = await resp.read()
    seq = (await page(logged))["last"]
    detail = await (await logged.get(f"/_s3mock/requests/{seq}")).json()
    assert detail["status"] == 404 and detail["path"] == "/reqlog2/nope"
    assert detail["error"] == sent.decode()
    assert "<Code>NoSuchKey</Code>" in detail["error"]
    headers = dict(detail["headers"])
    assert headers["X-Test"] == "<b>x</b>"
    assert headers["Authorization"].endswith("Signature=<redacted>")
    assert "Credential=test/20250101/us-east-1/s3/aws4_request" in headers["Authorization"]
    assert dict(detail["response_headers"])["x-amz-request-id"] == resp.headers["x-amz-request-id"]


async def test_success_keeps_no_body(logged):
    await logged.put("/reqlog3")
    await logged.put("/reqlog3/k", data=b"secret body")
    assert (await logged.get("/reqlog3/k")).status == 200
    seq = (await page(logged))["last"]
    detail = await (await logged.get(f"/_s3mock/requests/{seq}")).json()
    assert detail["error"] is None and detail["response_headers"] is None


async def test_signatures_are_redacted(aiohttp_server, aiohttp_client, tmp_path):
    client = await serve(aiohttp_server, aiohttp_client, Settings(data_dir=tmp_path))
    await client.get("/_s3mock/health?X-Amz-Credential=test-20250101&X-Amz-Signature=abc123"
                     "&X-Amz-Security-Token=tok")
    await client.get("/_s3mock/health", headers={"Authorization": "AWS test:c2lnbmF0dXJl"})
    last = (await page(client))["requests"][-2:]
    assert last[0]["query"] == ("X-Amz-Credential=test-20250101&X-Amz-Signature=<redacted>"
                                "&X-Amz-Security-Token=<redacted>")
    v2 = await (await client.get(f"/_s3mock/requests/{last[1]['seq']}")).json()
    assert dict(v2["headers"])["Authorization"] == "AWS test:<redacted>"


async def test_one_request_not_kept_is_a_404(logged):
    for path in ("/_s3mock/requests/999999", "/_s3mock/requests/0", "/_s3mock/requests/x",
                 "/_s3mock/requests/"):
        resp = await logged.get(path)
        assert resp.status == 404, path
        assert "error" in await resp.json()


async def test_the_ring_keeps_the_last_thousand(logged):
    start = (await page(logged))["last"]
    for _ in range(1005):
        await logged.head("/_s3mock/health")
    last = (await page(logged, limit=1000))
    seqs = [r["seq"] for r in last["requests"]]
    assert len(seqs) == 1000 and seqs[-1] == last["last"] == start + 1006
    # the listing's own record pushed seqs[0] out
    assert (await logged.get(f"/_s3mock/requests/{seqs[0]}")).status == 404
    assert (await logged.get(f"/_s3mock/requests/{seqs[2]}")).status == 200


# ------------------------------------------------------------------------------ strict mode

OTHER = make_user("other", "other-secret")


def signed(url: str, key: str, secret: str) -> dict:
    request = AWSRequest(method="GET", url=url, data=b"")
    S3SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize("path", ["/_s3mock/requests", "/_s3mock/requests/1"])
async def test_strict_mode_only_the_default_user_may_read_it(aiohttp_server, aiohttp_client,
                                                             tmp_path, path):
    client = await serve(aiohttp_server, aiohttp_client,
                         Settings(data_dir=tmp_path, auth="strict", users=(OTHER,)))
    url = str(client.make_url(path))
    assert (await client.get(path)).status == 403                        # unsigned
    assert (await client.get(path, headers=signed(url, "other", "other-secret"))).status == 403
    assert (await client.get(path, headers=signed(url, "test", "wrong"))).status == 403
    resp = await client.get(path, headers=signed(url, "test", "test"))
    assert resp.status == 200, await resp.text()


CORS_XML = (b"<CORSConfiguration><CORSRule><AllowedOrigin>http://app.example</AllowedOrigin>"
            b"<AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>")


async def test_a_preflight_keeps_its_response_headers(logged):
    await logged.put("/reqlog4")
    assert (await logged.put("/reqlog4?cors", data=CORS_XML)).status == 200
    resp = await logged.options("/reqlog4/k", headers={"Origin": "http://app.example",
                                                       "Access-Control-Request-Method": "PUT"})
    assert resp.status == 200
    seq = (await page(logged))["last"]
    detail = await (await logged.get(f"/_s3mock/requests/{seq}")).json()
    assert (detail["method"], detail["op"], detail["cors"]) == ("OPTIONS", "Preflight", "rule:0")
    assert dict(detail["response_headers"])["Access-Control-Allow-Origin"] == "http://app.example"
    assert dict(detail["headers"])["Origin"] == "http://app.example"
    assert detail["error"] is None


async def test_a_full_ring_costs_the_garbage_collector_nothing(logged):
    """Records of successful requests hold only strings, numbers and tuples of bytes: once the
    collector has seen them it stops tracking them, so a full ring adds nothing to collections."""
    for _ in range(20):
        await logged.head("/_s3mock/health")
    for _ in range(3):      # a tuple is untracked in a pass after its items (nested 3 deep)
        gc.collect()
    ring = logged.server.app[REQUEST_LOG].ring
    plain = [r for r in ring if r[4] is None]
    assert len(plain) >= 20 and not any(gc.is_tracked(r) for r in plain)
