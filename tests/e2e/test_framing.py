"""Request framing end to end, in raw HTTP signed for real (so it runs in lenient and strict mode):
aws-chunked bodies sent with `Transfer-Encoding: chunked` instead of Content-Length (the AWS SDK
for C++ under pyarrow sends exactly these; botocore does over HTTPS), the framings S3 refuses with
its own answers, and S3's 8 KiB limit on the request header section.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html: "Specify the
Transfer-Encoding HTTP header. If you include the Transfer-Encoding header and specify any value
other than identity, you must omit the Content-Length header. For all requests, you must include
the x-amz-decoded-content-length header".
"""

from __future__ import annotations

import base64
import hashlib
import os

import pytest
import requests
from botocore.exceptions import ClientError
from lxml import etree

from support import md5_etag
from test_http import Conn, Response, sigv4_headers
from test_integrity import Signed, checksum, signed_chunked_body, unsigned_trailer_body

UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
SIGNED = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
SIGNED_TRAILER = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
MISMATCH = "You did not provide the number of bytes specified by the Content-Length HTTP header"


def http_chunked(body: bytes, piece: int) -> bytes:
    """`body` in HTTP/1.1 chunks of `piece` bytes (not aligned with any aws-chunked chunk)."""
    parts = [b"%x\r\n%s\r\n" % (len(body[i:i + piece]), body[i:i + piece])
             for i in range(0, len(body), piece)]
    return b"".join(parts) + b"0\r\n\r\n"


def send_te(server, sig: Signed, body: bytes, *, expect: bool = False, piece: int = 7001) -> Response:
    """`sig`'s request framed with Transfer-Encoding: chunked and no Content-Length; with
    `expect`, the body follows only a 100 Continue (a final answer instead is returned)."""
    conn = Conn(server.port)
    try:
        lines = [f"{sig.method} {sig.path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
                 *(f"{k}: {v}" for k, v in sig.headers.items()), "Transfer-Encoding: chunked"]
        if expect:
            lines.append("Expect: 100-continue")
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        if expect:
            first = conn.read_head()
            if first.status != 100:
                first.body = conn.read_exact(int(first.headers.get("content-length", "0")))
                return first
        conn.send(http_chunked(body, piece))
        return conn.read_response(sig.method)
    finally:
        conn.close()


def aws_chunked(server, method: str, path: str, payload: bytes, mode: str, trailer: str | None = None,
                decoded: str | None = "", **headers: str) -> Signed:
    """A signed aws-chunked request's head: `mode` is the x-amz-content-sha256 value, `decoded`
    the x-amz-decoded-content-length sent ("": the payload's length; None: none)."""
    h = {"Content-Encoding": "aws-chunked", "Content-Type": "binary/octet-stream", **headers}
    if decoded is not None:
        h["x-amz-decoded-content-length"] = decoded or str(len(payload))
    if trailer:
        h["x-amz-trailer"] = trailer
    return Signed(server.endpoint, method, path, h, mode)


def framed(sig: Signed, payload: bytes, mode: str, trailer: str | None = None,
           algorithm: str | None = None) -> bytes:
    """`payload` in aws-chunked framing for `mode`, with the trailer's checksum if any."""
    trailers = [(trailer, checksum(algorithm or "", payload))] if trailer else []
    if mode == UNSIGNED_TRAILER:
        return unsigned_trailer_body(payload, trailers)
    return signed_chunked_body(sig, payload, trailers=trailers if mode == SIGNED_TRAILER else None)


def error(resp: Response) -> tuple[int, str | None, etree._Element]:
    doc = etree.fromstring(resp.body)
    return resp.status, doc.findtext("Code"), doc


