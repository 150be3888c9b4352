"""scripts/bench_load.py, the benchmark's load generator: it parses answers as HTTP/1.1 frames
them, and counts what the server answered wrongly, late or not at all as errors."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import bench_load  # noqa: E402


def test_parse_waits_for_a_whole_answer_then_takes_exactly_its_bytes():
    answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"x\"\r\n\r\nhello"
    for cut in range(len(answer)):
        assert bench_load.parse(bytearray(answer[:cut]), False) is None
    response, used = bench_load.parse(bytearray(answer + b"HTTP/1.1 404"), False)
    assert used == len(answer)
    assert response == (200, {"content-length": "5", "etag": '"x"'}, b"hello")


def test_parse_reads_no_body_after_head_and_chunked_bodies_with_trailers():
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n"
    assert bench_load.parse(bytearray(head), True) == ((200, {"content-length": "4096"}, b""), len(head))
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n")
    assert bench_load.parse(bytearray(chunked), False) is None
    response, used = bench_load.parse(bytearray(chunked + b"\r\n"), False)
    assert response.body == b"abcde" and used == len(chunked) + 2
    trailer = chunked + b"X-Checksum: 1\r\n\r\n"
    assert bench_load.parse(bytearray(trailer), False)[1] == len(trailer)


@pytest.mark.parametrize("answer", [b"HTTP/1.1 abc OK\r\n\r\n", b"garbage\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nContent-Length: " + b"9" * 12 + b"\r\n\r\n",
                                    b"HTTP/1.1 200 OK\r\nX: " + b"y" * bench_load.MAX_HEAD])
def test_parse_refuses_malformed_answers(answer):
    with pytest.raises(ValueError):
        bench_load.parse(bytearray(answer), False)


async def test_run_sends_each_request_once_and_counts_wrong_late_and_dropped_answers(aiohttp_server):
    seen: list[str] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        seen.append(name)
        body = await request.read()
        if name == "slow":
            await asyncio.sleep(3)
        if name == "drop":
            request.transport.close()
        if name == "close":
            return web.Response(body=body, headers={"Connection": "close"})
        return web.Response(body=body, status=404 if name == "missing" else 200)

    app = web.Application()
    app.router.add_route("*", "/{name}", handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    names = ["ok", "close", "ok", "missing", "drop", "ok", "slow"] + [f"n{i}" for i in range(50)]
    requests = [bench_load.build("PUT", f"/{n}", f"127.0.0.1:{server.port}", {"X-Test": "1"},
                                 n.encode()) for n in names]

    secs, latencies, errors = await bench_load.run(
        "127.0.0.1", server.port, requests, 4,
        lambda r: r.status == 200 and r.body in {n.encode() for n in names}, timeout=1.0)
    assert sorted(seen) == sorted(names)
    assert len(latencies) == len(names)
    assert errors == 3                      # missing (404), drop (no answer), slow (timed out)
    assert 1.0 < secs < 3.0
