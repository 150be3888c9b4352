"""Exact S3 error bodies: Code, Message, the code's own fields, Resource, RequestId, HostId.

https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

from lxml import etree

NO_SUCH_BUCKET = "The specified bucket does not exist"
NO_SUCH_KEY = "The specified key does not exist."
INVALID_BUCKET_NAME = "The specified bucket is not valid."
METHOD_NOT_ALLOWED = "The specified method is not allowed against this resource."
NOT_IMPLEMENTED = "A header you provided implies functionality that is not implemented"
MALFORMED_XML = ("The XML you provided was not well-formed or did not validate against our "
                 "published schema")


async def assert_error(resp, status: int, code: str, message: str, fields: list[tuple[str, str]],
                       resource: str | None) -> None:
    """The body is exactly <Error> with these children, in this order; ids match the headers."""
    body = await resp.read()
    assert resp.status == status, body
    assert resp.content_type == "application/xml"
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(body)
    assert root.tag == "Error"
    rid, hid = resp.headers["x-amz-request-id"], resp.headers["x-amz-id-2"]
    assert rid and hid
    expected = [("Code", code), ("Message", message), *fields]
    if resource is not None:
        expected.append(("Resource", resource))
    expected += [("RequestId", rid), ("HostId", hid)]
    assert [(c.tag, c.text or "") for c in root] == expected


async def test_no_such_bucket(api):
    resp = await api.get("/no-such-bucket-here/some/key.txt")
    await assert_error(resp, 404, "NoSuchBucket", NO_SUCH_BUCKET,
                       [("BucketName", "no-such-bucket-here")], "/no-such-bucket-here/some/key.txt")


async def test_no_such_bucket_on_bucket_operations(api):
    for method, query in [("GET", ""), ("GET", "?list-type=2"), ("DELETE", ""), ("GET", "?location"),
                          ("GET", "?uploads"), ("GET", "?versions")]:
        resp = await api.request(method, f"/missing-bkt{query}")
        await assert_error(resp, 404, "NoSuchBucket", NO_SUCH_BUCKET, [("BucketName", "missing-bkt")],
                           "/missing-bkt")


async def test_no_such_key(api, api_bucket):
    bucket = api_bucket
    resp = await api.get(f"/{bucket}/dir/missing%20file.txt")
    await assert_error(resp, 404, "NoSuchKey", NO_SUCH_KEY, [("Key", "dir/missing file.txt")],
                       f"/{bucket}/dir/missing%20file.txt")


async def test_no_such_key_with_markup_in_the_key(api, api_bucket):
    bucket = api_bucket
    resp = await api.get(f"/{bucket}/a%3Cb%3E%22c")
    await assert_error(resp, 404, "NoSuchKey", NO_SUCH_KEY, [("Key", 'a<b>"c')],
                       f"/{bucket}/a%3Cb%3E%22c")


async def test_invalid_bucket_name(api):
    for name in ["Upper", "a", "under_score", "ends-", "192.168.1.1", "a..b", "x" * 64]:
        resp = await api.put(f"/{name}")
        await assert_error(resp, 400, "InvalidBucketName", INVALID_BUCKET_NAME,
                           [("BucketName", name)], f"/{name}")


async def test_method_not_allowed(api, api_bucket):
    bucket = api_bucket
    for path, kind in [(f"/{bucket}/k", "OBJECT"), (f"/{bucket}", "BUCKET"), ("/", "SERVICE")]:
        resp = await api.request("PATCH", path)
        await assert_error(resp, 405, "MethodNotAllowed", METHOD_NOT_ALLOWED,
                           [("Method", "PATCH"), ("ResourceType", kind)], path)
    resp = await api.post("/")
    await assert_error(resp, 405, "MethodNotAllowed", METHOD_NOT_ALLOWED,
                       [("Method", "POST"), ("ResourceType", "SERVICE")], "/")


async def test_not_implemented(api, api_bucket):
    bucket = api_bucket
    for method, path in [("PUT", f"/{bucket}?object-lock"), ("PUT", f"/{bucket}?lifecycle"), ("GET", f"/{bucket}/k?retention"),
                         ("PUT", f"/{bucket}/k?legal-hold")]:
        resp = await api.request(method, path)
        await assert_error(resp, 501, "NotImplemented", NOT_IMPLEMENTED, [], path.split("?")[0])


async def test_malformed_xml(api):
    resp = await api.put("/new-bucket-x", data=b"<CreateBucketConfiguration><LocationConstraint>")
    await assert_error(resp, 400, "MalformedXML", MALFORMED_XML, [], "/new-bucket-x")
    assert (await api.head("/new-bucket-x")).status == 404


async def test_error_request_ids_are_unique(api):
    ids = set()
    for _ in range(5):
        resp = await api.get("/missing-bkt")
        ids.add(resp.headers["x-amz-request-id"])
        await resp.read()
    assert len(ids) == 5
