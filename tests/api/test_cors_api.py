"""Bucket CORS on the wire (shared/spec/cors.md): Put/Get/DeleteBucketCors with S3's exact errors,
preflight responses (status, headers, XML bodies), CORS headers on actual responses (streamed,
error and service-level included), persistence, two processes on one data directory, the explain
endpoint and the refusal log line. Test ids / names carry the spec's rule numbers."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import logging
import re
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from support import ACCESS_KEY, SECRET_KEY, client, start_server

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
MALFORMED = ("The XML you provided was not well-formed or did not validate against our "
             "published schema")
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the "
               "evalution of Origin, request method / Access-Control-Request-Method or "
               "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
GARBAGE_AUTH = ("AWS4-HMAC-SHA256 Credential=NOSUCHKEY/20200101/us-east-1/s3/aws4_request, "
                "SignedHeaders=host, Signature=deadbeef")


# ---------------------------------------------------------------- raw HTTP helpers

@dataclass
class Resp:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def cors_headers(self) -> dict[str, str]:
        """Every Access-Control-* and Vary header, exactly as sent."""
        return {k: v for k, v in self.headers.items()
                if k.lower().startswith("access-control-") or k.lower() == "vary"}

    def error(self) -> tuple[str, str]:
        code = re.search(rb"<Code>(.*?)</Code>", self.body)
        msg = re.search(rb"<Message>(.*?)</Message>", self.body, re.S)
        assert code and msg, self.body
        return code.group(1).decode(), _unescape(msg.group(1).decode())


def _unescape(s: str) -> str:
    return (s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&apos;", "'").replace("&amp;", "&"))


def sign(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> dict[str, str]:
    """SigV4-sign a request as the default user (what an SDK or a presigning backend does)."""
    req = AWSRequest(method=method, url=url, data=body, headers=dict(headers))
    S3SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1").add_auth(req)
    return dict(req.headers.items())


def call(endpoint: str, method: str, path: str, headers: dict[str, str] | None = None,
         body: bytes = b"", signed: bool = True) -> Resp:
    headers = dict(headers or {})
    if signed:
        headers = sign(method, endpoint + path, headers, body)
    parts = urlsplit(endpoint)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request(method, path, body=body if body or method in ("PUT", "POST") else None,
                     headers=headers)
        r = conn.getresponse()
        return Resp(r.status, r.headers, r.read())
    finally:
        conn.close()


def preflight(endpoint: str, path: str, origin: str | None = "http://a.com",
              method: str | None = "GET", req_headers: str | None = None,
              extra: dict[str, str] | None = None) -> Resp:
    h = dict(extra or {})
    if origin is not None:
        h["Origin"] = origin
    if method is not None:
        h["Access-Control-Request-Method"] = method
    if req_headers is not None:
        h["Access-Control-Request-Headers"] = req_headers
    return call(endpoint, "OPTIONS", path, h, signed=False)


def rule_xml(methods=("GET",), origins=("*",), headers=(), expose=(), max_age=None, id=None) -> str:
    parts = [f"<ID>{id}</ID>"] if id is not None else []
    parts += [f"<AllowedMethod>{m}</AllowedMethod>" for m in methods]
    parts += [f"<AllowedOrigin>{o}</AllowedOrigin>" for o in origins]
    parts += [f"<AllowedHeader>{h}</AllowedHeader>" for h in headers]
    parts += [f"<ExposeHeader>{h}</ExposeHeader>" for h in expose]
    if max_age is not None:
        parts.append(f"<MaxAgeSeconds>{max_age}</MaxAgeSeconds>")
    return "<CORSRule>" + "".join(parts) + "</CORSRule>"


def cors_doc(*rules: str) -> bytes:
    return (f'<CORSConfiguration xmlns="{NS}">' + "".join(rules) + "</CORSConfiguration>").encode()


def md5_b64(body: bytes) -> str:
    return base64.b64encode(hashlib.md5(body).digest()).decode()


def put_cors(endpoint: str, bucket: str, body: bytes, headers: dict[str, str] | None = None,
             md5: bool = True) -> Resp:
    h = dict(headers or {})
    if md5:
        h.setdefault("Content-MD5", md5_b64(body))
    return call(endpoint, "PUT", f"/{bucket}?cors", h, body)


def set_rules(s3, bucket: str, *rules: dict) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": list(rules)})


def error_body(code: str, message: str, resp: Resp, *fields: tuple[str, str]) -> bytes:
    """S3's error document: Code, Message, the code's own fields, RequestId, HostId (section 7)."""
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields)
    rid, hid = resp.header("x-amz-request-id"), resp.header("x-amz-id-2")
    assert rid and hid
    return (f"{XML_DECL}<Error><Code>{code}</Code><Message>{message}</Message>{inner}"
            f"<RequestId>{rid}</RequestId><HostId>{hid}</HostId></Error>").encode()


def new_bucket(s3) -> str:
    name = f"cors-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def lbucket(s3) -> str:
    """A fresh bucket on the live server (tests/api/conftest.py's `bucket` is in-process)."""
    return new_bucket(s3)


# ================================================================ configuration API (C1-C18)

def test_C14_C15_put_then_get_round_trip(s3, lbucket, endpoint):
    rules = [
        {"ID": "first", "AllowedHeaders": ["X-Amz-Meta-*", "Content-Type"],
         "AllowedMethods": ["GET", "POST", "PUT", "DELETE"],
         "AllowedOrigins": ["http://test.com:80", "HTTPS://Mixed.Case.example"],
         "ExposeHeaders": ["ETag", "x-amz-Version-Id"], "MaxAgeSeconds": 3000},
        {"AllowedMethods": ["HEAD"], "AllowedOrigins": ["*"]},
        {"AllowedMethods": ["GET"], "AllowedOrigins": [""], "MaxAgeSeconds": -5},
    ]
    resp = s3.put_bucket_cors(Bucket=lbucket, CORSConfiguration={"CORSRules": rules})
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_cors(Bucket=lbucket)["CORSRules"] == rules   # order, verbatim, only set


def test_C14_put_answers_200_empty_body(lbucket, endpoint):
    r = put_cors(endpoint, lbucket, cors_doc(rule_xml()))
    assert r.status == 200 and r.body == b""


def test_C15_get_raw_document(lbucket, endpoint):
    assert put_cors(endpoint, lbucket, cors_doc(rule_xml(["PUT", "GET"], ["http://x"]),
                                               rule_xml(id="i", max_age=0))).status == 200
    r = call(endpoint, "GET", f"/{lbucket}?cors")
    assert r.status == 200
    assert r.header("Content-Type") == "application/xml"
    assert r.body == (
        f'{XML_DECL}<CORSConfiguration xmlns="{NS}">'
        "<CORSRule><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
        "<AllowedOrigin>http://x</AllowedOrigin></CORSRule>"
        "<CORSRule><ID>i</ID><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>"
        "<MaxAgeSeconds>0</MaxAgeSeconds></CORSRule></CORSConfiguration>").encode()


def test_C2_namespace_optional_and_any_child_order(lbucket, endpoint, s3):
    body = (b"<CORSConfiguration><CORSRule><MaxAgeSeconds>7</MaxAgeSeconds>"
            b"<AllowedOrigin>http://o</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>"
            b"<ID>x</ID></CORSRule></CORSConfiguration>")
    assert put_cors(endpoint, lbucket, body).status == 200
    assert s3.get_bucket_cors(Bucket=lbucket)["CORSRules"] == [
        {"ID": "x", "AllowedMethods": ["PUT"], "AllowedOrigins": ["http://o"], "MaxAgeSeconds": 7}]


def test_C14_put_replaces(s3, lbucket):
    set_rules(s3, lbucket, {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://one"]},
              {"AllowedMethods": ["PUT"], "AllowedOrigins": ["http://two"]})
    set_rules(s3, lbucket, {"AllowedMethods": ["DELETE"], "AllowedOrigins": ["http://three"]})
    assert s3.get_bucket_cors(Bucket=lbucket)["CORSRules"] == [
        {"AllowedMethods": ["DELETE"], "AllowedOrigins": ["http://three"]}]


def test_C16_get_without_configuration(lbucket, endpoint):
    r = call(endpoint, "GET", f"/{lbucket}?cors")
    assert r.status == 404
    assert r.header("Content-Type") == "application/xml"
    assert r.body == error_body("NoSuchCORSConfiguration", "The CORS configuration does not exist",
                                r, ("BucketName", lbucket))


def test_C17_delete_204_with_and_without_configuration(s3, lbucket, endpoint):
    r = call(endpoint, "DELETE", f"/{lbucket}?cors")
    assert (r.status, r.body) == (204, b"")
    set_rules(s3, lbucket, {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]})
    r = call(endpoint, "DELETE", f"/{lbucket}?cors")
    assert (r.status, r.body) == (204, b"")
    with pytest.raises(ClientError) as e:
        s3.get_bucket_cors(Bucket=lbucket)
    assert e.value.response["Error"]["Code"] == "NoSuchCORSConfiguration"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("method", ["PUT", "GET", "DELETE"])
def test_C18_missing_bucket(endpoint, method):
    name = f"nosuch-{uuid.uuid4().hex[:12]}"
    body = cors_doc(rule_xml()) if method == "PUT" else b""
    r = call(endpoint, method, f"/{name}?cors", {"Content-MD5": md5_b64(body)} if body else {}, body)
    assert r.status == 404
    assert r.error() == ("NoSuchBucket", "The specified bucket does not exist")


def test_C3_boto3_empty_rule_list(s3, lbucket):
    with pytest.raises(ClientError) as e:
        s3.put_bucket_cors(Bucket=lbucket, CORSConfiguration={"CORSRules": []})
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (err["Error"]["Code"], err["Error"]["Message"]) == ("MalformedXML", MALFORMED)


def test_C5_boto3_unsupported_method(s3, lbucket):
    with pytest.raises(ClientError) as e:
        set_rules(s3, lbucket, {"AllowedMethods": ["GET", "MYMETHOD"],
                               "AllowedOrigins": ["*", "https://test.com"]})
    err = e.value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert (err["Error"]["Code"], err["Error"]["Message"]) == (
        "InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is MYMETHOD")


def _method_msg(m: str) -> tuple[str, str]:
    return "InvalidRequest", f"Found unsupported HTTP method in CORS config. Unsupported method is {m}"


VALIDATION = [
    pytest.param(cors_doc(), ("MalformedXML", MALFORMED), id="C3-no-rules"),
    pytest.param(cors_doc("<CORSRule/>"), ("MalformedXML", MALFORMED), id="C4-empty-rule"),
    pytest.param(cors_doc(rule_xml(origins=())), ("MalformedXML", MALFORMED), id="C4-no-origin"),
    pytest.param(cors_doc(rule_xml(methods=())), ("MalformedXML", MALFORMED), id="C4-no-method"),
    pytest.param(b"<CORSConfiguration><CORSRule>", ("MalformedXML", MALFORMED), id="C2-not-xml"),
    pytest.param(cors_doc(rule_xml(methods=["MYMETHOD"])), _method_msg("MYMETHOD"), id="C5-unknown"),
    pytest.param(cors_doc(rule_xml(methods=["get"])), _method_msg("get"), id="C5-lower-case"),
    pytest.param(cors_doc(rule_xml(methods=[""])), _method_msg(""), id="C5-empty"),
    pytest.param(cors_doc(rule_xml(methods=["OPTIONS"])), _method_msg("OPTIONS"), id="C5-options"),
    pytest.param(cors_doc(rule_xml(methods=["GET", "PATCH", "FOO"])), _method_msg("PATCH"),
                 id="C5-first-invalid"),
    pytest.param(cors_doc(rule_xml(origins=["*example*.com"])),
                 ("InvalidRequest", 'AllowedOrigin "*example*.com" can not have more than one wildcard.'),
                 id="C6-two-wildcards"),
    pytest.param(cors_doc(rule_xml(headers=["*-amz-*"])),
                 ("InvalidRequest", 'AllowedHeader "*-amz-*" can not have more than one wildcard.'),
                 id="C7-two-wildcards"),
    pytest.param(cors_doc(rule_xml(expose=["x-amz-*"])),
                 ("InvalidRequest", 'ExposeHeader "x-amz-*" contains wildcard. We currently do not '
                  "support wildcard for ExposeHeader."), id="C8-wildcard"),
    pytest.param(cors_doc(rule_xml(max_age="soon")), ("MalformedXML", MALFORMED), id="C9-not-int"),
    pytest.param(cors_doc(*[rule_xml() for _ in range(101)]),
                 ("InvalidRequest", "The number of CORS rules should not exceed allowed limit of 100 "
                  "rules."), id="C10-101-rules"),
    pytest.param(cors_doc(rule_xml(methods=["BAD"]), rule_xml(origins=["**"])), _method_msg("BAD"),
                 id="C13-first-rule-first"),
    pytest.param(cors_doc(rule_xml(origins=["**"]), rule_xml(methods=["BAD"])),
                 ("InvalidRequest", 'AllowedOrigin "**" can not have more than one wildcard.'),
                 id="C13-document-order"),
]


@pytest.mark.parametrize("body, expected", VALIDATION)
def test_validation_errors(s3, lbucket, endpoint, body, expected):
    set_rules(s3, lbucket, {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://kept"]})
    r = put_cors(endpoint, lbucket, body)
    assert r.status == 400
    assert r.header("Content-Type") == "application/xml"
    assert r.error() == expected
    # a refused document leaves the previous configuration in place
    assert s3.get_bucket_cors(Bucket=lbucket)["CORSRules"] == [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://kept"]}]


def test_C2_C10_100_rules_accepted(s3, lbucket, endpoint):
    r = put_cors(endpoint, lbucket, cors_doc(*[rule_xml(origins=[f"http://o{i}"]) for i in range(100)]))
    assert r.status == 200
    got = s3.get_bucket_cors(Bucket=lbucket)["CORSRules"]
    assert [x["AllowedOrigins"][0] for x in got] == [f"http://o{i}" for i in range(100)]


def _padded(size: int) -> bytes:
    body = cors_doc(rule_xml())
    return body.replace(b"<CORSRule>", b" " * (size - len(body)) + b"<CORSRule>", 1)


def test_C11_64KB_limit(lbucket, endpoint):
    ok = _padded(64 * 1024)
    assert len(ok) == 64 * 1024 and put_cors(endpoint, lbucket, ok).status == 200
    r = put_cors(endpoint, lbucket, _padded(64 * 1024 + 1))
    assert r.status == 400
    assert r.error() == ("MaxMessageLengthExceeded", "Your request was too big.")


def test_C12_wrong_content_md5_is_bad_digest(lbucket, endpoint, s3):
    body = cors_doc(rule_xml())
    r = put_cors(endpoint, lbucket, body, {"Content-MD5": md5_b64(b"something else")})
    assert r.status == 400
    assert r.error() == ("BadDigest", "The Content-MD5 you specified did not match what we received.")
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket=lbucket)


def test_C12_invalid_content_md5_is_invalid_digest(lbucket, endpoint):
    r = put_cors(endpoint, lbucket, cors_doc(rule_xml()), {"Content-MD5": "not-base64!"})
    assert r.status == 400
    assert r.error() == ("InvalidDigest", "The Content-MD5 you specified was invalid.")


def test_C12_wrong_checksum_header_is_bad_digest(lbucket, endpoint):
    r = put_cors(endpoint, lbucket, cors_doc(rule_xml()), {"x-amz-checksum-crc32": "AAAAAA=="},
                 md5=False)
    assert r.status == 400
    assert r.error()[0] == "BadDigest"


# ================================================================ preflight (R2, P1-P5, section 5, 7)

@pytest.fixture
def cbucket(s3):
    """A bucket with rules: rule 0 explicit origin, methods GET/PUT, x-amz-* headers, ETag exposed;
    rule 1 any origin, HEAD only, no headers."""
    name = new_bucket(s3)
    set_rules(s3, name,
              {"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["http://a.com"],
               "AllowedHeaders": ["x-amz-*", "Content-Type"], "ExposeHeaders": ["ETag"],
               "MaxAgeSeconds": 600},
              {"AllowedMethods": ["HEAD"], "AllowedOrigins": ["*"]})
    return name


def test_P5_preflight_allowed_exact_response(cbucket, endpoint):
    r = preflight(endpoint, f"/{cbucket}/no/such/key", "http://a.com", "PUT",
                  "Content-Type,X-Amz-Meta-Foo, x-amz-date")
    assert r.status == 200 and r.body == b""
    assert r.header("Content-Length") == "0"
    assert r.header("Content-Type") is None
    assert r.cors_headers() == {
        "Access-Control-Allow-Origin": "http://a.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, PUT",
        "Access-Control-Allow-Headers": "content-type, x-amz-meta-foo, x-amz-date",
        "Access-Control-Expose-Headers": "ETag",
        "Access-Control-Max-Age": "600",
        "Vary": VARY,
    }


def test_M1_S5_preflight_later_wildcard_rule(cbucket, endpoint):
    r = preflight(endpoint, f"/{cbucket}", "http://a.com", "HEAD")
    assert r.status == 200
    assert r.cors_headers() == {"Access-Control-Allow-Origin": "*",
                                "Access-Control-Allow-Methods": "HEAD", "Vary": VARY}


def test_C1_preflight_virtual_host_style(cbucket, endpoint):
    port = urlsplit(endpoint).port
    r = preflight(endpoint, "/k", "http://a.com", "GET",
                  extra={"Host": f"{cbucket}.localhost:{port}"})
    assert r.status == 200
    assert r.header("Access-Control-Allow-Origin") == "http://a.com"


def _assert_refused(r: Resp, status: int, code: str, message: str, *fields):
    assert r.status == status
    assert r.header("Content-Type") == "application/xml"
    assert r.body == error_body(code, message, r, *fields)
    assert r.cors_headers() == {}          # no Access-Control-* and no Vary on a refused preflight


BAD_ORIGIN = "Insufficient information. Origin request header needed."


@pytest.mark.parametrize("target", ["configured", "unconfigured", "missing", "root"])
def test_P1_no_origin_bad_request(cbucket, lbucket, endpoint, target):
    path = {"configured": f"/{cbucket}/k", "unconfigured": f"/{lbucket}/k",
            "missing": f"/nosuch-{uuid.uuid4().hex[:10]}/k", "root": "/"}[target]
    r = preflight(endpoint, path, origin=None, method="GET",
                  extra={"Referer": "http://a.com/page"})             # R1: Referer is not Origin
    _assert_refused(r, 400, "BadRequest", BAD_ORIGIN)
    assert r.header("Connection") == "close"


@pytest.mark.parametrize("acrm, method", [("PUT", "PUT"), (None, "OPTIONS")])
def test_P2_bucket_not_found(endpoint, acrm, method):
    r = preflight(endpoint, f"/nosuch-{uuid.uuid4().hex[:10]}/key", "http://a.com", acrm)
    _assert_refused(r, 403, "AccessForbidden", "CORSResponse: Bucket not found",
                    ("Method", method), ("ResourceType", "BUCKET"))


@pytest.mark.parametrize("acrm, method", [("PUT", "PUT"), (None, "OPTIONS"), ("PATCH", "PATCH")])
def test_P3_cors_not_enabled(lbucket, endpoint, acrm, method):
    r = preflight(endpoint, f"/{lbucket}/some/key", "http://a.com", acrm)
    _assert_refused(r, 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.",
                    ("Method", method), ("ResourceType", "BUCKET"))


@pytest.mark.parametrize("acrm, shown", [(None, "null"), ("PATCH", "PATCH")])
def test_P4_invalid_request_method(cbucket, endpoint, acrm, shown):
    r = preflight(endpoint, f"/{cbucket}/k", "http://a.com", acrm)
    _assert_refused(r, 400, "BadRequest", f"Invalid Access-Control-Request-Method: {shown}")
    assert r.header("Connection") == "close"


@pytest.mark.parametrize("path, origin, acrm, acrh, resource", [
    pytest.param("/{b}/k", "http://b.com", "GET", None, "OBJECT", id="P5-origin-object"),
    pytest.param("/{b}", "http://b.com", "GET", None, "BUCKET", id="P5-origin-bucket"),
    pytest.param("/{b}/k", "https://a.com", "GET", None, "OBJECT", id="P5-M2-scheme"),
    pytest.param("/{b}/k", "http://a.com", "DELETE", None, "OBJECT", id="P5-M4-method"),
    pytest.param("/{b}/k", "http://a.com", "PUT", "x-amz-date, authorization", "OBJECT",
                 id="P5-M5-header"),
    pytest.param("/{b}/k", "http://z.com", "HEAD", "x-amz-date", "OBJECT", id="P5-M6-no-allowed-header"),
])
def test_P5_not_allowed(cbucket, endpoint, path, origin, acrm, acrh, resource):
    r = preflight(endpoint, path.format(b=cbucket), origin, acrm, acrh)
    _assert_refused(r, 403, "AccessForbidden", NOT_ALLOWED, ("Method", acrm),
                    ("ResourceType", resource))


def test_service_root_preflight_refused_without_cors_headers(cbucket, endpoint):
    r = preflight(endpoint, "/", "http://a.com", "GET")
    assert r.status == 403
    assert r.cors_headers() == {}


def test_X1_preflight_never_authenticated(cbucket, endpoint):
    """A garbage Authorization header and presigned-looking query parameters are ignored."""
    r = preflight(endpoint, f"/{cbucket}/k", "http://a.com", "GET",
                  extra={"Authorization": GARBAGE_AUTH, "x-amz-date": "garbage"})
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "http://a.com"
    q = urlencode({"X-Amz-Algorithm": "AWS4-HMAC-SHA256", "X-Amz-Signature": "00",
                   "X-Amz-Credential": "NOSUCHKEY/20200101/us-east-1/s3/aws4_request",
                   "X-Amz-Date": "20200101T000000Z", "X-Amz-Expires": "1",
                   "X-Amz-SignedHeaders": "host"})
    r = preflight(endpoint, f"/{cbucket}/k?{q}", "http://a.com", "PUT")
    assert r.status == 200 and r.header("Access-Control-Allow-Methods") == "GET, PUT"


# ================================================================ actual requests (R3, A1-A7)

ALLOW_A = {"Access-Control-Allow-Origin": "http://a.com", "Access-Control-Allow-Credentials": "true",
           "Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Expose-Headers": "ETag",
           "Access-Control-Max-Age": "600", "Vary": VARY}


def test_A4_get_200_with_cors_headers(cbucket, endpoint, s3):
    s3.put_object(Bucket=cbucket, Key="k", Body=b"hello")
    r = call(endpoint, "GET", f"/{cbucket}/k", {"Origin": "http://a.com"})
    assert (r.status, r.body) == (200, b"hello")
    assert r.cors_headers() == ALLOW_A


def test_A4_real_request_headers_never_checked(cbucket, endpoint, s3):
    s3.put_object(Bucket=cbucket, Key="k", Body=b"x")
    r = call(endpoint, "GET", f"/{cbucket}/k", {"Origin": "http://a.com",
                                                "x-amz-request-payer": "requester",
                                                "X-Not-Allowed": "1"})
    assert r.status == 200 and r.cors_headers() == ALLOW_A


def test_A5_streamed_large_get(cbucket, endpoint, s3):
    data = bytes(range(256)) * (9 * 1024)                      # 2.25 MiB
    s3.put_object(Bucket=cbucket, Key="big", Body=data)
    r = call(endpoint, "GET", f"/{cbucket}/big", {"Origin": "http://a.com"})
    assert r.status == 200 and r.body == data
    assert r.cors_headers() == ALLOW_A


def test_A5_range_get(cbucket, endpoint, s3):
    s3.put_object(Bucket=cbucket, Key="k", Body=b"0123456789")
    r = call(endpoint, "GET", f"/{cbucket}/k", {"Origin": "http://a.com", "Range": "bytes=2-4"})
    assert (r.status, r.body) == (206, b"234") and r.cors_headers() == ALLOW_A


def test_A5_404_no_such_key(cbucket, endpoint):
    r = call(endpoint, "GET", f"/{cbucket}/missing", {"Origin": "http://a.com"})
    assert r.status == 404 and r.error()[0] == "NoSuchKey"
    assert r.cors_headers() == ALLOW_A


def test_A5_403_access_denied(cbucket, endpoint):
    """An anonymous CreateBucket on an existing bucket is refused (403) and still decorated."""
    r = call(endpoint, "PUT", f"/{cbucket}", {"Origin": "http://a.com"}, signed=False)
    assert r.status == 403 and r.error()[0] == "AccessDenied"
    assert r.cors_headers() == ALLOW_A


def test_A4_put_object(cbucket, endpoint, s3):
    r = call(endpoint, "PUT", f"/{cbucket}/up", {"Origin": "http://a.com",
                                                 "Content-Type": "text/plain"}, b"payload")
    assert r.status == 200 and r.cors_headers() == ALLOW_A
    assert s3.get_object(Bucket=cbucket, Key="up")["Body"].read() == b"payload"


def test_A3_put_not_allowed_is_served_without_headers(s3, endpoint):
    b = new_bucket(s3)
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]})
    r = call(endpoint, "PUT", f"/{b}/up", {"Origin": "http://a.com"}, b"stored")
    assert r.status == 200 and r.cors_headers() == {}
    assert s3.get_object(Bucket=b, Key="up")["Body"].read() == b"stored"


