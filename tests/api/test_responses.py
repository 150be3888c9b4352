"""Headers every response carries, HEAD semantics, and virtual-host style addressing."""

from __future__ import annotations

import base64
import hashlib
import os

from lxml import etree

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def md5_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def assert_ids(resp) -> tuple[str, str]:
    rid, hid = resp.headers.get("x-amz-request-id"), resp.headers.get("x-amz-id-2")
    assert rid and hid, dict(resp.headers)
    return rid, hid


async def test_every_response_carries_request_ids(api, api_bucket):
    bucket = api_bucket
    big = os.urandom(3 * 1024 * 1024 + 17)       # served as a streamed response
    assert (await api.put(f"/{bucket}/big", data=big)).status == 200
    assert (await api.put(f"/{bucket}/small", data=b"hello")).status == 200
    etag = hashlib.md5(b"hello").hexdigest()
    cases = [
        ("GET", "/", {}, 200),
        ("GET", f"/{bucket}?list-type=2", {}, 200),
        ("HEAD", f"/{bucket}", {}, 200),
        ("GET", f"/{bucket}/small", {}, 200),
        ("GET", f"/{bucket}/big", {}, 200),
        ("GET", f"/{bucket}/big", {"Range": "bytes=1-2000000"}, 206),
        ("HEAD", f"/{bucket}/big", {}, 200),
        ("HEAD", f"/{bucket}/missing", {}, 404),
        ("HEAD", "/missing-bucket-zz", {}, 404),
        ("GET", f"/{bucket}/small", {"If-None-Match": f'"{etag}"'}, 304),
        ("GET", f"/{bucket}/small", {"If-Match": '"nope"'}, 412),
        ("GET", f"/{bucket}/small", {"Range": "bytes=100-"}, 416),
        ("GET", f"/{bucket}/missing", {}, 404),
        ("PUT", f"/{bucket}/k2", {}, 200),
        ("DELETE", f"/{bucket}/k2", {}, 204),
        ("PATCH", f"/{bucket}/k2", {}, 405),
        ("PUT", f"/{bucket}?lifecycle", {}, 501),
    ]
    seen = set()
    for method, path, headers, status in cases:
        resp = await api.request(method, path, headers=headers)
        body = await resp.read()
        assert resp.status == status, (method, path, body[:300])
        rid, hid = assert_ids(resp)
        assert rid not in seen
        seen.add(rid)
        if path.endswith("/big") and method == "GET" and status == 200:
            assert body == big


async def test_head_of_a_missing_key_is_404_without_body(api, api_bucket):
    bucket = api_bucket
    resp = await api.head(f"/{bucket}/no/such/key")
    assert resp.status == 404
    assert await resp.read() == b""
    assert resp.headers.get("Content-Length", "0") == "0"
    assert_ids(resp)


async def test_head_of_a_missing_bucket_is_404_without_body(api):
    resp = await api.head("/nothing-here-bkt/k")
    assert resp.status == 404
    assert await resp.read() == b""


async def test_head_content_length_is_the_object_size(api, api_bucket):
    bucket = api_bucket
    for size in (0, 1, 5000, 300 * 1024 + 3):
        data = os.urandom(size)
        assert (await api.put(f"/{bucket}/obj-{size}", data=data)).status == 200
        resp = await api.head(f"/{bucket}/obj-{size}")
        assert resp.status == 200
        assert resp.headers["Content-Length"] == str(size)
        assert resp.headers["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        assert await resp.read() == b""


async def test_head_with_range_gives_the_range_length(api, api_bucket):
    bucket = api_bucket
    assert (await api.put(f"/{bucket}/r", data=b"0123456789")).status == 200
    resp = await api.head(f"/{bucket}/r", headers={"Range": "bytes=2-5"})
    assert resp.status == 206
    assert resp.headers["Content-Length"] == "4"
    assert resp.headers["Content-Range"] == "bytes 2-5/10"
    assert await resp.read() == b""


async def test_suffix_range_of_an_empty_object(api, api_bucket):
    bucket = api_bucket
    """S3 answers 200 with an empty body; a first-byte range of it is 416."""
    assert (await api.put(f"/{bucket}/empty", data=b"")).status == 200
    resp = await api.get(f"/{bucket}/empty", headers={"Range": "bytes=-5"})
    assert resp.status == 200
    assert await resp.read() == b""
    resp = await api.get(f"/{bucket}/empty", headers={"Range": "bytes=0-"})
    assert resp.status == 416
    assert b"<Code>InvalidRange</Code>" in await resp.read()


# virtual-host style: http://<bucket>.localhost:<port>/<key>


async def test_virtual_host_put_get_list(api, api_bucket):
    bucket = api_bucket
    host = {"Host": f"{bucket}.localhost:9000"}
    resp = await api.put("/photos/cat%20one.jpg", data=b"meow", headers=host)
    assert resp.status == 200, await resp.text()
    resp = await api.get(f"/{bucket}/photos/cat%20one.jpg")      # the same object, path style
    assert resp.status == 200 and await resp.read() == b"meow"
    resp = await api.get("/photos/cat%20one.jpg", headers=host)
    assert resp.status == 200 and await resp.read() == b"meow"
    resp = await api.get("/?list-type=2", headers=host)
    assert resp.status == 200
    doc = etree.fromstring(await resp.read())
    assert doc.findtext(f"{NS}Name") == bucket
    assert [k.text for k in doc.iter(f"{NS}Key")] == ["photos/cat one.jpg"]
    resp = await api.head("/", headers=host)
    assert resp.status == 200
    resp = await api.delete("/photos/cat%20one.jpg", headers=host)
    assert resp.status == 204
    assert (await api.head(f"/{bucket}/photos/cat%20one.jpg")).status == 404


async def test_virtual_host_missing_bucket_and_key(api, api_bucket):
    bucket = api_bucket
    resp = await api.get("/k", headers={"Host": "no-such-vhost-bkt.localhost"})
    body = await resp.read()
    assert resp.status == 404
    doc = etree.fromstring(body)
    assert doc.findtext("Code") == "NoSuchBucket"
    assert doc.findtext("BucketName") == "no-such-vhost-bkt"
    resp = await api.get("/nope", headers={"Host": f"{bucket}.localhost:1234"})
    doc = etree.fromstring(await resp.read())
    assert resp.status == 404
    assert (doc.findtext("Code"), doc.findtext("Key")) == ("NoSuchKey", "nope")


async def test_virtual_host_delete_objects(api, api_bucket):
    bucket = api_bucket
    host = {"Host": f"{bucket}.localhost:9000"}
    assert (await api.put("/a", data=b"1", headers=host)).status == 200
    body = b"<Delete><Object><Key>a</Key></Object></Delete>"
    resp = await api.post("/?delete", data=body, headers={**host, "Content-MD5": md5_b64(body)})
    assert resp.status == 200, await resp.text()
    assert (await api.head(f"/{bucket}/a")).status == 404
