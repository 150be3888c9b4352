"""Upload integrity end to end: Content-MD5, flexible checksums (headers and trailers) and aws-chunked
bodies, with boto3 and, where boto3 cannot send bad or hand-framed data, with raw signed requests.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import os
import re
import zlib
from urllib.parse import urlsplit

import pytest
from awscrt import checksums as crt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from support import ACCESS_KEY, SECRET_KEY, client, start_server

REGION = "us-east-1"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
ALGORITHMS = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"]


def checksum(algorithm: str, data: bytes) -> str:
    raw = {
        "CRC32": lambda: zlib.crc32(data).to_bytes(4, "big"),
        "CRC32C": lambda: crt.crc32c(data).to_bytes(4, "big"),
        "CRC64NVME": lambda: crt.crc64nvme(data).to_bytes(8, "big"),
        "SHA1": lambda: hashlib.sha1(data).digest(),
        "SHA256": lambda: hashlib.sha256(data).digest(),
    }[algorithm]()
    return base64.b64encode(raw).decode()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


@pytest.fixture
def once(endpoint):
    """boto3 (default checksums) that does not retry: botocore retries BadDigest four times."""
    return client(endpoint, retries={"total_max_attempts": 1})


def error_of(excinfo) -> tuple[str, int]:
    resp = excinfo.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


# --- raw signed requests -------------------------------------------------------------------------

class Signed:
    """A SigV4-signed request (header auth) and what its chunk signatures chain from."""

    def __init__(self, endpoint: str, method: str, path: str, headers: dict[str, str], content_sha256: str):
        self.endpoint, self.method, self.path = endpoint, method, path
        req = AWSRequest(method=method, url=endpoint + path,
                         headers={**headers, "X-Amz-Content-SHA256": content_sha256})
        SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", REGION).add_auth(req)
        self.headers = dict(req.headers.items())
        self.amz_date = self.headers["X-Amz-Date"]
        self.scope = f"{self.amz_date[:8]}/{REGION}/s3/aws4_request"
        self.seed = re.search(r"Signature=([0-9a-f]{64})", self.headers["Authorization"]).group(1)
        key = ("AWS4" + SECRET_KEY).encode()
        for part in (self.amz_date[:8], REGION, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        self.signing_key = key

    def sign(self, string_to_sign: str) -> str:
        return hmac.new(self.signing_key, string_to_sign.encode(), hashlib.sha256).hexdigest()

    def send(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(self.endpoint)
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        try:
            conn.request(self.method, self.path, body=body,
                         headers={**self.headers, "Content-Length": str(len(body))})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()


def error_code(body: bytes) -> str | None:
    m = re.search(rb"<Code>([^<]+)</Code>", body)
    return m.group(1).decode() if m else None


def unsigned_trailer_body(payload: bytes, trailers: list[tuple[str, str]], chunk: int = 64 * 1024) -> bytes:
    """STREAMING-UNSIGNED-PAYLOAD-TRAILER framing."""
    out = []
    for i in range(0, len(payload), chunk):
        piece = payload[i:i + chunk]
        out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
    out.append(b"0\r\n")
    out += [f"{name}:{value}\r\n".encode() for name, value in trailers]
    out.append(b"\r\n")
    return b"".join(out)


def signed_chunked_body(sig: Signed, payload: bytes, chunk: int = 64 * 1024,
                        trailers: list[tuple[str, str]] | None = None) -> bytes:
    """STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] framing with chained chunk signatures."""
    pieces = [payload[i:i + chunk] for i in range(0, len(payload), chunk)] + [b""]
    out, prev = [], sig.seed
    for piece in pieces:
        prev = sig.sign("\n".join(["AWS4-HMAC-SHA256-PAYLOAD", sig.amz_date, sig.scope, prev,
                                   EMPTY_SHA256, hashlib.sha256(piece).hexdigest()]))
        out.append(b"%x;chunk-signature=%s\r\n%s" % (len(piece), prev.encode(), piece))
        if piece or trailers is None:
            out.append(b"\r\n")
    if trailers is not None:
        text = "".join(f"{name}:{value}\n" for name, value in trailers)
        trailer_sig = sig.sign("\n".join(["AWS4-HMAC-SHA256-TRAILER", sig.amz_date, sig.scope, prev,
                                          hashlib.sha256(text.encode()).hexdigest()]))
        out.append(text.replace("\n", "\r\n").encode())
        out.append(f"x-amz-trailer-signature:{trailer_sig}\r\n\r\n".encode())
    return b"".join(out)


# --- Content-MD5 -------------------------------------------------------------------------------

def test_content_md5_valid(s3, bucket):
    body = os.urandom(3000)
    r = s3.put_object(Bucket=bucket, Key="k", Body=body, ContentMD5=md5_b64(body))
    assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == body


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_content_md5_invalid_is_invalid_digest(s3, bucket, value):
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=bucket, Key="k", Body=b"hello", ContentMD5=value)
    assert error_of(e) == ("InvalidDigest", 400)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_content_md5_mismatch_is_bad_digest(s3, once, bucket):
    with pytest.raises(ClientError) as e:
        once.put_object(Bucket=bucket, Key="k", Body=b"hello", ContentMD5=md5_b64(b"other"))
    assert error_of(e) == ("BadDigest", 400)
    # S3 quirk: the expected digest comes back in hex, the calculated one in base64
    assert e.value.response["Error"]["ExpectedDigest"] == hashlib.md5(b"other").hexdigest()
    assert e.value.response["Error"]["CalculatedDigest"] == md5_b64(b"hello")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_content_md5_mismatch_raw(endpoint, bucket):
    body = b"payload"
    sig = Signed(endpoint, "PUT", f"/{bucket}/raw", {"Content-MD5": md5_b64(b"else")},
                 hashlib.sha256(body).hexdigest())
    status, _, resp = sig.send(body)
    assert (status, error_code(resp)) == (400, "BadDigest")


# --- flexible checksums ------------------------------------------------------------------------

@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_put_object_flexible_checksum_stored_and_returned(s3, bucket, algorithm):
    body = os.urandom(300_000)
    field = "Checksum" + algorithm
    expected = checksum(algorithm, body)
    r = s3.put_object(Bucket=bucket, Key="k", Body=body, ChecksumAlgorithm=algorithm)
    assert r[field] == expected
    assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'

    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[field] == expected
    assert head["ChecksumType"] == "FULL_OBJECT"
    plain = s3.head_object(Bucket=bucket, Key="k")
    assert not [a for a in ALGORITHMS if "Checksum" + a in plain]   # values only with ChecksumMode
    # botocore validates the body against the returned checksum (FlexibleChecksumError otherwise)
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got[field] == expected
    assert got["Body"].read() == body


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_precomputed_checksum_header_accepted(endpoint, s3, bucket, algorithm):
    body = os.urandom(5000)
    name = f"x-amz-checksum-{algorithm.lower()}"
    sig = Signed(endpoint, "PUT", f"/{bucket}/k", {name: checksum(algorithm, body)},
                 hashlib.sha256(body).hexdigest())
    status, headers, _ = sig.send(body)
    assert status == 200
    assert headers[name] == checksum(algorithm, body)
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["Checksum" + algorithm] == checksum(algorithm, body)


def test_wrong_checksum_header_is_bad_digest(endpoint, s3, once, bucket):
    body = b"some bytes"
    wrong = checksum("CRC32", b"other bytes")
    with pytest.raises(ClientError) as e:
        once.put_object(Bucket=bucket, Key="k", Body=body, ChecksumCRC32=wrong)
    assert error_of(e) == ("BadDigest", 400)

    sig = Signed(endpoint, "PUT", f"/{bucket}/k", {"x-amz-checksum-crc32": wrong},
                 hashlib.sha256(body).hexdigest())
    status, _, resp = sig.send(body)
    assert (status, error_code(resp)) == (400, "BadDigest")
    assert b"<Message>The CRC32 you specified did not match the calculated checksum.</Message>" in resp
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_no_checksum_gets_crc64nvme(endpoint, s3, bucket):
    body = os.urandom(70_000)
    sig = Signed(endpoint, "PUT", f"/{bucket}/raw", {}, hashlib.sha256(body).hexdigest())
    status, headers, _ = sig.send(body)
    assert status == 200
    assert headers["x-amz-checksum-crc64nvme"] == checksum("CRC64NVME", body)
    head = s3.head_object(Bucket=bucket, Key="raw", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == checksum("CRC64NVME", body)
    assert head["ChecksumType"] == "FULL_OBJECT"

    plain = client(endpoint, request_checksum_calculation="when_required")
    plain.put_object(Bucket=bucket, Key="sdk", Body=body)
    head = s3.head_object(Bucket=bucket, Key="sdk", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == checksum("CRC64NVME", body)
    assert "ChecksumCRC32" not in head


def test_signed_payload_hash_mismatch(endpoint, s3, bucket):
    sig = Signed(endpoint, "PUT", f"/{bucket}/k", {}, hashlib.sha256(b"not the body").hexdigest())
    status, _, resp = sig.send(b"the body")
    assert (status, error_code(resp)) == (400, "XAmzContentSHA256Mismatch")
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="k")


# --- aws-chunked bodies sent by hand --------------------------------------------------------------

@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A second server that verifies every signature, chunk signatures included."""
    srv = start_server(tmp_path_factory.mktemp("strict-data"), "--auth", "strict")
    client(srv.endpoint).create_bucket(Bucket="strict-bucket")
    yield srv.endpoint
    srv.stop()


