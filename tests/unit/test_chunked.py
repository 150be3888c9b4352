"""aws-chunked body decoding: framing, trailers, bounds, errors, and botocore's own encoder."""

import asyncio
import io
import itertools

import pytest
from botocore import httpchecksum
from hypothesis import given, settings
from hypothesis import strategies as st

from s3mock import checksums
from s3mock.auth import chunked
from s3mock.auth.chunked import AwsChunkedDecoder
from s3mock.errors import S3Error

SIG = "a" * 64
PIECES = [(1,), (2, 3, 7), (5, 1, 4096), (1 << 20,)]


class FakeSource:
    """A body that arrives in odd-sized pieces, like a socket does."""

    def __init__(self, body: bytes, pieces=(1 << 20,)):
        self.body = body
        self.pos = 0
        self.pieces = itertools.cycle(pieces)
        self.reads = 0

    async def read(self, n: int) -> bytes:
        out = self.body[self.pos:self.pos + min(n, next(self.pieces))]
        self.pos += len(out)
        self.reads += 1
        return out


class EndlessSource:
    """Never ends: the decoder must give up after a bounded number of bytes."""

    PIECE = 997

    def __init__(self, prefix: bytes, line_maker):
        self.pending = prefix
        self.lines = (line_maker(i) for i in itertools.count())
        self.total = 0

    async def read(self, n: int) -> bytes:
        n = min(n, self.PIECE)
        parts = [self.pending]
        size = len(self.pending)
        while size < n:
            parts.append(next(self.lines))
            size += len(parts[-1])
        pending = b"".join(parts)
        out, self.pending = pending[:n], pending[n:]
        self.total += len(out)
        return out


def encode(payload: bytes, chunk: int, *, signed=False, trailers=b"", end=b"\r\n") -> bytes:
    ext = f";chunk-signature={SIG}".encode() if signed else b""
    out = []
    for i in range(0, len(payload), chunk):
        piece = payload[i:i + chunk]
        out += [b"%x" % len(piece), ext, b"\r\n", piece, b"\r\n"]
    out += [b"0", ext, b"\r\n", trailers, end]
    return b"".join(out)


def decode(body: bytes, pieces=(1 << 20,), source=None, **kwargs):
    decoder = AwsChunkedDecoder(source or FakeSource(body, pieces), **kwargs)

    async def run():
        return [piece async for piece in decoder]

    return b"".join(asyncio.run(run())), decoder


CRC = "x-amz-checksum-crc32:y/Q5Jg==\r\n"
TSIG = f"x-amz-trailer-signature:{'b' * 64}\r\n"
VALID = {
    "unsigned trailer": (encode(b"123456789", 4, trailers=CRC.encode()), b"123456789",
                         {"x-amz-checksum-crc32": "y/Q5Jg=="}, None),
    "unsigned no trailer": (b"5\r\nhello\r\n0\r\n\r\n", b"hello", {}, None),
    "empty payload": (b"0\r\n" + CRC.encode() + b"\r\n", b"", {"x-amz-checksum-crc32": "y/Q5Jg=="}, None),
    "empty, no trailer": (b"0\r\n\r\n", b"", {}, None),
    "signed": (encode(b"x" * 9000, 8192, signed=True), b"x" * 9000, {}, None),
    "signed trailer": (encode(b"abc", 2, signed=True, trailers=(CRC + TSIG).encode()), b"abc",
                       {"x-amz-checksum-crc32": "y/Q5Jg=="}, "b" * 64),
    "signed trailer, no final CRLF": (encode(b"abc", 3, signed=True, trailers=(CRC + TSIG).encode(), end=b""),
                                      b"abc", {"x-amz-checksum-crc32": "y/Q5Jg=="}, "b" * 64),
    "signed, no final CRLF": (encode(b"abc", 3, signed=True, end=b""), b"abc", {}, None),
    "unsigned trailer, no final CRLF": (encode(b"abc", 3, trailers=CRC.encode(), end=b""), b"abc",
                                        {"x-amz-checksum-crc32": "y/Q5Jg=="}, None),
    "LF before CRLF (AWS docs example)": (b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32c:sOO8/Q==\n\r\n\r\n", b"abc",
                                          {"x-amz-checksum-crc32c": "sOO8/Q=="}, None),
    "upper-case hex and names": (b"A\r\n0123456789\r\n0\r\nX-Amz-Checksum-SHA1: abc= \r\n\r\n", b"0123456789",
                                 {"x-amz-checksum-sha1": "abc="}, None),
    "several trailers": (b"1\r\nz\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-meta-a:b\r\n\r\n", b"z",
                         {"x-amz-checksum-crc32": "AAAAAA==", "x-amz-meta-a": "b"}, None),
    "extra line breaks at the end": (b"1\r\nz\r\n0\r\n\r\n\r\n\n", b"z", {}, None),
    "chunk data holding CRLFs": (b"4\r\n\r\n\r\n\r\n0\r\n\r\n", b"\r\n\r\n", {}, None),
}


