"""Routing table: (method, host, path, query, headers) -> (Op, bucket, key), path and virtual-host
style, absolute-form targets, and the table held to botocore's model of S3 (every operation)."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlsplit

import botocore.awsrequest
import botocore.serialize
import botocore.session
import pytest
from multidict import CIMultiDict

from s3mock.errors import S3Error
from s3mock import operations
from s3mock.operations import (ROUTES, Op, is_virtual_host, query_names, resolve, split_absolute,
                               split_target)

DOMAIN = "localhost"
PATH_HOST = "127.0.0.1:9000"
VHOST = "photos.localhost:9000"
COPY = {"x-amz-copy-source": "/src/key"}


def run(method: str, host: str, path: str, query: str = "", headers: dict | None = None):
    keys = query_names(query)
    r = resolve(method, host, path, keys, CIMultiDict(headers or {}), DOMAIN, query)
    return r.op, r.bucket, r.key


# (method, path, query, headers) -> (op, bucket, key); every row of ROUTES appears below.
PATH_STYLE = [
    ("GET", "/", "", None, Op.ListBuckets, None, None),
    ("PUT", "/photos", "", None, Op.CreateBucket, "photos", None),
    ("DELETE", "/photos", "", None, Op.DeleteBucket, "photos", None),
    ("HEAD", "/photos", "", None, Op.HeadBucket, "photos", None),
    ("GET", "/photos", "location", None, Op.GetBucketLocation, "photos", None),
    ("GET", "/photos", "versioning", None, Op.GetBucketVersioning, "photos", None),
    ("GET", "/photos", "", None, Op.ListObjects, "photos", None),
    ("GET", "/photos", "prefix=a&delimiter=%2F&max-keys=2&marker=x", None, Op.ListObjects, "photos", None),
    ("GET", "/photos", "list-type=2", None, Op.ListObjectsV2, "photos", None),
    ("GET", "/photos", "list-type=2&continuation-token=t&start-after=a&fetch-owner=true",
     None, Op.ListObjectsV2, "photos", None),
    ("GET", "/photos", "versions", None, Op.ListObjectVersions, "photos", None),
    ("GET", "/photos", "uploads", None, Op.ListMultipartUploads, "photos", None),
    ("POST", "/photos", "delete", None, Op.DeleteObjects, "photos", None),
    ("POST", "/photos", "", None, Op.PostObject, "photos", None),
    ("PUT", "/photos", "cors", None, Op.PutBucketCors, "photos", None),
    ("GET", "/photos", "cors", None, Op.GetBucketCors, "photos", None),
    ("DELETE", "/photos", "cors", None, Op.DeleteBucketCors, "photos", None),
    ("PUT", "/photos", "acl", None, Op.PutBucketAcl, "photos", None),
    ("GET", "/photos", "acl", None, Op.GetBucketAcl, "photos", None),
    ("PUT", "/photos/cat.jpg", "", None, Op.PutObject, "photos", "cat.jpg"),
    ("PUT", "/photos/cat.jpg", "", COPY, Op.CopyObject, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "", None, Op.GetObject, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "partNumber=1&response-content-type=a%2Fb&versionId=null",
     None, Op.GetObject, "photos", "cat.jpg"),
    ("HEAD", "/photos/cat.jpg", "", None, Op.HeadObject, "photos", "cat.jpg"),
    ("DELETE", "/photos/cat.jpg", "", None, Op.DeleteObject, "photos", "cat.jpg"),
    ("DELETE", "/photos/cat.jpg", "versionId=null", None, Op.DeleteObject, "photos", "cat.jpg"),
    ("PUT", "/photos/cat.jpg", "acl", None, Op.PutObjectAcl, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "acl", None, Op.GetObjectAcl, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "attributes", None, Op.GetObjectAttributes, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "attributes&versionId=null", None, Op.GetObjectAttributes, "photos",
     "cat.jpg"),
    ("POST", "/photos/cat.jpg", "uploads", None, Op.CreateMultipartUpload, "photos", "cat.jpg"),
    ("PUT", "/photos/cat.jpg", "partNumber=1&uploadId=u", None, Op.UploadPart, "photos", "cat.jpg"),
    ("PUT", "/photos/cat.jpg", "partNumber=1&uploadId=u", COPY, Op.UploadPartCopy, "photos", "cat.jpg"),
    ("POST", "/photos/cat.jpg", "uploadId=u", None, Op.CompleteMultipartUpload, "photos", "cat.jpg"),
    ("DELETE", "/photos/cat.jpg", "uploadId=u", None, Op.AbortMultipartUpload, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "uploadId=u", None, Op.ListParts, "photos", "cat.jpg"),
    ("GET", "/photos/cat.jpg", "uploadId=u&max-parts=2&part-number-marker=1", None, Op.ListParts,
     "photos", "cat.jpg"),
    # the JS and Go SDKs add x-id=<Operation> to some requests: it is not a subresource.
    ("POST", "/photos", "delete&x-id=DeleteObjects", None, Op.DeleteObjects, "photos", None),
    ("GET", "/photos/cat.jpg", "x-id=GetObject", None, Op.GetObject, "photos", "cat.jpg"),
    ("PUT", "/photos/cat.jpg", "x-id=CopyObject", COPY, Op.CopyObject, "photos", "cat.jpg"),
    # operations s3mock does not implement are routed all the same (then answered NotImplemented)
    ("GET", "/photos", "tagging", None, Op.GetBucketTagging, "photos", None),
    ("PUT", "/photos", "tagging", None, Op.PutBucketTagging, "photos", None),
    ("DELETE", "/photos", "tagging", None, Op.DeleteBucketTagging, "photos", None),
    ("GET", "/photos/k", "tagging", None, Op.GetObjectTagging, "photos", "k"),
    ("PUT", "/photos/k", "tagging&versionId=null", None, Op.PutObjectTagging, "photos", "k"),
    ("GET", "/photos", "policy", None, Op.GetBucketPolicy, "photos", None),
    ("PUT", "/photos", "lifecycle", None, Op.PutBucketLifecycleConfiguration, "photos", None),
    ("GET", "/photos", "website", None, Op.GetBucketWebsite, "photos", None),
    ("PUT", "/photos/k", "retention", None, Op.PutObjectRetention, "photos", "k"),
    ("POST", "/photos/k", "restore", None, Op.RestoreObject, "photos", "k"),
    ("GET", "/photos", "analytics", None, Op.ListBucketAnalyticsConfigurations, "photos", None),
    ("GET", "/photos", "analytics&id=a1", None, Op.GetBucketAnalyticsConfiguration, "photos", None),
    ("GET", "/photos", "metrics&continuation-token=t", None, Op.ListBucketMetricsConfigurations,
     "photos", None),
    ("GET", "/photos", "metrics&id=m", None, Op.GetBucketMetricsConfiguration, "photos", None),
    ("GET", "/photos/k", "annotation", None, Op.ListObjectAnnotations, "photos", "k"),
    ("GET", "/photos/k", "annotation&annotationName=n", None, Op.GetObjectAnnotation, "photos", "k"),
    ("GET", "/photos/k", "part&uploadId=u&partNumber=2", None, Op.GetPart, "photos", "k"),
    ("POST", "/photos/k", "select&select-type=2", None, Op.SelectObjectContent, "photos", "k"),
    ("PUT", "/photos/k", "renameObject", {"x-amz-rename-source": "/photos/old"}, Op.RenameObject,
     "photos", "k"),
    ("GET", "/photos", "session", {"x-amz-create-session-mode": "ReadOnly"}, Op.CreateSession,
     "photos", None),
    ("GET", "/", "x-id=ListDirectoryBuckets", None, Op.ListDirectoryBuckets, None, None),
    ("GET", "/", "max-directory-buckets=5", None, Op.ListDirectoryBuckets, None, None),
    ("GET", "/", "x-id=ListBuckets", None, Op.ListBuckets, None, None),
    # Object Lambda's answer: POST {route}.host/WriteGetObjectResponse (path style, as botocore
    # sends it to an IP address endpoint, makes it look like a bucket), never a browser form
    ("POST", "/WriteGetObjectResponse", "", {"x-amz-request-route": "r", "x-amz-request-token": "t"},
     Op.WriteGetObjectResponse, "WriteGetObjectResponse", None),
]


@pytest.mark.parametrize("method,path,query,headers,op,bucket,key", PATH_STYLE)
def test_path_style(method, path, query, headers, op, bucket, key):
    assert run(method, PATH_HOST, path, query, headers) == (op, bucket, key)


@pytest.mark.parametrize("method,path,query,headers,op,bucket,key",
                         [row for row in PATH_STYLE if row[5] == "photos"])
def test_virtual_host_style(method, path, query, headers, op, bucket, key):
    """The same request addressed as http://photos.localhost:9000/<key>."""
    vpath = "/" + path[len("/photos/"):] if key is not None else "/"
    assert run(method, VHOST, vpath, query, headers) == (op, bucket, key)