@pytest.fixture(params=["lenient", "strict"])
def target(request, endpoint, bucket):
    """(endpoint, bucket, boto3 client) on the default server and on the --auth strict one."""
    if request.param == "lenient":
        return endpoint, bucket, client(endpoint)
    ep = request.getfixturevalue("strict")
    return ep, "strict-bucket", client(ep)


def _chunked_headers(payload: bytes, trailer: str | None = None) -> dict[str, str]:
    headers = {"Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(payload)),
               "Content-Type": "text/plain"}
    if trailer:
        headers["x-amz-trailer"] = trailer
    return headers


def _assert_stored(s3, bucket, key, payload):
    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == payload
    assert got["ContentLength"] == len(payload)
    assert got["ETag"] == f'"{hashlib.md5(payload).hexdigest()}"'
    assert got["ContentType"] == "text/plain"
    assert "aws-chunked" not in got.get("ContentEncoding", "")


@pytest.mark.parametrize("size", [0, 10, 200_000])
def test_unsigned_payload_trailer(endpoint, s3, bucket, size):
    payload = os.urandom(size)
    mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    sig = Signed(endpoint, "PUT", f"/{bucket}/k",
                 _chunked_headers(payload, "x-amz-checksum-crc32"), mode)
    status, headers, body = sig.send(
        unsigned_trailer_body(payload, [("x-amz-checksum-crc32", checksum("CRC32", payload))]))
    assert status == 200, body
    assert headers["etag"] == f'"{hashlib.md5(payload).hexdigest()}"'
    assert headers["x-amz-checksum-crc32"] == checksum("CRC32", payload)
    _assert_stored(s3, bucket, "k", payload)
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == checksum("CRC32", payload)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_unsigned_payload_trailer_wrong_checksum_rejected(endpoint, s3, bucket, algorithm):
    payload = os.urandom(100_000)
    mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    name = f"x-amz-checksum-{algorithm.lower()}"
    sig = Signed(endpoint, "PUT", f"/{bucket}/k", _chunked_headers(payload, name), mode)
    status, _, body = sig.send(unsigned_trailer_body(payload, [(name, checksum(algorithm, b"nope"))]))
    assert (status, error_code(body)) == (400, "BadDigest")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


