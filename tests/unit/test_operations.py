"""Routing table: (method, host, path, query, headers) -> (Op, bucket, key), path and virtual-host style."""

from __future__ import annotations

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
    r = resolve(method, host, path, keys, CIMultiDict(headers or {}), DOMAIN)
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
    # botocore adds x-id=<Operation> to some requests: it is not a subresource.
    ("POST", "/photos", "delete&x-id=DeleteObjects", None, Op.DeleteObjects, "photos", None),
    ("GET", "/photos/cat.jpg", "x-id=GetObject", None, Op.GetObject, "photos", "cat.jpg"),
]


@pytest.mark.parametrize("method,path,query,headers,op,bucket,key", PATH_STYLE)
def test_path_style(method, path, query, headers, op, bucket, key):
    assert run(method, PATH_HOST, path, query, headers) == (op, bucket, key)


@pytest.mark.parametrize("method,path,query,headers,op,bucket,key",
                         [row for row in PATH_STYLE if row[5] is not None])
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


def test_every_route_is_in_the_table():
    covered = {row[4] for row in PATH_STYLE}
    assert {r.op for r in ROUTES} <= covered


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
    ("GET", "/photos", "tagging"),
    ("PUT", "/photos", "tagging"),
    ("DELETE", "/photos", "tagging"),
    ("GET", "/photos/k", "tagging"),
    ("PUT", "/photos/k", "tagging"),
    ("GET", "/photos", "policy"),
    ("PUT", "/photos", "policy"),
    ("GET", "/photos", "lifecycle"),
    ("PUT", "/photos", "lifecycle"),
    ("GET", "/photos", "website"),
    ("GET", "/photos", "encryption"),
    ("PUT", "/photos/k", "retention"),
    ("POST", "/photos/k", "restore"),
    # a known subresource combined with one we do not route
    ("GET", "/photos", "acl&tagging"),
    ("PUT", "/photos/k", "partNumber=1&uploadId=u&tagging"),
    # a routed subresource on a method that does not take it
    ("DELETE", "/photos", "location"),
    ("POST", "/photos", "versioning"),
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