@pytest.mark.parametrize("headers, expected", [
    pytest.param({}, {}, id="A1-no-origin-no-vary"),
    pytest.param({"Referer": "http://a.com/"}, {}, id="R1-referer-only"),
    pytest.param({"Origin": "http://b.com"}, {}, id="A3-origin-no-match-no-vary"),
    pytest.param({"Origin": "http://a.com", "Access-Control-Request-Method": "DELETE"}, {},
                 id="R3-acrm-not-allowed"),
    pytest.param({"Origin": "http://a.com", "Access-Control-Request-Headers": "x-custom"}, {},
                 id="R3-acrh-not-allowed"),
    pytest.param({"Origin": "http://a.com", "Access-Control-Request-Headers": "X-Amz-Date"},
                 {**ALLOW_A, "Access-Control-Allow-Headers": "x-amz-date"}, id="R3-acrh-allowed"),
])
def test_actual_header_selection(cbucket, endpoint, s3, headers, expected):
    s3.put_object(Bucket=cbucket, Key="k", Body=b"x")
    r = call(endpoint, "GET", f"/{cbucket}/k", headers)
    assert r.status == 200 and r.cors_headers() == expected


def test_R3_put_with_acrm_get_gets_get_rule(s3, endpoint):
    b = new_bucket(s3)
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://a.com"]})
    r = call(endpoint, "PUT", f"/{b}/k", {"Origin": "http://a.com",
                                          "Access-Control-Request-Method": "GET"}, b"x")
    assert r.status == 200
    assert r.header("Access-Control-Allow-Methods") == "GET"