@pytest.mark.parametrize("size", [0, 8192, 200_000])
def test_signed_streaming_payload(target, size):
    endpoint, bucket, s3 = target
    payload = os.urandom(size)
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    sig = Signed(endpoint, "PUT", f"/{bucket}/k", _chunked_headers(payload), mode)
    status, headers, body = sig.send(signed_chunked_body(sig, payload))
    assert status == 200, body
    assert headers["etag"] == f'"{hashlib.md5(payload).hexdigest()}"'
    _assert_stored(s3, bucket, "k", payload)


def test_signed_streaming_payload_with_trailer(target):
    endpoint, bucket, s3 = target
    payload = os.urandom(150_000)
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
    sig = Signed(endpoint, "PUT", f"/{bucket}/k",
                 _chunked_headers(payload, "x-amz-checksum-crc32c"), mode)
    status, headers, body = sig.send(signed_chunked_body(
        sig, payload, trailers=[("x-amz-checksum-crc32c", checksum("CRC32C", payload))]))
    assert status == 200, body
    assert headers["x-amz-checksum-crc32c"] == checksum("CRC32C", payload)
    _assert_stored(s3, bucket, "k", payload)
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32C"] == checksum("CRC32C", payload)


def test_signed_streaming_bad_chunk_signature_refused_in_strict_mode(strict):
    s3 = client(strict)
    payload = os.urandom(100_000)
    mode = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
    sig = Signed(strict, "PUT", "/strict-bucket/tampered", _chunked_headers(payload), mode)
    framed = signed_chunked_body(sig, payload)
    # same framing and signatures, one payload byte of the first chunk flipped
    pos = framed.index(b"\r\n") + 2 + 100
    tampered = framed[:pos] + bytes([framed[pos] ^ 1]) + framed[pos + 1:]
    status, _, body = sig.send(tampered)
    assert (status, error_code(body)) == (403, "SignatureDoesNotMatch")
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket="strict-bucket", Key="tampered")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    status, _, body = sig.send(framed)  # signatures are bound to the payload, not to the request
    assert status == 200, body
    assert s3.get_object(Bucket="strict-bucket", Key="tampered")["Body"].read() == payload


def test_upload_part_unsigned_trailer_stores_decoded_part(endpoint, s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    payload = os.urandom(120_000)
    mode = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    sig = Signed(endpoint, "PUT", f"/{bucket}/mp?partNumber=1&uploadId={uid}",
                 _chunked_headers(payload, "x-amz-checksum-crc32"), mode)
    status, headers, body = sig.send(
        unsigned_trailer_body(payload, [("x-amz-checksum-crc32", checksum("CRC32", payload))]))
    assert status == 200, body
    etag = headers["etag"]
    assert etag == f'"{hashlib.md5(payload).hexdigest()}"'
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, len(payload))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == payload


def test_boto3_default_upload_is_decoded(s3, bucket):
    """boto3's default PutObject is aws-chunked with a CRC32 trailer: the object is the payload."""
    payload = os.urandom(1_000_000)
    r = s3.put_object(Bucket=bucket, Key="k", Body=payload)
    assert r["ChecksumCRC32"] == checksum("CRC32", payload)
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == payload
    assert "ContentEncoding" not in got
