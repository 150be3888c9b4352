"""Decoder for `Content-Encoding: aws-chunked` request bodies: SigV4 streaming, signed or not, with trailers.

Framing only: no aiohttp, no signature checks (on_chunk hands each chunk to the verifier).
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Protocol

from s3mock.errors import S3Error

READ_SIZE = 1 << 20
MAX_LINE = 4096
MAX_TRAILER_BYTES = 16 * 1024
MAX_TRAILERS = 32
MAX_VERIFIED_CHUNK = 16 << 20
TRAILER_SIGNATURE = "x-amz-trailer-signature"

# S3 answers any malformed aws-chunked body with IncompleteBody and this message (versity/versitygw#1666).
_TERMINATED = "The request body terminated unexpectedly"
# ... and chunks that do not add up to x-amz-decoded-content-length with this one and the two
# counts (AWS's body quoted in versity/versitygw#1684: expected 3, provided 5).
_MISMATCH = "You did not provide the number of bytes specified by the Content-Length HTTP header"
_SIZE = re.compile(rb"[0-9a-fA-F]{1,16}")
_SIGNATURE = re.compile(rb"[0-9a-fA-F*]+")
_NAME = re.compile(rb"[A-Za-z0-9-]+")


class Source(Protocol):
    async def read(self, n: int, /) -> bytes: ...


def _malformed(message: str = _TERMINATED) -> S3Error:
    return S3Error("IncompleteBody", message)


def _mismatch(expected: int, provided: int) -> S3Error:
    return S3Error("IncompleteBody", _MISMATCH, NumberBytesExpected=expected,
                   NumberBytesProvided=provided)


def _chunk_header(line: bytes) -> tuple[int, str | None]:
    """`<hex-size>\\r` or `<hex-size>;chunk-signature=<sig>\\r` -> (size, signature)."""
    if not line.endswith(b"\r"):
        raise _malformed()
    size, sep, extension = line[:-1].partition(b";")
    if not _SIZE.fullmatch(size):
        raise _malformed()
    if not sep:
        return int(size, 16), None
    key, _, signature = extension.partition(b"=")
    if key != b"chunk-signature" or not _SIGNATURE.fullmatch(signature):
        raise _malformed()
    return int(size, 16), signature.decode("ascii")


class AwsChunkedDecoder:
    """Async iterator of the decoded payload. The body is valid only once iteration ends without error;
    `trailers` (lower-cased names) and `trailer_signature` are set then."""

    def __init__(
        self,
        source: Source,
        *,
        decoded_length: int | None = None,
        on_chunk: Callable[[str | None, bytes], object] | None = None,
    ):
        self.trailers: dict[str, str] = {}
        self.trailer_signature: str | None = None
        self._source = source
        self._decoded_length = decoded_length
        self._on_chunk = on_chunk
        self._buf = b""
        self._pos = 0
        self._decoded = 0
        self._started = False

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.chunks()

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._started:
            raise RuntimeError("an AwsChunkedDecoder decodes its body once")
        self._started = True
        while True:
            line = await self._line()
            if line is None:
                raise _malformed()
            size, signature = _chunk_header(line)
            self._decoded += size
            if self._decoded_length is not None and self._decoded > self._decoded_length:
                raise _mismatch(self._decoded_length, self._decoded)
            if size == 0:
                break
            if self._on_chunk is None:
                async for piece in self._data(size):
                    yield piece
            else:
                if size > MAX_VERIFIED_CHUNK:
                    raise _malformed(f"aws-chunked chunks are limited to {MAX_VERIFIED_CHUNK} bytes")
                data = b"".join([piece async for piece in self._data(size)])
                self._on_chunk(signature, data)
                yield data
            await self._crlf()
        if self._on_chunk is not None:
            self._on_chunk(signature, b"")
        await self._read_trailers()
        if self._decoded_length is not None and self._decoded != self._decoded_length:
            raise _mismatch(self._decoded_length, self._decoded)

    async def _fill(self) -> bool:
        more = await self._source.read(READ_SIZE)
        if not more:
            return False
        self._buf = self._buf[self._pos:] + more
        self._pos = 0
        return True

    async def _line(self) -> bytes | None:
        """The next line up to (not including) its LF; None at end of body."""
        while True:
            end = self._buf.find(b"\n", self._pos, self._pos + MAX_LINE)
            if end >= 0:
                line = self._buf[self._pos:end]
                self._pos = end + 1
                return line
            if len(self._buf) - self._pos >= MAX_LINE:
                raise _malformed(f"aws-chunked lines are limited to {MAX_LINE} bytes")
            if not await self._fill():
                if self._pos == len(self._buf):
                    return None
                raise _malformed()

    async def _data(self, size: int) -> AsyncIterator[bytes]:
        remaining = size
        while remaining:
            if self._pos == len(self._buf) and not await self._fill():
                raise _malformed()
            end = min(len(self._buf), self._pos + remaining)
            piece = self._buf if self._pos == 0 and end == len(self._buf) else self._buf[self._pos:end]
            remaining -= end - self._pos
            self._pos = end
            yield piece

    async def _crlf(self) -> None:
        while len(self._buf) - self._pos < 2:
            if not await self._fill():
                raise _malformed()
        if self._buf[self._pos:self._pos + 2] != b"\r\n":
            raise _malformed()
        self._pos += 2

    async def _read_trailers(self) -> None:
        """`name:value` lines after the final chunk, up to a blank line (or the end of the body)."""
        size = 0
        while True:
            line = await self._line()
            if line is None:
                return
            size += len(line) + 1
            if size > MAX_TRAILER_BYTES:
                raise _malformed(f"aws-chunked trailers are limited to {MAX_TRAILER_BYTES} bytes")
            line = line.strip()
            if not line:
                break
            name, sep, value = line.partition(b":")
            if not sep or not _NAME.fullmatch(name) or self.trailer_signature is not None:
                raise _malformed()
            try:
                key, text = name.decode("ascii").lower(), value.strip().decode("ascii")
            except UnicodeDecodeError:
                raise _malformed() from None
            if key == TRAILER_SIGNATURE:
                self.trailer_signature = text
            elif key in self.trailers or len(self.trailers) >= MAX_TRAILERS:
                raise _malformed()
            else:
                self.trailers[key] = text
        await self._end()

    async def _end(self) -> None:
        """Only line breaks may follow the blank line that ends the trailers."""
        extra = 0
        while True:
            rest = self._buf[self._pos:]
            extra += len(rest)
            if rest.strip(b"\r\n") or extra > MAX_LINE:
                raise _malformed()
            self._pos = len(self._buf)
            if not await self._fill():
                return