def test_virtual_host_answers_are_remembered_in_a_bounded_table():
    """A client sends one Host header again and again; a stream of made-up ones (any number)
    keeps the table of remembered answers within its limit, and every answer right."""
    for i in range(3 * operations._VIRTUAL_LIMIT):
        assert is_virtual_host(f"b{i}.localhost:9000", DOMAIN)
        assert not is_virtual_host(f"10.0.{i // 256}.{i % 256}:9000", DOMAIN)
        assert not is_virtual_host(f"b{i}.localhost:9000", "example.com")
        assert len(operations._VIRTUAL) <= operations._VIRTUAL_LIMIT
    assert is_virtual_host("B.LOCALHOST", DOMAIN) and not is_virtual_host("localhost", DOMAIN)
    assert not is_virtual_host("b.localhost", "")


def test_write_get_object_response_under_the_domain():
    headers = {"x-amz-request-route": "r", "x-amz-request-token": "t"}
    assert run("POST", "route-1.localhost:9000", "/WriteGetObjectResponse", "", headers)[0] is (
        Op.WriteGetObjectResponse)
    assert run("POST", "route-1.localhost:9000", "/k", "uploads")[0] is Op.CreateMultipartUpload


@pytest.mark.parametrize("host,path,bucket,key", [
    # path style: any host that is not <bucket>.<domain>
    ("127.0.0.1:9000", "/b/k", "b", "k"),
    ("localhost:9000", "/b/k", "b", "k"),
    ("localhost", "/b/k", "b", "k"),
    ("[::1]:9000", "/b/k", "b", "k"),
    ("127.0.0.1:9000", "/b", "b", None),
    ("127.0.0.1:9000", "/b/", "b", None),
    ("127.0.0.1:9000", "/", None, None),
    ("127.0.0.1:9000", "/b/dir/", "b", "dir/"),
    ("127.0.0.1:9000", "/b/a/b/c.txt", "b", "a/b/c.txt"),
    ("127.0.0.1:9000", "/b//lead", "b", "/lead"),
    ("127.0.0.1:9000", "/b/a%2Fb", "b", "a/b"),
    ("127.0.0.1:9000", "/b/a+b", "b", "a+b"),          # `+` in a path is a literal plus
    ("127.0.0.1:9000", "/b/a%2Bb", "b", "a+b"),
    ("127.0.0.1:9000", "/b/a%20b", "b", "a b"),
    ("127.0.0.1:9000", "/b/%C3%A9t%C3%A9", "b", "été"),
    ("127.0.0.1:9000", "/b/100%25", "b", "100%"),
    ("127.0.0.1:9000", "/b/k?x=1", "b", "k"),
    # virtual-host style under the domain
    ("photos.localhost:9000", "/k", "photos", "k"),
    ("photos.localhost", "/k", "photos", "k"),
    ("photos.localhost:9000", "/", "photos", None),
    ("photos.localhost:9000", "/dir/", "photos", "dir/"),
    ("photos.localhost:9000", "/a%2Fb", "photos", "a/b"),
    ("photos.localhost:9000", "/a+b", "photos", "a+b"),
    ("photos.localhost:9000", "/a%20b", "photos", "a b"),
    ("photos.localhost:9000", "//lead", "photos", "/lead"),
    ("photos.localhost:9000", "/other/k", "photos", "other/k"),
    ("my.dotted.bucket.localhost:9000", "/k", "my.dotted.bucket", "k"),
    ("Photos.LOCALHOST:9000", "/k", "photos", "k"),
    # `localhost` itself, or a name that merely ends in "localhost", is path style
    ("notlocalhost:9000", "/b/k", "b", "k"),
])
def test_split_target(host, path, bucket, key):
    assert split_target(host, path, DOMAIN) == (bucket, key)