def test_A2_no_configuration_no_headers(lbucket, endpoint, s3):
    s3.put_object(Bucket=lbucket, Key="k", Body=b"x")
    r = call(endpoint, "GET", f"/{lbucket}/k", {"Origin": "http://a.com"})
    assert r.status == 200 and r.cors_headers() == {}


def test_A2_missing_bucket_no_headers(endpoint):
    r = call(endpoint, "GET", f"/nosuch-{uuid.uuid4().hex[:10]}/k", {"Origin": "http://a.com"})
    assert r.status == 404 and r.cors_headers() == {}


def test_A6_list_buckets_never_decorated(cbucket, endpoint):
    r = call(endpoint, "GET", "/", {"Origin": "http://a.com"})
    assert r.status == 200 and cbucket.encode() in r.body
    assert r.cors_headers() == {}


@pytest.mark.parametrize("path", ["/{b}?list-type=2", "/{b}?cors", "/{b}?location"])
def test_A6_bucket_level_operations_decorated(cbucket, endpoint, path):
    r = call(endpoint, "GET", path.format(b=cbucket), {"Origin": "http://a.com"})
    assert r.status == 200 and r.cors_headers() == ALLOW_A


@pytest.mark.parametrize("methods, decorated", [(["GET"], False), (["GET", "HEAD"], True)])
def test_A7_head_needs_head(s3, endpoint, methods, decorated):
    b = new_bucket(s3)
    set_rules(s3, b, {"AllowedMethods": methods, "AllowedOrigins": ["*"]})
    s3.put_object(Bucket=b, Key="k", Body=b"x")
    r = call(endpoint, "HEAD", f"/{b}/k", {"Origin": "http://a.com"})
    assert r.status == 200
    assert r.cors_headers() == ({"Access-Control-Allow-Origin": "*",
                                 "Access-Control-Allow-Methods": ", ".join(methods),
                                 "Vary": VARY} if decorated else {})