@pytest.mark.parametrize("pieces", PIECES)
@pytest.mark.parametrize("name", VALID)
def test_valid_bodies(name, pieces):
    body, payload, trailers, trailer_signature = VALID[name]
    data, decoder = decode(body, pieces, decoded_length=len(payload))
    assert data == payload
    assert decoder.trailers == trailers
    assert decoder.trailer_signature == trailer_signature


INVALID = {
    "empty body": b"",
    "truncated in data": b"5\r\nhel",
    "truncated after data": b"5\r\nhello",
    "truncated before final chunk": b"5\r\nhello\r\n",
    "truncated in header": b"5\r\nhello\r\n0",
    "truncated in trailer line": b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:y/Q5",
    "non-hex size": b"zz\r\nhello\r\n0\r\n\r\n",
    "0x size": b"0x5\r\nhello\r\n0\r\n\r\n",
    "signed size": b"+5\r\nhello\r\n0\r\n\r\n",
    "negative size": b"-5\r\nhello\r\n0\r\n\r\n",
    "space in size": b" 5\r\nhello\r\n0\r\n\r\n",
    "empty size": b"\r\nhello\r\n0\r\n\r\n",
    "size over 16 digits": b"00000000000000005\r\nhello\r\n0\r\n\r\n",
    "LF-only header": b"5\nhello\r\n0\r\n\r\n",
    "data longer than size": b"3\r\nhello\r\n0\r\n\r\n",
    "data shorter than size": b"7\r\nhello\r\n0\r\n\r\n",
    "no CRLF after data": b"5\r\nhelloXY0\r\n\r\n",
    "unknown extension": b"5;foo=bar\r\nhello\r\n0\r\n\r\n",
    "non-hex signature": b"5;chunk-signature=xyz\r\nhello\r\n0\r\n\r\n",
    "empty signature": b"5;chunk-signature=\r\nhello\r\n0\r\n\r\n",
    "trailer without colon": b"0\r\nx-amz-checksum-crc32\r\n\r\n",
    "trailer with empty name": b"0\r\n:abc\r\n\r\n",
    "trailer name with space": b"0\r\nx amz:abc\r\n\r\n",
    "non-ascii trailer value": "0\r\nx-amz-meta-a:é\r\n\r\n".encode(),
    "duplicate trailer": b"0\r\nx-a:1\r\nx-a:2\r\n\r\n",
    "trailer after trailer signature": f"0\r\n{TSIG}x-a:1\r\n\r\n".encode(),
    "garbage after the end": b"0\r\n\r\nX",
    "last LF replaced (versitygw#1660)": encode(b"hello", 5, trailers=CRC.encode(), end=b"\rX"),
    "garbage where trailers end": b"0\r\nx-a:1\r\nGARBAGE",
}


@pytest.mark.parametrize("pieces", [(1,), (3, 5), (1 << 20,)])
@pytest.mark.parametrize("name", INVALID)
def test_malformed_bodies_are_incomplete_body(name, pieces):
    with pytest.raises(S3Error) as caught:
        decode(INVALID[name], pieces)
    assert caught.value.code == "IncompleteBody"
    assert caught.value.status == 400


