"""XML request bodies: DeleteObjects beyond aiohttp's 1 MiB default, Content-MD5, hostile XML."""

from __future__ import annotations

import base64
import hashlib
import zlib

import pytest
from lxml import etree

NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
MALFORMED_XML = ("The XML you provided was not well-formed or did not validate against our "
                 "published schema")


def md5_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def delete_doc(keys, quiet: bool = False, ns: bool = True) -> bytes:
    xmlns = ' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"' if ns else ""
    objects = "".join(f"<Object><Key>{k}</Key></Object>" for k in keys)
    quiet_el = "<Quiet>true</Quiet>" if quiet else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><Delete{xmlns}>{quiet_el}{objects}</Delete>'.encode()


async def error_of(resp) -> dict[str, str]:
    body = await resp.read()
    root = etree.fromstring(body)
    assert root.tag == "Error", body
    out = {c.tag: c.text or "" for c in root}
    assert out["RequestId"] == resp.headers["x-amz-request-id"]
    assert out["HostId"] == resp.headers["x-amz-id-2"]
    return out


async def put(api, path: str, data: bytes = b"x") -> None:
    resp = await api.put(path, data=data)
    assert resp.status == 200, await resp.text()


# DeleteObjects


async def test_delete_objects_body_over_one_mib(api, api_bucket):
    """1000 keys of 1024 bytes: a body past aiohttp's 1 MiB client_max_size, streamed, not cut."""
    keys = [f"{i:04d}-" + "k" * 1019 for i in range(1000)]
    for k in keys[:3] + keys[-2:]:
        await put(api, f"/{api_bucket}/{k}")
    body = delete_doc(keys)
    assert len(body) > 1024 * 1024
    resp = await api.post(f"/{api_bucket}?delete", data=body, headers={"Content-MD5": md5_b64(body)})
    text = await resp.read()
    assert resp.status == 200, text[:500]
    doc = etree.fromstring(text)
    assert doc.tag == f"{NS}DeleteResult"
    assert [d.findtext(f"{NS}Key") for d in doc.findall(f"{NS}Deleted")] == keys
    assert doc.findall(f"{NS}Error") == []
    resp = await api.get(f"/{api_bucket}?list-type=2")
    assert etree.fromstring(await resp.read()).findall(f"{NS}Contents") == []


async def test_delete_objects_quiet_and_without_namespace(api, api_bucket):
    await put(api, f"/{api_bucket}/a")
    await put(api, f"/{api_bucket}/b c")
    await put(api, f"/{api_bucket}/keep")
    body = delete_doc(["a", "b c", "never-existed"], quiet=True, ns=False)
    resp = await api.post(f"/{api_bucket}?delete", data=body, headers={"Content-MD5": md5_b64(body)})
    assert resp.status == 200
    doc = etree.fromstring(await resp.read())
    assert list(doc) == []
    assert (await api.head(f"/{api_bucket}/a")).status == 404
    assert (await api.head(f"/{api_bucket}/b%20c")).status == 404
    assert (await api.head(f"/{api_bucket}/keep")).status == 200