def test_split_target_other_domain():
    assert split_target("photos.s3.test:80", "/k", "s3.test") == ("photos", "k")
    assert split_target("photos.localhost:80", "/b/k", "s3.test") == ("b", "k")


@pytest.mark.parametrize("method,path,query", [
    # subresources that no S3 operation takes together
    ("GET", "/photos", "acl&tagging"),
    ("PUT", "/photos/k", "partNumber=1&uploadId=u&tagging"),
    ("GET", "/photos/k", "part"),                      # GetPart names its upload
    ("POST", "/photos/k", "select"),                   # SelectObjectContent is select&select-type=2
    # a subresource on a method that does not take it
    ("DELETE", "/photos", "location"),
    ("POST", "/photos", "versioning"),
    ("HEAD", "/photos", "acl"),
    ("GET", "/photos", "restore"),
])
def test_unknown_subresource_is_not_implemented(method, path, query):
    for host, p in ((PATH_HOST, path), (VHOST, path[len("/photos"):] or "/")):
        with pytest.raises(S3Error) as e:
            run(method, host, p, query)
        assert e.value.code == "NotImplemented"
        assert e.value.status == 501


@pytest.mark.parametrize("method,path,resource_type", [
    ("PATCH", "/photos/k", "OBJECT"),
    ("PATCH", "/photos", "BUCKET"),
    ("PATCH", "/", "SERVICE"),
    ("TRACE", "/photos/k", "OBJECT"),
    ("PROPFIND", "/photos", "BUCKET"),
    ("POST", "/", "SERVICE"),
    ("PUT", "/", "SERVICE"),
    ("DELETE", "/", "SERVICE"),
])
def test_unsupported_method(method, path, resource_type):
    with pytest.raises(S3Error) as e:
        run(method, PATH_HOST, path)
    assert e.value.code == "MethodNotAllowed"
    assert e.value.status == 405
    assert e.value.fields == {"Method": method, "ResourceType": resource_type}


