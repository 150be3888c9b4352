"""GET /_s3mock/events against the in-process app: JSON pages (after, limit, Accept, the newest
seq), refused parameters, and strict mode (the default user only, refused as S3 refuses)."""

from __future__ import annotations

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from lxml import etree

from s3mock import event_outbox
from s3mock.app import STORE, make_app
from s3mock.config import Settings, make_user

JOBS = "arn:aws:sqs:us-east-1:123456789012:jobs"
OTHER = make_user("other", "other-secret")


def message(key: str) -> dict:
    return {"Records": [{"eventName": "ObjectCreated:Copy",
                         "s3": {"bucket": {"name": "b"}, "object": {"key": key}}}]}


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    return await aiohttp_client(make_app(Settings(data_dir=tmp_path)))


async def test_json_pages_follow_after_and_limit(client):
    event_outbox.publish(client.server.app[STORE], [(JOBS, message(f"k{i}")) for i in range(5)])
    resp = await client.get("/_s3mock/events", params={"format": "json", "after": "1", "limit": "2"})
    assert resp.status == 200
    assert resp.headers["X-S3mock-Last-Seq"] == "5"
    items = await resp.json()
    assert [(i["seq"], i["event"], i["key"], i["destination"]) for i in items] == [
        (2, "ObjectCreated:Copy", "k1", JOBS), (3, "ObjectCreated:Copy", "k2", JOBS)]
    assert items[0]["message"] == message("k1")
    resp = await client.get("/_s3mock/events?after=5", headers={"Accept": "application/json"})
    assert (await resp.json(), resp.headers["X-S3mock-Last-Seq"]) == ([], "5")


async def test_an_empty_outbox_answers_an_empty_page(client):
    resp = await client.get("/_s3mock/events?format=json")
    assert (resp.status, await resp.json(), resp.headers["X-S3mock-Last-Seq"]) == (200, [], "0")


@pytest.mark.parametrize("query, headers, problem", [
    ("after=-1", {}, "after must be an integer from 0 to 9223372036854775807"),
    ("after=x", {}, "after must be an integer"),
    ("", {"Last-Event-ID": "1e3"}, "after must be an integer"),
    ("limit=0", {}, "limit must be an integer from 1 to 1000"),
    ("limit=1001", {}, "limit must be an integer from 1 to 1000"),
    ("format=xml", {}, "format must be json or sse"),
])
async def test_bad_positions_are_refused(client, query, headers, problem):
    resp = await client.get(f"/_s3mock/events?{query or 'format=json'}", headers=headers)
    assert resp.status == 400
    assert (await resp.json())["error"].startswith(problem)


def signed(url: str, key: str, secret: str) -> dict:
    request = AWSRequest(method="GET", url=url, data=b"")
    S3SigV4Auth(Credentials(key, secret), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


async def test_strict_mode_only_the_default_user_may_read_it(aiohttp_client, tmp_path):
    client = await aiohttp_client(make_app(Settings(data_dir=tmp_path, auth="strict", users=(OTHER,))))
    path = "/_s3mock/events?format=json"
    url = str(client.make_url(path))
    for headers, code in (({}, "AccessDenied"), (signed(url, "other", "other-secret"), "AccessDenied"),
                          (signed(url, "test", "wrong"), "SignatureDoesNotMatch")):
        resp = await client.get(path, headers=headers)
        assert resp.status == 403
        root = etree.fromstring(await resp.read())
        assert root.findtext("Code") == code
        if code == "AccessDenied":      # as /_s3mock/reset answers
            assert [c.tag for c in root] == ["Code", "Message", "RequestId", "HostId"]
            assert root.findtext("Message") == "Access Denied"
    resp = await client.get(path, headers=signed(url, "test", "test"))
    assert (resp.status, await resp.json()) == (200, [])
