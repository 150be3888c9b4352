"""A webhook for event-delivery tests: an aiohttp server on 127.0.0.1 in its own thread that
records each POST; it can refuse the first attempts (500), or hold requests until released."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time

from aiohttp import web


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver:
    def __init__(self, port: int = 0, fail_first: int = 0):
        self.port = port
        self.fail_first = fail_first
        self.attempts: list[dict] = []      # every POST's JSON body, refused ones too
        self.received: list[dict] = []      # bodies answered 200
        self.content_types: list[str] = []
        self.held: asyncio.Event | None = None     # set: requests wait for release()
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _hook(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        self.attempts.append(body)
        self.content_types.append(request.headers.get("Content-Type", ""))
        if self.held is not None:
            await self.held.wait()
        if len(self.attempts) <= self.fail_first:
            return web.Response(status=500, text="not yet")
        self.received.append(body)
        return web.Response(status=200)

    def hold(self) -> None:
        self.held = asyncio.Event()

    def release(self) -> None:
        held = self.held
        if held is not None:
            self._loop.call_soon_threadsafe(held.set)

    def start(self) -> "Receiver":
        async def run() -> int:
            app = web.Application()
            app.router.add_post("/hook", self._hook)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True).start()
            return self._runner.addresses[0][1]
        self._thread.start()
        self.port = asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)
        return self

    def stop(self) -> None:
        self.release()
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def wait_for(self, count: int, timeout: float = 30.0, attempts: bool = False) -> list[dict]:
        """Bounded wait until `count` bodies were received (or attempted)."""
        seen = self.attempts if attempts else self.received
        deadline = time.monotonic() + timeout
        while len(seen) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(seen) >= count, f"{len(seen)} of {count} arrived: {seen}"
        return list(seen)