@pytest.mark.parametrize("host,path,query,bucket,key", [
    (PATH_HOST, "/", "", None, None),
    (PATH_HOST, "/photos", "", "photos", None),
    (PATH_HOST, "/photos/a%20b", "", "photos", "a b"),
    (PATH_HOST, "/photos/k", "tagging", "photos", "k"),
    (VHOST, "/k", "", "photos", "k"),
    (VHOST, "/", "uploads", "photos", None),
])
def test_options_is_preflight(host, path, query, bucket, key):
    """A preflight is answered whatever the subresource: it never reaches an operation."""
    assert run("OPTIONS", host, path, query) == (Op.Preflight, bucket, key)


def test_copy_source_header_is_case_insensitive():
    assert run("PUT", PATH_HOST, "/b/k", "", {"X-Amz-Copy-Source": "/s/k"})[0] is Op.CopyObject


@pytest.mark.parametrize("query", [
    "", "acl", "list-type=2&prefix=a+b", "a+b=1&%61cl&x%2By=2", "&&uploads=&", "uploads&uploads",
    "versionId=null&partNumber=1", "%zz=1&%C3%A9=3&%FF=1", "tagging=&x=%26", "a=b=c&=v",
])
def test_query_names_are_the_names_aiohttp_decodes(query):
    """Routing reads parameter names from the raw query itself; they must be request.query's."""
    from yarl import URL
    assert query_names(query) == set(URL("http://h/p?" + query, encoded=True).query.keys())


def test_an_escaped_subresource_name_routes_like_the_plain_one():
    assert run("GET", PATH_HOST, "/photos", "%61cl")[0] is Op.GetBucketAcl
    assert run("GET", PATH_HOST, "/photos", "list%2Dtype=2")[0] is Op.ListObjectsV2


@pytest.mark.parametrize("target,expected", [
    # absolute-form, as clients send it to a proxy (RFC 9112 §3.2.2): the authority and the path
    ("http://photos.localhost:9000/k", ("photos.localhost:9000", "/k")),
    ("http://photos.localhost:9000/a%20b/c", ("photos.localhost:9000", "/a%20b/c")),
    ("HTTP://127.0.0.1:9000/photos/k", ("127.0.0.1:9000", "/photos/k")),
    ("https://photos.localhost/", ("photos.localhost", "/")),
    ("http://127.0.0.1:9000", ("127.0.0.1:9000", "/")),
    ("http://user:pw@photos.localhost:9000/k", ("photos.localhost:9000", "/k")),
    ("http://[::1]:9000/b/k", ("[::1]:9000", "/b/k")),
    ("http://h//lead", ("h", "//lead")),
    # not absolute-form: left to the other rules
    ("/b/k", None), ("*", None), ("ftp://h/k", None), ("http:///k", None), ("h:9000", None),
])
def test_split_absolute(target, expected):
    assert split_absolute(target) == expected


# ================================================================== the table against botocore's model

# Deprecated operations that send the same request as their successor (S3 cannot tell them apart).
SAME_REQUEST_AS = {"GetBucketLifecycle": "GetBucketLifecycleConfiguration",
                   "PutBucketLifecycle": "PutBucketLifecycleConfiguration",
                   "GetBucketNotification": "GetBucketNotificationConfiguration",
                   "PutBucketNotification": "PutBucketNotificationConfiguration"}