@pytest.mark.parametrize(
    "body, decoded_length, provided",
    [
        (b"5\r\nhello\r\n0\r\n\r\n", 4, 5),
        (b"5\r\nhello\r\n0\r\n\r\n", 6, 5),
        (b"0\r\n\r\n", 1, 0),
        (encode(b"x" * 100, 10), 99, 100),
    ],
)
def test_decoded_length_must_match(body, decoded_length, provided):
    """S3's answer, as AWS's body quoted in versity/versitygw#1684 (expected 3, provided 5)."""
    with pytest.raises(S3Error) as caught:
        decode(body, decoded_length=decoded_length)
    err = caught.value
    assert (err.code, err.status) == ("IncompleteBody", 400)
    assert err.message == ("You did not provide the number of bytes specified by the "
                           "Content-Length HTTP header")
    assert err.fields == {"NumberBytesExpected": str(decoded_length),
                          "NumberBytesProvided": str(provided)}


def test_a_chunk_past_decoded_length_fails_before_its_data_is_read():
    source = FakeSource(b"ffffff\r\n" + b"x" * (1 << 20), (4096,))
    with pytest.raises(S3Error):
        decode(b"", source=source, decoded_length=10)
    assert source.reads == 1


@pytest.mark.parametrize(
    "prefix, line_maker",
    [
        (b"", lambda i: b"1"),
        (b"5;chunk-signature=", lambda i: b"a"),
        (b"0\r\nx-amz-meta-a:", lambda i: b"b"),
        (b"0\r\n", lambda i: b"x-amz-meta-%d:%s\r\n" % (i, b"v" * 3000)),
        (b"0\r\n", lambda i: b"x-a-%d:v\r\n" % i),
        (b"0\r\n\r\n", lambda i: b"\r\n"),
    ],
    ids=["endless size", "endless signature", "endless trailer line", "huge trailers", "many trailers",
         "endless line breaks at the end"],
)
def test_buffering_is_bounded(prefix, line_maker):
    source = EndlessSource(prefix, line_maker)
    with pytest.raises(S3Error) as caught:
        decode(b"", source=source)
    assert caught.value.code == "IncompleteBody"
    assert source.total <= chunked.MAX_TRAILER_BYTES + chunked.MAX_LINE + EndlessSource.PIECE


def test_chunk_limit_applies_only_when_chunks_are_verified():
    size = chunked.MAX_VERIFIED_CHUNK + 1
    body = encode(b"\0" * size, size)
    assert decode(body)[0] == b"\0" * size
    with pytest.raises(S3Error):
        decode(body, on_chunk=lambda signature, data: None)


def test_on_chunk_sees_every_chunk_then_the_final_empty_one():
    seen = []
    body = encode(b"abcdefghij", 4, signed=True, trailers=(CRC + TSIG).encode())
    data, decoder = decode(body, (3,), on_chunk=lambda signature, chunk: seen.append((signature, chunk)))
    assert data == b"abcdefghij"
    assert seen == [(SIG, b"abcd"), (SIG, b"efgh"), (SIG, b"ij"), (SIG, b"")]
    assert decoder.trailer_signature == "b" * 64


def test_on_chunk_without_signatures_gets_none():
    seen = []
    decode(b"2\r\nab\r\n0\r\n\r\n", on_chunk=lambda signature, chunk: seen.append((signature, chunk)))
    assert seen == [(None, b"ab"), (None, b"")]


def test_a_chunk_is_yielded_only_after_on_chunk_accepts_it():
    def verify(signature, chunk):
        if chunk == b"bad!":
            raise S3Error("SignatureDoesNotMatch")

    decoder = AwsChunkedDecoder(FakeSource(encode(b"good" + b"bad!" + b"more", 4, signed=True)), on_chunk=verify)
    received = []

    async def run():
        async for piece in decoder:
            received.append(piece)

    with pytest.raises(S3Error) as caught:
        asyncio.run(run())
    assert caught.value.code == "SignatureDoesNotMatch"
    assert received == [b"good"]


