"""Slow clients against the in-process app: a connection that stalls is closed (bounded), with
the idle and body timeouts shortened for the test (75 s and 60 s in production)."""

from __future__ import annotations

import asyncio

import pytest

from s3mock import app as app_module
from s3mock.request import body as body_module
from s3mock.app import make_app
from s3mock.config import Settings

AUTH = ("Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0\r\nx-amz-date: 20250101T000000Z\r\n")


@pytest.fixture
async def short_idle_server(aiohttp_server, tmp_path, monkeypatch):
    monkeypatch.setattr(app_module, "IDLE_TIMEOUT", 0.5)
    monkeypatch.setattr(body_module, "BODY_TIMEOUT", 0.5)
    return await aiohttp_server(make_app(Settings(data_dir=tmp_path)))


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sends until it closes; fails if it is still open after `seconds`."""
    return await asyncio.wait_for(reader.read(), seconds)


async def test_stalled_request_head_is_closed(short_idle_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", short_idle_server.port)
    writer.write(b"GET / HTTP/1.1\r\nHost: a\r\nX-Partial: ")        # and never the rest
    await writer.drain()
    data = await _closed_within(reader, 10)
    assert not data.startswith(b"HTTP/1.1 2")
    writer.close()


async def test_idle_connection_is_closed(short_idle_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", short_idle_server.port)
    assert await _closed_within(reader, 10) == b""
    writer.close()


async def test_stalled_body_is_timed_out(short_idle_server):
    reader, writer = await asyncio.open_connection("127.0.0.1", short_idle_server.port)
    writer.write(b"PUT /b-stall HTTP/1.1\r\nHost: a\r\n" + AUTH.encode() + b"Content-Length: 0\r\n\r\n")
    await writer.drain()
    writer.write(b"PUT /b-stall/k HTTP/1.1\r\nHost: a\r\n" + AUTH.encode()
                 + b"Content-Length: 100\r\n\r\n0123456789")              # 90 bytes never come
    await writer.drain()
    try:
        data = await _closed_within(reader, 5)
    finally:
        writer.close()          # so the stalled handler sees EOF and the test server can stop
    assert b"RequestTimeout" in data
