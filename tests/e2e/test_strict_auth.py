"""`--auth strict` end to end: requests signed by botocore (SigV4 header and presigned, SigV2 header
and presigned, UNSIGNED-PAYLOAD, aws-chunked signed and unsigned) are accepted, and every refusal
is S3's own: status, Code, Message and the code's fields, in S3's order.

Error bodies as Amazon S3 sends them: SignatureDoesNotMatch (minio/minio#2986, aws/aws-cli#4356),
"Request has expired" (X-Amz-Expires, Expires, ServerTime), RequestTimeTooSkewed (RequestTime,
ServerTime, MaxAllowedSkewMilliseconds), AuthorizationQueryParametersError (aws/aws-cli#5464),
AuthorizationHeaderMalformed; none of them carries a Resource element.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from unittest import mock
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest
import requests
from botocore.auth import S3SigV4QueryAuth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from lxml import etree

from signing import TIMEOUT, Recorder, boto, clock, error_of, hexbytes, send
from support import ACCESS_KEY, SECRET_KEY, start_server
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. "
                      "Check your key and signing method.")
V4_MISMATCH_FIELDS = ["AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes",
                      "CanonicalRequest", "CanonicalRequestBytes"]
KEYS = ["plain.txt", "with space/and more.txt", "ünïcødé/ключ/鍵.bin", "a+b=c&d.txt", "100%/~tilde*!'().txt",
        "semi;colon,comma:colon@at$dollar.txt", "q?mark#hash[brackets].txt"]


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("strict-auth"), "--auth", "strict")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(strict):
    return boto(strict.endpoint)


@pytest.fixture(scope="module")
def presign(strict):
    """boto3 presigns with SigV2 unless told otherwise; this client presigns with SigV4."""
    return boto(strict.endpoint, signature_version="s3v4")


@pytest.fixture
def bucket(s3):
    name = f"sa-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    return name


# -- accepted: botocore SigV4 ----------------------------------------------------------------------

def test_keys_of_many_shapes_round_trip(s3, bucket):
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode(), Metadata={"note": "a   b"},
                      ContentType="text/plain; charset=utf-8")
        got = s3.get_object(Bucket=bucket, Key=key, ResponseContentDisposition="attachment; filename=\"x y\"")
        assert got["Body"].read() == key.encode()
        assert got["Metadata"] == {"note": "a   b"}
        assert s3.head_object(Bucket=bucket, Key=key)["ContentLength"] == len(key.encode())
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="ü", Delimiter="/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["ünïcødé/"]
    listed = s3.list_objects_v2(Bucket=bucket, StartAfter="a+b=c&d.txt", MaxKeys=1000)
    assert [o["Key"] for o in listed["Contents"]] == sorted(k for k in KEYS if k > "a+b=c&d.txt")
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in KEYS]})
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_subresources_and_multipart_are_signed_and_accepted(s3, bucket):
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["GET"], "AllowedOrigins": ["https://a.example"]}]})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedMethods"] == ["GET"]
    up = s3.create_multipart_upload(Bucket=bucket, Key="m p+1")
    part = s3.upload_part(Bucket=bucket, Key="m p+1", UploadId=up["UploadId"], PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(Bucket=bucket, Key="m p+1", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="m p+1")["Body"].read() == b"x" * 10
    assert s3.get_object_acl(Bucket=bucket, Key="m p+1")["Grants"]


def test_unsigned_payload(strict, s3, bucket):
    resp, auth = send(strict, "PUT", f"/{bucket}/unsigned%20payload", body=b"hello", payload="UNSIGNED-PAYLOAD")
    assert resp.status_code == 200, resp.text
    assert auth.creq.endswith("\nUNSIGNED-PAYLOAD")
    assert s3.get_object(Bucket=bucket, Key="unsigned payload")["Body"].read() == b"hello"


def test_signed_payload_that_does_not_match_the_body(strict, s3, bucket):
    resp, _ = send(strict, "PUT", f"/{bucket}/k", body=b"hello",
                   edit=lambda h: h.update({"X-Amz-Content-SHA256": hashlib.sha256(b"other").hexdigest()}))
    # The header is signed, so changing it breaks the signature before any body is read.
    assert resp.status_code == 403 and error_of(resp)[0] == ("Code", "SignatureDoesNotMatch")


def test_virtual_host_style_through_the_host_header(strict, s3, bucket):
    host = f"{bucket}.localhost:{strict.port}"
    resp, auth = send(strict, "PUT", "/dir/a%20b%2Bc.txt", host=host, body=b"vhost")
    assert resp.status_code == 200, resp.text
    assert f"\nhost:{host}\n" in auth.creq
    assert s3.get_object(Bucket=bucket, Key="dir/a b+c.txt")["Body"].read() == b"vhost"
    resp, _ = send(strict, "GET", "/", query="list-type=2&prefix=dir%2F", host=host)
    assert resp.status_code == 200 and b"<Key>dir/a b+c.txt</Key>" in resp.content


@pytest.mark.parametrize("key", ["plain.txt", "with space/ünï+=&.txt"])
def test_sigv4_presigned_get_and_put(strict, presign, bucket, key):
    put = presign.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
    assert "X-Amz-Signature=" in put
    assert requests.put(put, data=b"presigned body", timeout=TIMEOUT).status_code == 200
    get = presign.generate_presigned_url("get_object", Params={
        "Bucket": bucket, "Key": key, "ResponseContentType": "text/x-test"}, ExpiresIn=300)
    resp = requests.get(get, timeout=TIMEOUT)
    assert (resp.status_code, resp.content, resp.headers["Content-Type"]) == (200, b"presigned body", "text/x-test")


def test_sigv2_header_and_presigned(strict, bucket):
    v2 = boto(strict.endpoint, signature_version="s3")
    for key in ["v2 plain", "v2/ünï+=&.txt"]:
        v2.put_object(Bucket=bucket, Key=key, Body=b"two", Metadata={"m": "x   y"})
        assert v2.get_object(Bucket=bucket, Key=key)["Body"].read() == b"two"
        url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300)
        assert "AWSAccessKeyId=" in url and "Signature=" in url
        assert requests.get(url, timeout=TIMEOUT).content == b"two"
    v2.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedMethods": ["PUT"], "AllowedOrigins": ["*"]}]})
    assert v2.list_objects(Bucket=bucket, Prefix="v2")["Contents"][0]["Key"] == "v2 plain"
    put = v2.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "v2 put"}, ExpiresIn=300)
    assert requests.put(put, data=b"p", timeout=TIMEOUT).status_code == 200


# -- aws-chunked ---------------------------------------------------------------------------------

def chunk_signature(auth: Recorder, previous: str, data: bytes) -> str:
    """The next chunk's signature, per sigv4-streaming.html (signing key from the request's scope)."""
    date, scope = auth.sts.split("\n")[1:3]
    key = ("AWS4" + SECRET_KEY).encode()
    for part in scope.split("/"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sts = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", date, scope, previous, hashlib.sha256(b"").hexdigest(),
                     hashlib.sha256(data).hexdigest()])
    return hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()


def signed_chunked_put(strict, bucket, key, chunks: list[bytes], tamper: int | None = None):
    """PUT a STREAMING-AWS4-HMAC-SHA256-PAYLOAD body; the chunk at index `tamper` is altered after
    it was signed."""
    total = sum(map(len, chunks))
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(total)}
    url = f"http://127.0.0.1:{strict.port}/{bucket}/{quote(key)}"
    request = AWSRequest(method="PUT", url=url, headers=headers)
    auth = Recorder(Credentials(ACCESS_KEY, SECRET_KEY), payload="STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    auth.add_auth(request)
    previous = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    body = b""
    for i, data in enumerate(chunks + [b""]):
        previous = chunk_signature(auth, previous, data)
        sent = data[:-1] + b"!" if i == tamper else data
        body += f"{len(sent):x};chunk-signature={previous}\r\n".encode() + sent + b"\r\n"
    return requests.put(url, headers=dict(request.headers), data=body, timeout=TIMEOUT)


def test_aws_chunked_signed(strict, s3, bucket):
    chunks = [b"a" * 65536, b"b" * 1024]
    resp = signed_chunked_put(strict, bucket, "chunked signed", chunks)
    assert resp.status_code == 200, resp.text
    assert s3.get_object(Bucket=bucket, Key="chunked signed")["Body"].read() == b"".join(chunks)


@pytest.mark.parametrize("existing", [False, True])
def test_aws_chunked_tampered_chunk_is_refused_and_nothing_is_stored(strict, s3, bucket, existing):
    if existing:
        s3.put_object(Bucket=bucket, Key="victim", Body=b"old")
    resp = signed_chunked_put(strict, bucket, "victim", [b"a" * 65536, b"b" * 1024], tamper=1)
    assert resp.status_code == 403
    assert error_of(resp)[0:2] == [("Code", "SignatureDoesNotMatch"), ("Message", SIGNATURE_MISMATCH)]
    if existing:
        assert s3.get_object(Bucket=bucket, Key="victim")["Body"].read() == b"old"
    else:
        with pytest.raises(ClientError) as e:
            s3.head_object(Bucket=bucket, Key="victim")
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_aws_chunked_unsigned_with_trailer(strict, s3, bucket):
    data = b"trailing checksum " * 1000
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n"
            + f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
    resp, auth = send(strict, "PUT", f"/{bucket}/chunked%20unsigned", body=body,
                      payload="STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                      headers={"Content-Encoding": "aws-chunked", "x-amz-trailer": "x-amz-checksum-crc32",
                               "x-amz-decoded-content-length": str(len(data))})
    assert resp.status_code == 200, resp.text
    assert auth.creq.endswith("\nSTREAMING-UNSIGNED-PAYLOAD-TRAILER")
    got = s3.get_object(Bucket=bucket, Key="chunked unsigned", ChecksumMode="ENABLED")
    assert (got["Body"].read(), got["ChecksumCRC32"]) == (data, crc)


# -- refused, exactly as S3 --------------------------------------------------------------------------

def test_invalid_access_key_id(strict):
    resp, _ = send(strict, "GET", "/", key="AKIANOSUCHUSER0000000")
    assert resp.status_code == 403
    assert error_of(resp) == [
        ("Code", "InvalidAccessKeyId"),
        ("Message", "The AWS Access Key Id you provided does not exist in our records."),
        ("AWSAccessKeyId", "AKIANOSUCHUSER0000000")]


def test_invalid_access_key_id_through_boto3(strict):
    with pytest.raises(ClientError) as e:
        boto(strict.endpoint, key="AKIANOSUCHUSER0000000").list_buckets()
    assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"


def test_signature_does_not_match_v4(strict, bucket):
    resp, auth = send(strict, "GET", f"/{bucket}/a%20b", query="versionId=null&x-id=GetObject",
                      secret="not-the-secret")
    provided = resp.request.headers["Authorization"].rsplit("Signature=", 1)[1]
    assert resp.status_code == 403
    assert error_of(resp) == [
        ("Code", "SignatureDoesNotMatch"), ("Message", SIGNATURE_MISMATCH),
        ("AWSAccessKeyId", ACCESS_KEY), ("StringToSign", auth.sts), ("SignatureProvided", provided),
        ("StringToSignBytes", hexbytes(auth.sts)), ("CanonicalRequest", auth.creq),
        ("CanonicalRequestBytes", hexbytes(auth.creq))]


def test_signature_does_not_match_presigned_v4(strict, presign, bucket):
    url = presign.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    resp = requests.get(url.replace(f"/{bucket}/k?", f"/{bucket}/other?"), timeout=TIMEOUT)
    assert resp.status_code == 403
    fields = error_of(resp)
    assert [t for t, _ in fields] == ["Code", "Message", *V4_MISMATCH_FIELDS]
    creq = dict(fields)["CanonicalRequest"]
    assert creq.startswith(f"GET\n/{bucket}/other\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=")
    assert "X-Amz-Signature" not in creq and creq.endswith("\nhost\nUNSIGNED-PAYLOAD")


def test_signature_does_not_match_v2(strict, bucket):
    v2 = boto(strict.endpoint, secret="not-the-secret", signature_version="s3")
    captured = {}
    v2.meta.events.register("after-call.s3", lambda http_response, **kw: captured.update(r=http_response))
    with pytest.raises(ClientError):
        v2.get_object(Bucket=bucket, Key="k")
    resp = captured["r"]
    root = etree.fromstring(resp.content)
    fields = [(c.tag, c.text or "") for c in root][:-2]
    assert [t for t, _ in fields] == ["Code", "Message", "AWSAccessKeyId", "StringToSign",
                                      "SignatureProvided", "StringToSignBytes"]
    sts = dict(fields)["StringToSign"]
    assert sts.startswith("GET\n\n\n") and sts.endswith(f"\n/{bucket}/k")
    assert dict(fields)["StringToSignBytes"] == hexbytes(sts)


def test_presigned_v4_expired(strict, bucket):
    # botocore's own query signer, two hours ago (boto3's presign may go through awscrt's clock).
    request = AWSRequest(method="GET", url=f"http://127.0.0.1:{strict.port}/{bucket}/k")
    with clock(-timedelta(hours=2)):
        S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1", expires=3600).add_auth(request)
    url = request.url
    query = dict(parse_qsl(urlsplit(url).query))
    resp = requests.get(url, timeout=TIMEOUT)
    assert resp.status_code == 403
    fields = error_of(resp)
    assert [t for t, _ in fields] == ["Code", "Message", "X-Amz-Expires", "Expires", "ServerTime"]
    assert fields[:3] == [("Code", "AccessDenied"), ("Message", "Request has expired"), ("X-Amz-Expires", "3600")]
    signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert fields[3][1] == (signed_at + timedelta(seconds=3600)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert datetime.strptime(fields[4][1], "%Y-%m-%dT%H:%M:%SZ") > signed_at + timedelta(seconds=3600)


def test_presigned_v2_expired(strict, bucket):
    v2 = boto(strict.endpoint, signature_version="s3")
    with mock.patch("botocore.auth.HmacV1QueryAuth._get_date", lambda self: str(int(datetime.now(
            timezone.utc).timestamp()) - 7200 - self._expires)):
        url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    resp = requests.get(url, timeout=TIMEOUT)
    assert resp.status_code == 403
    fields = error_of(resp)
    assert [t for t, _ in fields] == ["Code", "Message", "Expires", "ServerTime"]
    assert fields[:2] == [("Code", "AccessDenied"), ("Message", "Request has expired")]


@pytest.mark.parametrize("change,message", [
    ({"X-Amz-Expires": "604801"}, "X-Amz-Expires must be less than a week (in seconds); that is, the "
                                  "given X-Amz-Expires must be less than 604800 seconds"),
    ({"X-Amz-Expires": "-5"}, "X-Amz-Expires must be non-negative"),
    ({"X-Amz-Expires": "ten"}, "X-Amz-Expires should be a number"),
    ({"X-Amz-Signature": None}, "Query-string authentication version 4 requires the X-Amz-Algorithm, "
     "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."),
    ({"X-Amz-Date": "yesterday"}, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""),
    ({"X-Amz-Credential": "test/20250101/us-east-1/s3"}, "Error parsing the X-Amz-Credential parameter; the "
     "Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
], ids=["expires-over-a-week", "expires-negative", "expires-not-a-number", "no-signature", "bad-date",
        "bad-credential"])
def test_presigned_v4_malformed_parameters(strict, presign, bucket, change, message):
    url = presign.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=60)
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    for k, v in change.items():
        if v is None:
            query.pop(k)
        else:
            query[k] = v
    resp = requests.get(f"{parts.scheme}://{parts.netloc}{parts.path}?{urlencode(query)}", timeout=TIMEOUT)
    assert resp.status_code == 400
    assert error_of(resp) == [("Code", "AuthorizationQueryParametersError"), ("Message", message)]


def test_request_time_too_skewed(strict, bucket):
    with clock(timedelta(minutes=10)):
        ok, _ = send(strict, "GET", f"/{bucket}", query="list-type=2")
    assert ok.status_code == 200, ok.text
    with clock(-timedelta(minutes=20)):
        resp, auth = send(strict, "GET", f"/{bucket}", query="list-type=2")
    assert resp.status_code == 403
    fields = error_of(resp)
    assert [t for t, _ in fields] == ["Code", "Message", "RequestTime", "ServerTime", "MaxAllowedSkewMilliseconds"]
    assert fields[0:3] == [
        ("Code", "RequestTimeTooSkewed"),
        ("Message", "The difference between the request time and the current time is too large."),
        ("RequestTime", resp.request.headers["X-Amz-Date"])]
    server_time = datetime.strptime(fields[3][1], "%Y-%m-%dT%H:%M:%SZ")
    assert server_time - datetime.strptime(fields[2][1], "%Y%m%dT%H%M%SZ") > timedelta(minutes=15)
    assert fields[4] == ("MaxAllowedSkewMilliseconds", "900000")


@pytest.mark.parametrize("service,edit,message", [
    ("s4", None, "incorrect service \"s4\". This endpoint belongs to \"s3\"."),
    ("s3", lambda h: h.update(Authorization=h["Authorization"].replace("/us-east-1/s3/", "/s3/")),
     "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    ("s3", lambda h: h.update(Authorization=h["Authorization"].replace("/aws4_request", "/aws5_request")),
     "incorrect terminal \"aws5_request\". This endpoint uses \"aws4_request\"."),
], ids=["wrong-service", "short-scope", "wrong-terminal"])
def test_authorization_header_malformed(strict, service, edit, message):
    resp, _ = send(strict, "GET", "/", service=service, edit=edit)
    assert resp.status_code == 400
    assert error_of(resp) == [("Code", "AuthorizationHeaderMalformed"),
                              ("Message", "The authorization header is malformed; " + message)]


def test_missing_content_sha256_on_a_v4_header_request(strict):
    """botocore's generic (non-S3) signer sends no x-amz-content-sha256; S3 requires it."""
    resp, _ = send(strict, "GET", "/", signer=SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1"))
    assert resp.status_code == 400
    assert error_of(resp)[:2] == [("Code", "InvalidRequest"),
                                  ("Message", "Missing required header for this request: x-amz-content-sha256")]


def test_unsigned_request_is_anonymous(strict, bucket):
    resp = requests.get(f"http://127.0.0.1:{strict.port}/{bucket}", timeout=TIMEOUT)
    assert resp.status_code == 403 and error_of(resp)[:2] == [("Code", "AccessDenied"), ("Message", "Access Denied")]
