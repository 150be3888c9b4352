"""/_s3mock/faults against the in-process app: adding, listing and removing rules, bad bodies
answered 400 with a message (never a crash), other methods 405, strict mode owner-only."""

from __future__ import annotations

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from s3mock.app import make_app
from s3mock.config import Settings, make_user

PATH = "/_s3mock/faults"


async def test_add_list_and_remove(api, api_bucket):
    resp = await api.post(PATH, json={"op": "GetObject", "bucket": api_bucket, "error": "SlowDown"})
    assert resp.status == 200
    assert (await resp.json())["rules"] == [{"id": "1", "op": "GetObject", "bucket": api_bucket,
                                             "error": "SlowDown", "seen": 0, "fired": 0}]
    resp = await api.put(PATH, json=[{"id": "slow", "latency": 0.01},
                                     {"op": "HeadBucket", "times": 1, "error": "InternalError"}])
    assert [r["id"] for r in (await resp.json())["rules"]] == ["slow", "3"]
    assert (await api.head(f"/{api_bucket}")).status == 500
    assert (await api.head(f"/{api_bucket}")).status == 200
    listed = (await (await api.get(PATH)).json())["rules"]
    assert [(r["id"], r["seen"], r["fired"]) for r in listed] == [("1", 0, 0), ("slow", 2, 2),
                                                                  ("3", 2, 1)]
    resp = await api.delete(PATH + "/slow")
    assert (resp.status, await resp.json()) == (200, {"removed": 1})
    resp = await api.delete(PATH + "/slow")
    assert resp.status == 404 and "no rule with id 'slow'" in (await resp.json())["error"]
    assert (await (await api.delete(PATH)).json()) == {"removed": 2}
    assert (await (await api.get(PATH)).json()) == {"rules": []}
    assert (await api.head(f"/{api_bucket}")).status == 200


@pytest.mark.parametrize("body,message", [
    (b"", "the body must be JSON"),
    (b"{", "the body must be JSON"),
    (b"\xff\xfe", "the body must be JSON"),
    (b"[1, 2", "the body must be JSON"),
    (b"null", "a rule must be a JSON object"),
    (b"42", "a rule must be a JSON object"),
    (b'{"op": "GetObject"}', "a rule needs an action"),
    (b'{"op": "GetObject", "error": "SlowDown", "bogus": 1}', "unknown field 'bogus'"),
    (b'{"error": "NoSuchThing"}', "error must be an S3 error code"),
    (b'{"rules": [{"reset": true}, {"reset": 1}]}', "reset must be true or false"),
    (b'[{"id": "a", "reset": true}, {"id": "a", "cut": 1}]', "a rule with id 'a' exists"),
    (b'{"latency": [1e400, 2]}', "latency[0] must be a number"),
    (b'{"every": 99999999999999999999999, "reset": true}', "every must be an integer"),
    (b"[" * 100_000 + b"]" * 100_000, "the body must be JSON"),
])
async def test_bad_bodies_are_refused_with_a_message(api, body, message):
    resp = await api.post(PATH, data=body, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    assert message in (await resp.json())["error"]
    assert (await (await api.get(PATH)).json()) == {"rules": []}    # nothing half-added


async def test_a_body_over_a_mebibyte_is_refused(api):
    resp = await api.post(PATH, data=b" " * (1024 * 1024 + 1))
    assert resp.status == 413 and "at most 1 MiB" in (await resp.json())["error"]


@pytest.mark.parametrize("method,path", [("PATCH", PATH), ("GET", PATH + "/1"), ("POST", PATH + "/1")])
async def test_other_methods_are_not_allowed(api, method, path):
    resp = await api.request(method, path)
    assert resp.status == 405 and "is not allowed here" in (await resp.json())["error"]


def _signed(method: str, url: str, body: bytes, keys: tuple[str, str]) -> dict:
    request = AWSRequest(method=method, url=url, data=body)
    S3SigV4Auth(Credentials(*keys), "s3", "us-east-1").add_auth(request)
    return dict(request.headers.items())


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_strict_mode_wants_the_owners_signature(aiohttp_client, tmp_path, method):
    settings = Settings(data_dir=tmp_path, auth="strict", users=(make_user("bob", "bobsecret"),))
    client = await aiohttp_client(make_app(settings))
    url = str(client.make_url(PATH))
    body = b'{"reset": true}' if method == "POST" else b""
    for headers in ({}, _signed(method, url, body, ("bob", "bobsecret"))):
        resp = await client.request(method, PATH, data=body, headers=headers)
        assert resp.status == 403 and b"<Code>AccessDenied</Code>" in await resp.read()
    resp = await client.request(method, PATH, data=body,
                                headers=_signed(method, url, body, ("test", "test")))
    assert resp.status == 200, await resp.text()