@pytest.mark.parametrize("origins, origin, acao, credentials", [
    pytest.param(["*"], "http://a.com", "*", None, id="S5-star-no-credentials"),
    pytest.param(["http://a.com"], "http://a.com", "http://a.com", "true", id="S5-echo-credentials"),
    pytest.param(["http://*.example.com"], "http://x.y.example.com", "http://x.y.example.com", "true",
                 id="S5-pattern-echoes-origin"),
    pytest.param(["http://x.com", "*"], "http://a.com", "*", None, id="S5-star-among-origins"),
])
def test_S5_allow_origin_and_credentials(s3, endpoint, origins, origin, acao, credentials):
    b = new_bucket(s3)
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": origins})
    s3.put_object(Bucket=b, Key="k", Body=b"x")
    for r in (call(endpoint, "GET", f"/{b}/k", {"Origin": origin}),
              preflight(endpoint, f"/{b}/k", origin, "GET")):
        assert r.status == 200
        assert r.header("Access-Control-Allow-Origin") == acao
        assert r.header("Access-Control-Allow-Credentials") == credentials
        assert r.header("Vary") == VARY


# ================================================================ configuration changes take effect

def test_new_configuration_on_the_very_next_request(s3, endpoint):
    b = new_bucket(s3)
    path = f"/{b}/k"
    assert preflight(endpoint, path, "http://a.com").status == 403            # P3
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://a.com"]})
    assert preflight(endpoint, path, "http://a.com").status == 200
    assert preflight(endpoint, path, "http://b.com").status == 403
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://b.com"]})
    assert preflight(endpoint, path, "http://a.com").status == 403
    r = preflight(endpoint, path, "http://b.com")
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "http://b.com"
    s3.delete_bucket_cors(Bucket=b)
    r = preflight(endpoint, path, "http://b.com")
    assert r.status == 403
    assert r.error() == ("AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.")


