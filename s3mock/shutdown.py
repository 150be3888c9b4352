"""Stopping a running server: stop accepting, let the requests in flight finish, then close."""

from __future__ import annotations

import asyncio

from aiohttp import web

SHUTDOWN_TIMEOUT = 10.0     # SIGTERM/SIGINT: in-flight requests get this long to finish,
SHUTDOWN_GRACE = 2.0        # then this long to notice their cancellation
# Set when the server starts to stop: long-lived responses (the event stream) end then, instead
# of holding the drain below for its whole timeout.
STOPPING = web.AppKey("stopping", asyncio.Event)


async def drain(runner: web.AppRunner, timeout: float) -> None:
    """Stop accepting connections, let the requests in flight finish (bounded), then close
    everything (the store last, in the app's cleanup_ctx)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    for site in list(runner.sites):
        await site.stop()
    if runner.app is not None and STOPPING in runner.app:
        runner.app[STOPPING].set()
    # aiohttp's own shutdown (runner.cleanup) stops reading every connection at once, so the rest
    # of an upload still arriving would be lost (aio-libs/aiohttp#2298): wait for those first.
    server = runner.server
    while (server is not None and loop.time() < deadline
           and any(getattr(c, "_request_in_progress", False) for c in server.connections)):
        await asyncio.sleep(0.05)
    await runner.cleanup()