def absent(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    return False


# --- aws-chunked bodies framed by Transfer-Encoding: chunked ---------------------------------------

@pytest.mark.parametrize("mode,trailer,algorithm", [
    (UNSIGNED_TRAILER, "x-amz-checksum-crc64nvme", "CRC64NVME"),     # pyarrow's
    (UNSIGNED_TRAILER, None, None),
    (SIGNED, None, None),
    (SIGNED_TRAILER, "x-amz-checksum-crc32c", "CRC32C"),
])
@pytest.mark.parametrize("size", [0, 11, 300_000])
def test_put_object_aws_chunked_with_transfer_encoding(server, s3, bucket, mode, trailer, algorithm,
                                                       size):
    payload = os.urandom(size)
    sig = aws_chunked(server, "PUT", f"/{bucket}/te", payload, mode, trailer)
    resp = send_te(server, sig, framed(sig, payload, mode, trailer, algorithm), expect=True)
    assert resp.status == 200, resp.body
    assert resp.headers["etag"] == md5_etag(payload)
    got = s3.get_object(Bucket=bucket, Key="te", ChecksumMode="ENABLED")
    assert got["Body"].read() == payload
    assert (got["ContentLength"], got["ContentType"]) == (size, "binary/octet-stream")
    assert "ContentEncoding" not in got
    if algorithm:
        assert resp.headers[trailer] == checksum(algorithm, payload)
        assert got[f"Checksum{algorithm}"] == checksum(algorithm, payload)


def test_upload_part_as_pyarrow_sends_it(server, s3, bucket):
    """UploadPart as the AWS SDK for C++ 1.11 sends it (pyarrow's every write): chunked transfer,
    unsigned aws-chunked payload, a CRC64NVME trailer, 100-continue, no Content-Length."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(1000)]
    etags = []
    for number, payload in enumerate(parts, 1):
        sig = aws_chunked(server, "PUT", f"/{bucket}/mp?partNumber={number}&uploadId={uid}",
                          payload, UNSIGNED_TRAILER, "x-amz-checksum-crc64nvme")
        resp = send_te(server, sig, framed(sig, payload, UNSIGNED_TRAILER,
                                           "x-amz-checksum-crc64nvme", "CRC64NVME"),
                       expect=True, piece=65536)
        assert resp.status == 200, resp.body
        assert resp.headers["etag"] == md5_etag(payload)
        etags.append(resp.headers["etag"])
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in listed] == [(1, len(parts[0])), (2, len(parts[1]))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=uid, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"".join(parts)


# --- what S3 refuses -----------------------------------------------------------------------------

def test_plain_chunked_transfer_encoding_is_not_implemented(server, s3, bucket):
    """S3 quirk: a body framed only by HTTP chunking, with no aws-chunked encoding and so no
    declared length, is refused: 501 NotImplemented, Header Transfer-Encoding. Recorded from AWS
    in JuliaWeb/HTTP.jl#98 (whole body), aws/aws-sdk-go#4944 (presigned PUT) and as late as
    2026 in irods/irods_resource_plugin_s3#2301 ("Transfer-Encoding: chunked + UNSIGNED-PAYLOAD
    ... is rejected", #2303). s3-tests' test_object_write_with_chunked_transfer_encoding expects
    200: RGW's behaviour (ceph/s3-tests#501), not S3's."""
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "plain"})
    resp = requests.put(url, data=iter([b"a" * 1000, b"b" * 10]), timeout=30)  # chunked: no length
    assert resp.request.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in resp.request.headers
    doc = etree.fromstring(resp.content)
    assert (resp.status_code, doc.findtext("Code"), doc.findtext("Header")) == (
        501, "NotImplemented", "Transfer-Encoding")
    assert doc.findtext("Message") == "A header you provided implies functionality that is not implemented"
    assert absent(s3, bucket, "plain")


@pytest.mark.parametrize("decoded", [None, "abc", "-1", " "])
@pytest.mark.parametrize("te", [True, False], ids=["transfer-encoding", "content-length"])
def test_aws_chunked_without_a_readable_decoded_length(server, s3, bucket, decoded, te):
    """S3 answers 411 MissingContentLength when x-amz-decoded-content-length is missing or not a
    number, whatever frames the body (AWS's body for "abc": versity/versitygw#1656)."""
    payload = b"hello"
    sig = aws_chunked(server, "PUT", f"/{bucket}/nolen", payload, UNSIGNED_TRAILER, decoded=decoded)
    body = framed(sig, payload, UNSIGNED_TRAILER)
    resp = send_te(server, sig, body) if te else raw_put(server, sig, body)
    status, code, doc = error(resp)
    assert (status, code) == (411, "MissingContentLength")
    assert doc.findtext("Message") == "You must provide the Content-Length HTTP header."
    assert absent(s3, bucket, "nolen")


def raw_put(server, sig: Signed, body: bytes) -> Response:
    conn = Conn(server.port)
    try:
        lines = [f"{sig.method} {sig.path} HTTP/1.1", f"Host: 127.0.0.1:{server.port}",
                 *(f"{k}: {v}" for k, v in sig.headers.items()), f"Content-Length: {len(body)}"]
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        return conn.read_response()
    finally:
        conn.close()


@pytest.mark.parametrize("declared,body,provided", [
    (3, b"5\r\nhello\r\n0\r\n\r\n", 5),           # versity/versitygw#1684's case
    (9, b"5\r\nhello\r\n0\r\n\r\n", 5),
])
@pytest.mark.parametrize("te", [True, False], ids=["transfer-encoding", "content-length"])
def test_decoded_length_mismatch_is_incomplete_body(server, s3, bucket, declared, body, provided, te):
    """AWS's answer, quoted in versity/versitygw#1684: IncompleteBody, its own message (no final
    period) and NumberBytesExpected / NumberBytesProvided."""
    sig = aws_chunked(server, "PUT", f"/{bucket}/mismatch", b"", UNSIGNED_TRAILER,
                      decoded=str(declared))
    resp = send_te(server, sig, body) if te else raw_put(server, sig, body)
    status, code, doc = error(resp)
    assert (status, code) == (400, "IncompleteBody")
    assert doc.findtext("Message") == MISMATCH
    assert (doc.findtext("NumberBytesExpected"), doc.findtext("NumberBytesProvided")) == (
        str(declared), str(provided))
    assert absent(s3, bucket, "mismatch")


def test_declared_length_over_5_gib_is_refused_before_the_body(server, s3, bucket):
    """The size limit needs no Content-Length: the declared decoded length is checked before
    100 Continue, so not a byte of the body is sent."""
    sig = aws_chunked(server, "PUT", f"/{bucket}/huge", b"", UNSIGNED_TRAILER,
                      decoded=str(5 * 1024**3 + 1))
    resp = send_te(server, sig, b"never sent", expect=True)
    status, code, doc = error(resp)
    assert (status, code) == (400, "EntityTooLarge")
    assert (doc.findtext("ProposedSize"), doc.findtext("MaxSizeAllowed")) == (
        str(5 * 1024**3 + 1), str(5 * 1024**3))
    assert absent(s3, bucket, "huge")


def test_aws_chunked_content_encoding_with_a_payload_hash_is_a_plain_body(s3, bucket):
    """x-amz-content-sha256 says whether a body is aws-chunked, not Content-Encoding: with a
    payload hash S3 takes the body as sent (versity/versitygw#2400, checked against S3). boto3
    over HTTP signs the payload, so ContentEncoding="gzip, aws-chunked" sends just that."""
    body = b"5\r\nhello\r\n0\r\n\r\n"          # aws-chunked framing, but here the payload itself
    put = s3.put_object(Bucket=bucket, Key="plain", Body=body, ContentEncoding="gzip, aws-chunked")
    assert put["ETag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key="plain")["Body"].read() == body


def test_a_payload_hash_means_a_plain_body_whatever_else_is_sent(server, s3, bucket):
    """Content-Encoding: aws-chunked and x-amz-decoded-content-length do not make a body whose
    SHA-256 is signed aws-chunked: it is stored as sent, and it is what the hash covers."""
    body = b"5\r\nhello\r\n0\r\n\r\n"
    sig = Signed(server.endpoint, "PUT", f"/{bucket}/hashed", {
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5"},
        hashlib.sha256(body).hexdigest())
    resp = raw_put(server, sig, body)
    assert resp.status == 200, resp.body
    assert resp.headers["etag"] == md5_etag(body)
    assert s3.get_object(Bucket=bucket, Key="hashed")["Body"].read() == body


@pytest.mark.parametrize("te", [True, False], ids=["transfer-encoding", "content-length"])
def test_aws_chunked_with_unsigned_payload_is_refused(server, s3, bucket, te):
    """AWS's answer, as the Go SDK reported it in benbjohnson/litestream#889."""
    payload = b"hello"
    sig = Signed(server.endpoint, "PUT", f"/{bucket}/unsigned", {
        "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": "5"}, "UNSIGNED-PAYLOAD")
    body = unsigned_trailer_body(payload, [])
    resp = send_te(server, sig, body) if te else raw_put(server, sig, body)
    status, code, doc = error(resp)
    assert (status, code) == (400, "InvalidArgument")
    assert doc.findtext("Message") == ("aws-chunked encoding is not supported when "
                                       "x-amz-content-sha256 UNSIGNED-PAYLOAD is supplied.")
    assert (doc.findtext("ArgumentName"), doc.findtext("ArgumentValue")) == (
        "Content-Encoding", "aws-chunked")
    assert absent(s3, bucket, "unsigned")


CORS = (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
        b"<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>")


@pytest.mark.parametrize("mode", [UNSIGNED_TRAILER, SIGNED])
@pytest.mark.parametrize("te", [True, False], ids=["transfer-encoding", "content-length"])
@pytest.mark.parametrize("op", ["PutBucketCors", "DeleteObjects", "CompleteMultipartUpload"])
def test_streaming_payload_only_for_put_object_and_upload_part(server, s3, bucket, op, mode, te):
    """S3 takes aws-chunked payloads for PutObject and UploadPart only; a document sent so is
    refused. AWS's answer for PutBucketTagging with STREAMING-UNSIGNED-PAYLOAD-TRAILER is quoted
    in versity/versitygw#1601."""
    s3.put_object(Bucket=bucket, Key="keep", Body=b"kept")
    if op == "PutBucketCors":
        path, doc = f"/{bucket}?cors", CORS
    elif op == "DeleteObjects":
        path, doc = f"/{bucket}?delete", b"<Delete><Object><Key>keep</Key></Object></Delete>"
    else:
        uid = s3.create_multipart_upload(Bucket=bucket, Key="keep")["UploadId"]
        etag = s3.upload_part(Bucket=bucket, Key="keep", UploadId=uid, PartNumber=1,
                              Body=b"part")["ETag"]
        path = f"/{bucket}/keep?uploadId={uid}"
        doc = (f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>"
               "</Part></CompleteMultipartUpload>").encode()
    md5 = base64.b64encode(hashlib.md5(doc).digest()).decode()
    method = "PUT" if op == "PutBucketCors" else "POST"
    sig = aws_chunked(server, method, path, doc, mode, **{"Content-MD5": md5})
    body = framed(sig, doc, mode)
    resp = send_te(server, sig, body) if te else raw_put(server, sig, body)
    status, code, err = error(resp)
    assert (status, code) == (400, "InvalidRequest")
    assert err.findtext("Message") == "The value of x-amz-content-sha256 header is invalid."
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"kept"
    if op == "PutBucketCors":
        with pytest.raises(ClientError):
            s3.get_bucket_cors(Bucket=bucket)


# --- the request header section ------------------------------------------------------------------

def head_with_section(server, method: str, path: str, section: int, many: bool = False,
                      auth: bool = True) -> bytes:
    """A request head (signed unless not `auth`) whose header section, every `name: value` line
    with its CRLF and not the request line, is exactly `section` bytes: padded by one header, or
    by eighty of about 90."""
    host = f"127.0.0.1:{server.port}"
    signature = sigv4_headers(method, path, host) if auth else ""

    def build(pads: dict[str, str]) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in pads.items())]
        return ("\r\n".join(lines) + "\r\n" + signature + "\r\n").encode()

    def size(head: bytes) -> int:
        return len(head) - len(head.split(b"\r\n", 1)[0]) - 4    # request line's CRLF, final CRLF

    pads = {f"X-Pad-{i:02}": "p" * 80 for i in range(80 if many else 1)}
    pads["X-Pad-00"] += "p" * (section - size(build(pads)))
    head = build(pads)
    assert size(head) == section
    return head


def exchange(server, head: bytes, method: str = "GET") -> Response:
    conn = Conn(server.port)
    try:
        conn.send(head)
        return conn.read_response(method)
    finally:
        conn.close()


def test_header_section_of_8192_bytes_is_accepted(server, s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    for many in (False, True):
        resp = exchange(server, head_with_section(server, "GET", f"/{bucket}/k", 8192, many))
        assert (resp.status, resp.body) == (200, b"body")


@pytest.mark.parametrize("section,many", [(8193, False), (8193, True), (60 * 1024, False)])
def test_header_section_over_8192_bytes_is_refused(server, s3, bucket, section, many):
    """S3's answer, whose body is quoted in versity/versitygw#2180 (and in
    department-of-veterans-affairs/va.gov-team#89412): 400, Code, Message, MaxSizeAllowed,
    RequestId, HostId and no Resource."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    resp = exchange(server, head_with_section(server, "GET", f"/{bucket}/k", section, many))
    status, code, doc = error(resp)
    assert (status, code) == (400, "RequestHeaderSectionTooLarge")
    assert [child.tag for child in doc] == ["Code", "Message", "MaxSizeAllowed", "RequestId", "HostId"]
    assert doc.findtext("Message") == "Your request header section exceeds the maximum allowed size."
    assert doc.findtext("MaxSizeAllowed") == "8192"
    assert doc.findtext("RequestId") == resp.headers["x-amz-request-id"]


def test_header_section_is_checked_before_anything_else(server, s3, bucket):
    """Before authentication (an anonymous caller of a private object is told the same), before
    any body is asked for (no 100 Continue), and for HEAD without a body."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"body")
    resp = exchange(server, head_with_section(server, "GET", f"/{bucket}/k", 9000, auth=False))
    assert error(resp)[:2] == (400, "RequestHeaderSectionTooLarge")
    resp = exchange(server, head_with_section(server, "HEAD", f"/{bucket}/k", 9000), "HEAD")
    assert (resp.status, resp.body) == (400, b"")
    put = head_with_section(server, "PUT", f"/{bucket}/k", 9000)
    put = put[:-2] + b"Content-Length: 4\r\nExpect: 100-continue\r\n\r\n"
    conn = Conn(server.port)
    try:
        conn.send(put)
        resp = conn.read_response()
        assert error(resp)[:2] == (400, "RequestHeaderSectionTooLarge")
        assert b"100 Continue" not in conn.received
    finally:
        conn.close()
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"body"