# Optional parameters a request needs to be told apart: ListDirectoryBuckets is ListBuckets' request
# sent to another endpoint (s3express-control); s3mock has one endpoint, and routes it by these.
TELLING_PARAMS = {"ListDirectoryBuckets": {"MaxDirectoryBuckets": 10}}
NOT_IN_MODEL = {Op.PostObject, Op.Preflight}      # the browser form upload; CORS preflights


def _minimal(shape, name: str = ""):
    """A value for a botocore shape: required members only, dummy values."""
    kind = shape.type_name
    if kind == "structure":
        return {m: _minimal(shape.members[m], m) for m in shape.required_members}
    if kind == "list":
        return []
    if kind == "map":
        return {}
    return {"string": {"Bucket": "photos", "Key": "dir/k", "CopySource": "src/k",
                       "RenameSource": "photos/old"}.get(name, "x"),
            "integer": 1, "long": 1, "boolean": True, "blob": b"x",
            "timestamp": datetime(2026, 1, 1, tzinfo=timezone.utc)}.get(kind, "x")


def _botocore_requests():
    model = botocore.session.get_session().get_service_model("s3")
    serializer = botocore.serialize.create_serializer("rest-xml", include_validation=False)
    for name in model.operation_names:
        op = model.operation_model(name)
        params = _minimal(op.input_shape) if op.input_shape is not None else {}
        params.update(TELLING_PARAMS.get(name, {}))
        request = serializer.serialize_to_request(params, op)
        botocore.awsrequest.prepare_request_dict(request, endpoint_url="http://127.0.0.1:9000")
        yield pytest.param(name, request, id=name)


@pytest.mark.parametrize("name,request_dict", list(_botocore_requests()))
def test_every_botocore_operation_routes_to_its_op(name, request_dict):
    """Each request botocore would send (required parameters only) resolves to the Op of that
    name: an operation added to S3's model and missing from the table fails here."""
    parts = urlsplit(request_dict["url"])
    headers = CIMultiDict(request_dict["headers"])
    resolved = resolve(request_dict["method"], parts.netloc, parts.path, query_names(parts.query),
                       headers, DOMAIN, parts.query)
    assert resolved.op.name == SAME_REQUEST_AS.get(name, name)


# Operations of S3's API newer than the botocore the test extras pin (s3fs's aiobotocore holds it
# back): routed all the same; a newer botocore's model has them and then checks them.
NEWER_THAN_PINNED_BOTOCORE = {"GetBucketDefaultStorageClass", "PutBucketDefaultStorageClass",
                              "GetPart"}


def test_every_op_is_an_operation_of_the_model():
    names = set(botocore.session.get_session().get_service_model("s3").operation_names)
    extra = {op.name for op in Op} - names - NEWER_THAN_PINNED_BOTOCORE
    assert extra == {op.name for op in NOT_IN_MODEL}
    names |= {op.name for op in Op} & NEWER_THAN_PINNED_BOTOCORE
    assert {op.name for op in Op if op not in NOT_IN_MODEL} == names - set(SAME_REQUEST_AS)


def test_every_route_takes_what_the_model_sends():
    """A route's subresources are the query names of the model's requestUri and of the
    operation's required query parameters (uploadId); its other parameters are the operation's
    own or the x-id naming it; its header is one the operation requires."""
    model = botocore.session.get_session().get_service_model("s3")
    for route in ROUTES:
        if route.op in NOT_IN_MODEL or route.op.name not in model.operation_names:
            continue        # NEWER_THAN_PINNED_BOTOCORE's, checked by a newer botocore
        op = model.operation_model(route.op.name)
        query = op.http["requestUri"].partition("?")[2]
        uri_names = {item.partition("=")[0] for item in query.split("&") if item}
        members = op.input_shape.members if op.input_shape is not None else {}
        located = {n: (m.serialization.get("location"), m.serialization.get("name"))
                   for n, m in members.items()}
        required = op.input_shape.required_members if op.input_shape is not None else []
        required_query = {located[n][1] for n in required if located[n][0] == "querystring"}
        optional_query = {name for where, name in located.values() if where == "querystring"}
        required_headers = {located[n][1].lower() for n in required if located[n][0] == "header"}
        assert uri_names <= route.keys <= uri_names | required_query, route
        assert route.params <= optional_query | {f"x-id={op.name}"}, route
        assert route.header is None or route.header in required_headers, route
