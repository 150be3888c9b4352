"""Request bodies: 100-continue on first read, aws-chunked decoding, size limits, and integrity
checks (Content-MD5, x-amz-checksum-* headers and trailers, signed payload SHA-256)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import AsyncIterator

from s3mock import checksums
from s3mock.auth.chunked import AwsChunkedDecoder
from s3mock.errors import S3Error, unsupported_checksum_algorithm
from s3mock.request.ctx import Ctx
from s3mock.storage.blobs import INLINE_LIMIT, BlobWriter

MAX_OBJECT_SIZE = 5 * 1024**3
BODY_TIMEOUT = 60.0        # seconds a request body may stall before S3's RequestTimeout
NET_CHUNK = 256 * 1024
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_CHECKSUM_NAMES = re.compile(r"\n(x-amz-checksum-[^\n]*)")      # in Ctx.header_names()
_NOT_CHECKSUMS = {"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode"}


@dataclass
class Integrity:
    """What the client asked us to verify and store about a body."""
    md5: bytes | None = None
    algorithm: str | None = None         # the flexible checksum to compute and store
    value: str | None = None             # its expected value, from a header
    trailer: bool = False                # its expected value arrives as a trailer
    payload_sha256: str | None = None    # hex, from a signed x-amz-content-sha256
    extra: set[str] = field(default_factory=set)

    @property
    def algorithms(self) -> list[str]:
        algs = {self.algorithm} if self.algorithm else set()
        if self.payload_sha256:
            algs.add("SHA256")
        return sorted(algs | self.extra)


def is_chunked(ctx: Ctx) -> bool:
    """Is the body aws-chunked framed? x-amz-content-sha256 decides: a STREAMING-* value says so,
    a payload hash says not, whatever Content-Encoding says: S3 stores such a body as sent
    (versity/versitygw#2400, checked against S3; s3-tests test_object_content_encoding_aws_chunked).
    Only without that header (presigned, SigV2) does `Content-Encoding: aws-chunked` beside
    x-amz-decoded-content-length say so."""
    h = ctx.headers
    sha = h.get("x-amz-content-sha256")
    if sha is None:
        return "aws-chunked" in h.get("Content-Encoding", "") and "x-amz-decoded-content-length" in h
    if sha.startswith("STREAMING-"):
        return True
    if sha == "UNSIGNED-PAYLOAD" and "aws-chunked" in h.get("Content-Encoding", ""):
        # AWS's answer to the AWS SDK for Go v2 streaming so, in benbjohnson/litestream#889.
        raise S3Error("InvalidArgument", "aws-chunked encoding is not supported when "
                      "x-amz-content-sha256 UNSIGNED-PAYLOAD is supplied.",
                      ArgumentName="Content-Encoding", ArgumentValue=h["Content-Encoding"])
    return False


def integrity(ctx: Ctx, default_algorithm: str | None = None, flexible: bool = True) -> Integrity:
    """What to verify of the body. Without `flexible`, x-amz-checksum-* headers are not the body's
    (CompleteMultipartUpload's name the object the upload becomes) and only Content-MD5 and a
    signed payload hash are checked."""
    h = ctx.headers
    out = Integrity()
    md5 = h.get("Content-MD5")
    if md5 is not None:
        try:
            out.md5 = base64.b64decode(md5, validate=True)
        except (binascii.Error, ValueError):
            raise S3Error("InvalidDigest", **{"Content-MD5": md5}) from None
        if len(out.md5) != 16:
            raise S3Error("InvalidDigest", **{"Content-MD5": md5})
    names = ctx.header_names()
    found = [(checksums.algorithm_of_header(n), n, h[n]) for n in _CHECKSUM_NAMES.findall(names)
             if n not in _NOT_CHECKSUMS] if flexible and "\nx-amz-checksum-" in names else []
    unknown = [n for alg, n, _ in found if alg is None]
    if unknown:
        raise S3Error("InvalidRequest", f"The algorithm type you specified in {unknown[0].lower()} "
                      "header is invalid.")
    if len(found) > 1:
        raise S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple "
                      "checksum Types are not allowed.")
    if found:
        alg, name, value = found[0]
        if not checksums.is_valid(alg, value):
            raise S3Error("InvalidRequest", f"Value for {name.lower()} header is invalid.")
        out.algorithm, out.value = alg, value
    trailer = h.get("x-amz-trailer") if flexible else None
    if trailer:
        alg = checksums.algorithm_of_header(trailer.strip())
        if alg is None:
            raise S3Error("InvalidRequest", "The value specified in the x-amz-trailer header is not "
                          "supported")
        if out.algorithm and out.algorithm != alg:
            raise S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple "
                          "checksum Types are not allowed.")
        out.algorithm, out.trailer = alg, True
    sdk = h.get("x-amz-sdk-checksum-algorithm") if flexible else None
    if sdk and not out.algorithm:
        if sdk.upper() not in checksums.ALGORITHMS:
            raise unsupported_checksum_algorithm()
        out.algorithm = sdk.upper()
    if not out.algorithm and default_algorithm:
        out.algorithm = default_algorithm
    sha = h.get("x-amz-content-sha256", "")
    if _HEX64.match(sha):
        out.payload_sha256 = sha.lower()
    return out


def declared_length(ctx: Ctx, required: bool = False, chunked: bool | None = None) -> int:
    """The payload's length as the client declared it: Content-Length, or for an aws-chunked body
    x-amz-decoded-content-length; `chunked`: is_chunked(ctx), when the caller knows it."""
    h = ctx.headers
    if chunked is None:
        chunked = is_chunked(ctx)
    if chunked:
        # Framed by Content-Length or by Transfer-Encoding: chunked: "For all requests, you must
        # include the x-amz-decoded-content-length header" (sigv4-streaming.html). S3 answers a
        # missing or unreadable one MissingContentLength (versity/versitygw#1043, #1656).
        raw = h.get("x-amz-decoded-content-length", "")
        if not (raw.isascii() and raw.isdigit()):
            raise S3Error("MissingContentLength")
        digits = raw.lstrip("0")
        return int(digits or 0) if len(digits) <= 20 else 10**20    # past every size limit
    if "chunked" in h.get("Transfer-Encoding", "").lower():
        # S3 quirk: plain HTTP chunking (no aws-chunked body, so no declared length) is refused
        # with 501, as Amazon S3 still answered in 2026 (irods/irods_resource_plugin_s3#2301;
        # the whole body: JuliaWeb/HTTP.jl#98). s3-tests expects 200 (RGW's behaviour).
        raise S3Error("NotImplemented", Header="Transfer-Encoding")
    raw = h.get("Content-Length")
    if raw is None:
        if required:
            raise S3Error("MissingContentLength")
        return 0
    try:
        n = int(raw)
    except ValueError:
        raise S3Error("InvalidArgument", "Invalid content length", ArgumentName="Content-Length",
                      ArgumentValue=raw) from None
    if n < 0:
        raise S3Error("InvalidArgument", "Invalid content length", ArgumentName="Content-Length",
                      ArgumentValue=raw)
    return n


async def send_continue(ctx: Ctx) -> None:
    """Answer `Expect: 100-continue` now that the request has been accepted."""
    if ctx.continue_sent:
        return
    ctx.continue_sent = True
    req = ctx.request
    if req.headers.get("Expect", "").lower() == "100-continue" and req.version >= (1, 1):
        await req.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        req.writer.output_size = 0


class _Timed:
    """A body source each read of which must make progress within BODY_TIMEOUT."""

    def __init__(self, content):
        self.content = content

    async def read(self, n: int) -> bytes:
        data = self.content.read_nowait(n)     # what already arrived needs no timer
        if data or self.content.is_eof():
            return data
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                return await self.content.read(n)
        except TimeoutError:
            raise S3Error("RequestTimeout") from None


async def _whole(content) -> bytes:
    """All of a small body, each wait for more bounded by BODY_TIMEOUT."""
    source = _Timed(content)
    parts = []
    while data := await source.read(NET_CHUNK):
        parts.append(data)
    return b"".join(parts)


async def raw_chunks(ctx: Ctx, trailers: dict[str, str]) -> AsyncIterator[bytes]:
    await send_continue(ctx)
    content = _Timed(ctx.request.content)
    if is_chunked(ctx):
        verifier = ctx.chunk_verifier
        decoder = AwsChunkedDecoder(content, decoded_length=declared_length(ctx),
                                    on_chunk=verifier.chunk if verifier is not None else None)
        async for data in decoder.chunks():
            yield data
        if verifier is not None and ctx.headers.get("x-amz-trailer"):
            signed = "".join(f"{k}:{v}\n" for k, v in decoder.trailers.items()).encode()
            verifier.trailer(decoder.trailer_signature, signed)
        trailers.update(decoder.trailers)
        return
    expected = declared_length(ctx)
    got = 0
    while True:
        data = await content.read(NET_CHUNK)
        if not data:
            break
        got += len(data)
        yield data
    if got != expected:
        raise S3Error("IncompleteBody")


async def read_all(ctx: Ctx, limit: int, flexible: bool = True) -> bytes:
    """A small body (XML documents), checked against Content-MD5 / checksum headers (those only
    with `flexible`: see integrity())."""
    if ctx.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
        # S3 takes streaming (aws-chunked) payloads for PutObject and UploadPart only: AWS's
        # answer to a PutBucketTagging sent so is quoted in versity/versitygw#1601.
        raise S3Error("InvalidRequest", "The value of x-amz-content-sha256 header is invalid.")
    if declared_length(ctx) > limit:
        raise S3Error("MaxMessageLengthExceeded")
    want = integrity(ctx, flexible=flexible)
    parts: list[bytes] = []
    size = 0
    trailers: dict[str, str] = {}
    async for data in raw_chunks(ctx, trailers):
        size += len(data)
        if size > limit:
            raise S3Error("MaxMessageLengthExceeded")
        parts.append(data)
    body = b"".join(parts)
    if want.md5 is not None and hashlib.md5(body).digest() != want.md5:
        raise S3Error("BadDigest", ExpectedDigest=want.md5.hex(),
                      CalculatedDigest=checksums.encode(hashlib.md5(body).digest()))
    if want.algorithm:
        h = checksums.new(want.algorithm)
        h.update(body)
        _check_value(want, checksums.encode(h.digest()), trailers)
    if want.payload_sha256 and hashlib.sha256(body).hexdigest() != want.payload_sha256:
        raise S3Error("XAmzContentSHA256Mismatch", ClientComputedContentSHA256=want.payload_sha256,
                      S3ComputedContentSHA256=hashlib.sha256(body).hexdigest())
    return body


def _check_value(want: Integrity, actual: str, trailers: dict[str, str]) -> None:
    expected = want.value
    if want.trailer:
        expected = trailers.get(checksums.header_name(want.algorithm or ""))
        if expected is None:
            return
        if not checksums.is_valid(want.algorithm or "", expected):
            raise S3Error("InvalidRequest", f"Value for {checksums.header_name(want.algorithm or '')}"
                          " trailing header is invalid.")
    if expected is not None and expected != actual:
        raise S3Error("BadDigest", f"The {want.algorithm} you specified did not match the "
                      "calculated checksum.")


async def receive(ctx: Ctx, writer: BlobWriter, want: Integrity, max_size: int = MAX_OBJECT_SIZE) -> None:
    """Stream the body into `writer` and verify it. On any error the writer is aborted."""
    try:
        chunked = is_chunked(ctx)
        size = declared_length(ctx, required=True, chunked=chunked)
        if size > max_size:
            raise S3Error("EntityTooLarge", ProposedSize=size, MaxSizeAllowed=max_size)
        writer.reserve(size)
        trailers: dict[str, str] = {}
        await send_continue(ctx)
        content = ctx.request.content
        if size <= INLINE_LIMIT and not chunked:
            # A small body is written at once, sparing it the streaming path's awaits: it has all
            # arrived, or it is on its way (after 100 Continue).
            data = content.read_nowait(-1) if content.is_eof() else await _whole(content)
            if len(data) != size:
                raise S3Error("IncompleteBody")
            writer.write_sync(data)
        else:
            async for data in raw_chunks(ctx, trailers):
                await writer.write(data)
        await writer.finish_hashing()
        # S3 quirk: ExpectedDigest is hex, CalculatedDigest base64.
        if want.md5 is not None and writer.md5.digest() != want.md5:
            raise S3Error("BadDigest", ExpectedDigest=want.md5.hex(),
                          CalculatedDigest=checksums.encode(writer.md5.digest()))
        values = writer.checksum_values()
        if want.payload_sha256:
            actual = base64.b64decode(values["SHA256"]).hex()
            if actual != want.payload_sha256:
                raise S3Error("XAmzContentSHA256Mismatch", ClientComputedContentSHA256=want.payload_sha256,
                              S3ComputedContentSHA256=actual)
        if want.algorithm:
            _check_value(want, values[want.algorithm], trailers)
    except BaseException:
        await writer.abort()
        raise