def test_without_on_chunk_data_streams_in_large_pieces():
    payload = bytes(range(256)) * 16384
    source = FakeSource(encode(payload, len(payload)), (65536,))
    pieces = []

    async def run():
        async for piece in AwsChunkedDecoder(source):
            pieces.append(len(piece))

    asyncio.run(run())
    assert sum(pieces) == len(payload)
    assert len(pieces) <= source.reads
    assert min(pieces[1:-1]) == 65536


def test_a_decoder_runs_once():
    decoder = AwsChunkedDecoder(FakeSource(b"0\r\n\r\n"))

    async def run():
        return [piece async for piece in decoder]

    asyncio.run(run())
    with pytest.raises(RuntimeError):
        asyncio.run(run())


def _botocore_body(payload: bytes, algorithm: str) -> tuple[bytes, dict]:
    """Encode exactly as botocore does for PutObject with a trailing checksum."""
    request = {
        "headers": {},
        "body": payload,
        "context": {"checksum": {"request_algorithm": {
            "algorithm": algorithm, "in": "trailer", "name": f"x-amz-checksum-{algorithm}"}}},
    }
    httpchecksum._apply_request_trailer_checksum(request)
    assert isinstance(request["body"], httpchecksum.AwsChunkedWrapper)
    return request["body"].read(), request["headers"]


@pytest.mark.parametrize("algorithm", ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"])
@pytest.mark.parametrize("size", [0, 1, 1 << 20, (5 << 19) + 3])
def test_botocore_bodies_decode_to_payload_and_trailer(algorithm, size):
    payload = bytes(i % 251 for i in range(size))
    body, headers = _botocore_body(payload, algorithm)
    assert headers["Content-Encoding"] == "aws-chunked"
    name = headers["X-Amz-Trailer"]
    data, decoder = decode(body, (1, 8191, 65536), decoded_length=int(headers["X-Amz-Decoded-Content-Length"]))
    assert data == payload
    assert list(decoder.trailers) == [name]
    hasher = checksums.new(checksums.algorithm_of_header(name))
    hasher.update(payload)
    assert decoder.trailers[name] == checksums.encode(hasher.digest())
    assert decoder.trailer_signature is None


def test_botocore_wrapper_with_small_chunks():
    payload = b"The quick brown fox jumps over the lazy dog" * 500
    body = httpchecksum.AwsChunkedWrapper(
        io.BytesIO(payload), checksum_cls=httpchecksum.CrtCrc32Checksum,
        checksum_name="x-amz-checksum-crc32", chunk_size=1000,
    ).read()
    data, decoder = decode(body, (1,))
    assert data == payload
    assert decoder.trailers["x-amz-checksum-crc32"] == checksums.encode(checksums.combine(
        "CRC32", b"\0" * 4, _crc32(payload), len(payload)))


def _crc32(data: bytes) -> bytes:
    hasher = checksums.new("CRC32")
    hasher.update(data)
    return hasher.digest()


@settings(max_examples=150, deadline=None)
@given(
    payload=st.binary(max_size=3000),
    chunk=st.integers(min_value=1, max_value=700),
    pieces=st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=6),
    signed=st.booleans(),
    trailer=st.sampled_from([b"", CRC.encode(), (CRC + TSIG).encode()]),
)
def test_round_trip(payload, chunk, pieces, signed, trailer):
    data, decoder = decode(encode(payload, chunk, signed=signed, trailers=trailer), tuple(pieces),
                           decoded_length=len(payload))
    assert data == payload
    assert ("x-amz-checksum-crc32" in decoder.trailers) == bool(trailer)


@settings(max_examples=150, deadline=None)
@given(payload=st.binary(min_size=1, max_size=500), chunk=st.integers(min_value=1, max_value=100),
       cut=st.data())
def test_any_truncation_is_an_error(payload, chunk, cut):
    body = encode(payload, chunk, trailers=CRC.encode())
    end = cut.draw(st.integers(min_value=0, max_value=len(body) - len(CRC) - 3))
    with pytest.raises(S3Error):
        decode(body[:end], (7,))