async def test_delete_objects_without_content_md5(api, api_bucket):
    await put(api, f"/{api_bucket}/a")
    body = delete_doc(["a"])
    resp = await api.post(f"/{api_bucket}?delete", data=body)
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["Message"]) == (
        "InvalidRequest", "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
    assert (await api.head(f"/{api_bucket}/a")).status == 200


async def test_delete_objects_with_a_checksum_instead_of_md5(api, api_bucket):
    await put(api, f"/{api_bucket}/a")
    body = delete_doc(["a"])
    crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    resp = await api.post(f"/{api_bucket}?delete", data=body, headers={"x-amz-checksum-crc32": crc})
    assert resp.status == 200, await resp.text()
    assert (await api.head(f"/{api_bucket}/a")).status == 404


async def test_delete_objects_wrong_content_md5(api, api_bucket):
    await put(api, f"/{api_bucket}/a")
    body = delete_doc(["a"])
    resp = await api.post(f"/{api_bucket}?delete", data=body,
                          headers={"Content-MD5": md5_b64(b"something else")})
    assert resp.status == 400
    assert (await error_of(resp))["Code"] == "BadDigest"
    assert (await api.head(f"/{api_bucket}/a")).status == 200


async def test_delete_objects_more_than_1000_keys(api, api_bucket):
    body = delete_doc([f"k{i}" for i in range(1001)])
    resp = await api.post(f"/{api_bucket}?delete", data=body, headers={"Content-MD5": md5_b64(body)})
    assert resp.status == 400
    assert (await error_of(resp))["Code"] == "MalformedXML"


# hostile or malformed XML


@pytest.fixture
def secret(tmp_path_factory):
    p = tmp_path_factory.mktemp("outside") / "secret.txt"
    p.write_text("topsecret-key")
    return p


def hostile_docs(secret_path, root: str, inner: str) -> dict[str, bytes]:
    """Bodies whose `&x;` would expand to the secret file or to a billion laughs, and plain junk."""
    laughs = '<!ENTITY a "lol">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    xxe = f'<!ENTITY x SYSTEM "file://{secret_path}">'
    docs = {
        "xxe": f'<?xml version="1.0"?><!DOCTYPE {root} [{xxe}]><{root}>{inner.replace("@", "&x;")}</{root}>',
        "billion-laughs": (f'<?xml version="1.0"?><!DOCTYPE {root} [{laughs}<!ENTITY x "&j;">]>'
                           f'<{root}>{inner.replace("@", "&x;")}</{root}>'),
        "dtd": f'<!DOCTYPE {root}><{root}>{inner.replace("@", "k")}</{root}>',
        "unclosed": f"<{root}>{inner.replace('@', 'k')}",
        "wrong-root": f"<Wrong>{inner.replace('@', 'k')}</Wrong>",
        "not-xml": "this is not xml",
    }
    out = {name: text.encode() for name, text in docs.items()}
    out["xxe-utf16"] = ('<?xml version="1.0" encoding="UTF-16"?>' + docs["xxe"][len('<?xml version="1.0"?>'):]
                        ).encode("utf-16")
    return out


KINDS = ["xxe", "billion-laughs", "dtd", "unclosed", "wrong-root", "not-xml", "xxe-utf16"]


@pytest.mark.parametrize("kind", KINDS)
async def test_hostile_delete_objects(api, api_bucket, secret, kind):
    await put(api, f"/{api_bucket}/topsecret-key")   # what the entity would name if it resolved
    body = hostile_docs(secret, "Delete", "<Object><Key>@</Key></Object>")[kind]
    resp = await api.post(f"/{api_bucket}?delete", data=body, headers={"Content-MD5": md5_b64(body)})
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["Message"]) == ("MalformedXML", MALFORMED_XML)
    assert (await api.head(f"/{api_bucket}/topsecret-key")).status == 200


@pytest.mark.parametrize("kind", KINDS)
async def test_hostile_complete_multipart_upload(api, api_bucket, secret, kind):
    resp = await api.post(f"/{api_bucket}/mp?uploads")
    assert resp.status == 200
    upload_id = etree.fromstring(await resp.read()).findtext(f"{NS}UploadId")
    resp = await api.put(f"/{api_bucket}/mp?partNumber=1&uploadId={upload_id}", data=b"part")
    assert resp.status == 200
    etag = resp.headers["ETag"]
    inner = f"<Part><PartNumber>1</PartNumber><ETag>{etag}@</ETag></Part>"
    body = hostile_docs(secret, "CompleteMultipartUpload", inner)[kind]
    resp = await api.post(f"/{api_bucket}/mp?uploadId={upload_id}", data=body)
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["Message"]) == ("MalformedXML", MALFORMED_XML)
    assert "topsecret" not in str(err)
    assert (await api.head(f"/{api_bucket}/mp")).status == 404
    assert (await api.get(f"/{api_bucket}/mp?uploadId={upload_id}")).status == 200   # still open


@pytest.mark.parametrize("kind", KINDS)
async def test_hostile_create_bucket(api, secret, kind):
    body = hostile_docs(secret, "CreateBucketConfiguration",
                        "<LocationConstraint>eu-west-1@</LocationConstraint>")[kind]
    resp = await api.put("/hostile-bucket", data=body)
    assert resp.status == 400
    err = await error_of(resp)
    assert (err["Code"], err["Message"]) == ("MalformedXML", MALFORMED_XML)
    assert "topsecret" not in str(err)
    assert (await api.head("/hostile-bucket")).status == 404