def test_recreated_bucket_does_not_keep_old_rules(s3, endpoint):
    b = new_bucket(s3)
    set_rules(s3, b, {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]})
    assert preflight(endpoint, f"/{b}", "http://a.com").status == 200
    s3.delete_bucket(Bucket=b)
    assert preflight(endpoint, f"/{b}", "http://a.com").error()[1] == "CORSResponse: Bucket not found"
    s3.create_bucket(Bucket=b)
    assert preflight(endpoint, f"/{b}", "http://a.com").error()[1] == (
        "CORSResponse: CORS is not enabled for this bucket.")


def test_configuration_survives_restart(tmp_path):
    rules = [{"ID": "r", "AllowedMethods": ["PUT", "GET"], "AllowedOrigins": ["http://a.com"],
              "AllowedHeaders": ["*"], "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 9}]
    srv = start_server(tmp_path / "data")
    try:
        s3 = client(srv.endpoint)
        s3.create_bucket(Bucket="persist")
        set_rules(s3, "persist", *rules)
    finally:
        srv.stop()
    srv = start_server(tmp_path / "data")
    try:
        assert client(srv.endpoint).get_bucket_cors(Bucket="persist")["CORSRules"] == rules
        r = preflight(srv.endpoint, "/persist/k", "http://a.com", "PUT", "Content-Type")
        assert r.status == 200
        assert r.header("Access-Control-Allow-Methods") == "PUT, GET"
        assert r.header("Access-Control-Allow-Headers") == "content-type"
    finally:
        srv.stop()


def test_two_processes_share_one_data_dir(tmp_path):
    """The rules cache is keyed by the database's version: a change made through one process is
    seen by another on its next request, although that one had the old rules cached."""
    one = start_server(tmp_path / "data")
    two = None
    try:
        two = start_server(tmp_path / "data")
        assert one.port != two.port
        s3 = client(one.endpoint)
        s3.create_bucket(Bucket="shared")
        assert preflight(two.endpoint, "/shared/k", "http://a.com").status == 403      # P3, cached
        set_rules(s3, "shared", {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://a.com"]})
        r = preflight(two.endpoint, "/shared/k", "http://a.com")
        assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "http://a.com"
        set_rules(s3, "shared", {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://b.com"]})
        assert preflight(two.endpoint, "/shared/k", "http://a.com").status == 403
        assert preflight(two.endpoint, "/shared/k", "http://b.com").status == 200
        s3.delete_bucket_cors(Bucket="shared")
        assert preflight(two.endpoint, "/shared/k", "http://b.com").error()[1] == (
            "CORSResponse: CORS is not enabled for this bucket.")
        # actual requests on the other process follow as well
        set_rules(s3, "shared", {"AllowedMethods": ["GET"], "AllowedOrigins": ["*"]})
        s3.put_object(Bucket="shared", Key="k", Body=b"x")
        r = call(two.endpoint, "GET", "/shared/k", {"Origin": "http://c.com"})
        assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "*"
    finally:
        one.stop()
        if two is not None:
            two.stop()


# ================================================================ strict auth server

@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("strict"), "--auth", "strict")
    yield srv
    srv.stop()


def test_C12_strict_requires_an_integrity_header(strict):
    s3 = client(strict.endpoint)
    s3.create_bucket(Bucket="strict-md5")
    r = put_cors(strict.endpoint, "strict-md5", cors_doc(rule_xml()), md5=False)
    assert r.status == 400
    assert r.error() == ("InvalidRequest",
                         "Missing required header for this request: Content-MD5 OR x-amz-checksum-*")
    assert put_cors(strict.endpoint, "strict-md5", cors_doc(rule_xml())).status == 200


def test_X1_A5_strict_preflight_unauthenticated_actual_403_decorated(strict):
    s3 = client(strict.endpoint)
    s3.create_bucket(Bucket="strict-cors")
    set_rules(s3, "strict-cors", {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://a.com"]})
    s3.put_object(Bucket="strict-cors", Key="k", Body=b"x")
    now = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    bad = {"Origin": "http://a.com", "x-amz-date": now, "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
           "Authorization": f"AWS4-HMAC-SHA256 Credential=NOSUCHKEY/{now[:8]}/us-east-1/s3/"
                            "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64}
    r = call(strict.endpoint, "GET", "/strict-cors/k", bad, signed=False)
    assert r.status == 403 and r.error()[0] == "InvalidAccessKeyId"      # only the key is wrong
    assert r.header("Access-Control-Allow-Origin") == "http://a.com"                  # A5
    assert r.header("Vary") == VARY
    r = preflight(strict.endpoint, "/strict-cors/k", "http://a.com", "GET",
                  extra={"Authorization": GARBAGE_AUTH})                              # X1
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "http://a.com"


# ================================================================ explain endpoint

def explain(endpoint: str, **params: str) -> dict:
    r = call(endpoint, "GET", "/_s3mock/cors/explain?" + urlencode(params), signed=False)
    assert r.status == 200
    assert r.header("Content-Type").startswith("application/json")
    return json.loads(r.body)


def test_explain_allowed(s3, endpoint):
    b = new_bucket(s3)
    set_rules(s3, b, {"ID": "other", "AllowedMethods": ["GET"], "AllowedOrigins": ["http://x.com"]},
              {"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["http://a.com"],
               "AllowedHeaders": ["x-amz-*"]})
    got = explain(endpoint, bucket=b, origin="http://a.com", method="PUT", headers="X-Amz-Date", key="k")
    assert got["decision"] == "allowed"
    assert got["matched_rule"] == 1
    assert "error" not in got
    assert got["rules"] == [
        {"index": 0, "id": "other", "origin": False, "method": False,
         "denied_headers": ["x-amz-date"], "result": got["rules"][0]["result"]},
        {"index": 1, "id": None, "origin": True, "method": True, "denied_headers": [],
         "result": "matched"},
    ]
    assert got["headers"] == {
        "Access-Control-Allow-Origin": "http://a.com", "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Allow-Headers": "x-amz-date",
        "Vary": VARY}
    # the explanation is what the server really answers
    assert preflight(endpoint, f"/{b}/k", "http://a.com", "PUT", "X-Amz-Date").cors_headers() == \
        got["headers"]


def test_explain_refused_per_rule_reasons(s3, endpoint):
    b = new_bucket(s3)
    set_rules(s3, b,
              {"ID": "o", "AllowedMethods": ["GET"], "AllowedOrigins": ["http://x.com"],
               "AllowedHeaders": ["*"]},
              {"ID": "m", "AllowedMethods": ["PUT"], "AllowedOrigins": ["*"], "AllowedHeaders": ["*"]},
              {"ID": "h", "AllowedMethods": ["GET"], "AllowedOrigins": ["*"]})
    got = explain(endpoint, bucket=b, origin="http://a.com", method="GET", headers="x-foo")
    assert got["decision"] == "refused" and got["matched_rule"] is None
    assert got["headers"] == {}
    assert got["error"] == {"status": 403, "code": "AccessForbidden", "message": NOT_ALLOWED}
    assert [(x["index"], x["id"], x["origin"], x["method"], x["denied_headers"])
            for x in got["rules"]] == [(0, "o", False, True, []), (1, "m", True, False, []),
                                       (2, "h", True, True, ["x-foo"])]
    results = [x["result"] for x in got["rules"]]
    assert "origin" in results[0] and "method" not in results[0]
    assert "method" in results[1] and "origin" not in results[1]
    assert "x-foo" in results[2] and "origin" not in results[2]


@pytest.mark.parametrize("case, params, error", [
    ("no-config", {"origin": "http://a.com", "method": "GET"},
     {"status": 403, "code": "AccessForbidden",
      "message": "CORSResponse: CORS is not enabled for this bucket."}),
    ("no-origin", {"method": "GET"},
     {"status": 400, "code": "BadRequest", "message": BAD_ORIGIN}),
    ("missing-bucket", {"origin": "http://a.com", "method": "GET"},
     {"status": 403, "code": "AccessForbidden", "message": "CORSResponse: Bucket not found"}),
])
def test_explain_refused_before_rules(lbucket, endpoint, case, params, error):
    name = f"nosuch-{uuid.uuid4().hex[:10]}" if case == "missing-bucket" else lbucket
    got = explain(endpoint, bucket=name, **params)
    assert got["decision"] == "refused" and got["rules"] == [] and got["matched_rule"] is None
    assert got["error"] == error


# ================================================================ refusal log line (aiohttp_client)

@pytest.fixture
async def app_client(aiohttp_client, tmp_path):
    from s3mock.app import make_app
    from s3mock.config import Settings
    return await aiohttp_client(make_app(Settings(data_dir=tmp_path / "data")))


async def _signed(app_client, method: str, path: str, body: bytes = b"", headers=None):
    url = str(app_client.make_url(path))
    h = sign(method, url, dict(headers or {}), body)
    return await app_client.request(method, path, data=body or None, headers=h)


async def test_refused_preflight_logs_one_info_line(app_client, caplog):
    r = await _signed(app_client, "PUT", "/logged")
    assert r.status == 200
    body = cors_doc(rule_xml(["GET"], ["http://x.com"], ["*"], id="only-origin-fails"),
                    rule_xml(["PUT"], ["*"], ["*"]),
                    rule_xml(["GET"], ["*"]))
    r = await _signed(app_client, "PUT", "/logged?cors", body, {"Content-MD5": md5_b64(body)})
    assert r.status == 200

    caplog.set_level(logging.INFO, logger="s3mock.cors")
    caplog.clear()
    r = await app_client.options("/logged/k", headers={
        "Origin": "http://a.com", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-foo"})
    assert r.status == 403
    lines = [rec for rec in caplog.records if rec.name == "s3mock.cors"]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    msg = lines[0].getMessage()
    assert "\n" not in msg and "logged" in msg
    per_rule = re.findall(r"rule (\d+)[^;:]*: ([^;]*)", msg)
    assert [i for i, _ in per_rule] == ["0", "1", "2"], msg
    r0, r1, r2 = (reason for _, reason in per_rule)
    assert "origin" in r0 and "method" not in r0 and "header" not in r0
    assert "method" in r1 and "origin" not in r1 and "header" not in r1
    assert "header" in r2 and "x-foo" in r2 and "origin" not in r2 and "method" not in r2
    assert "only-origin-fails" in msg                               # the rule's ID names it

    caplog.clear()
    r = await app_client.options("/logged/k", headers={
        "Origin": "http://a.com", "Access-Control-Request-Method": "GET"})
    assert r.status == 200
    assert [rec for rec in caplog.records if rec.name == "s3mock.cors"] == []


async def test_refused_preflight_log_no_config(app_client, caplog):
    assert (await _signed(app_client, "PUT", "/plain")).status == 200
    caplog.set_level(logging.INFO, logger="s3mock.cors")
    caplog.clear()
    r = await app_client.options("/plain", headers={"Origin": "http://a.com",
                                                    "Access-Control-Request-Method": "GET"})
    assert r.status == 403
    (rec,) = [rec for rec in caplog.records if rec.name == "s3mock.cors"]
    assert rec.levelno == logging.INFO
    assert "plain" in rec.getMessage() and "no CORS configuration" in rec.getMessage()
