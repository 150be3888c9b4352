"""GET /_s3mock/events: every message the outbox holds (all destinations), in seq order, as
server-sent events from `?after=SEQ` or `Last-Event-ID`, then live; or, with `?format=json` or
`Accept: application/json`, one page as a JSON list. It reads the events table, so it shows what
every worker published. Strict mode's owner check is admin.py's."""

from __future__ import annotations

import json
import logging
import time

from aiohttp import web

from s3mock import event_outbox
from s3mock.shutdown import STOPPING
from s3mock.storage.base import Store

log = logging.getLogger("s3mock.events")

PAGE = 1000             # messages per JSON page, and per read of the table while streaming
POLL = 0.5              # how often a stream looks for messages other processes published
HEARTBEAT = 15.0        # an idle stream sends a comment this often (finds closed connections)
LAST_SEQ = "X-S3mock-Last-Seq"      # the newest seq, on JSON pages: where "from now" starts


def _int(text: str | None, name: str, low: int, high: int, default: int) -> int:
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or not low <= int(text) <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return int(text)


def _wants_json(request: web.Request) -> bool:
    fmt = request.query.get("format")
    if fmt is not None:
        if fmt not in ("json", "sse"):
            raise ValueError("format must be json or sse (server-sent events, the default)")
        return fmt == "json"
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/event-stream" not in accept


def sse(item: dict) -> bytes:
    """One server-sent event: id, event name, data (JSON on one line)."""
    data = json.dumps(item, separators=(",", ":"))
    return f"id: {item['seq']}\nevent: {item['event']}\ndata: {data}\n\n".encode()


async def serve(request: web.Request, store: Store) -> web.StreamResponse:
    q = request.query
    try:
        after = _int(q.get("after", request.headers.get("Last-Event-ID")), "after", 0, 2**63 - 1, 0)
        limit = _int(q.get("limit"), "limit", 1, PAGE, PAGE)
        as_json = _wants_json(request)
    except ValueError as e:
        return web.json_response({"error": str(e)}, status=400)
    if as_json:
        items = [event_outbox.entry(row) for row in store.events_after(after, limit)]
        # where delivery stands (a page, unlike the stream, is read after the fact): attempts
        # made, and whether it is done (delivered, or stream-only: no webhook, no attempt)
        states = store.event_delivery([item["seq"] for item in items])
        for item in items:
            attempts, delivered = states.get(item["seq"], (0, None))
            item["attempts"], item["delivered"] = attempts, delivered is not None
        return web.json_response(items, headers={LAST_SEQ: str(store.last_event_seq())})
    return await _stream(request, store, after)


async def _stream(request: web.Request, store: Store, after: int) -> web.StreamResponse:
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                       "Cache-Control": "no-cache"})
    await resp.prepare(request)
    published = event_outbox.published(store)
    stopping = request.app[STOPPING]
    quiet_since = time.monotonic()
    try:
        await resp.write(b": s3mock events\n\n")
        while not stopping.is_set() and not _closed(request):
            rows = store.events_after(after, PAGE)
            for row in rows:
                await resp.write(sse(event_outbox.entry(row)))
                after = row[0]
            if len(rows) == PAGE:
                continue
            if rows:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= HEARTBEAT:
                await resp.write(b": keep-alive\n\n")
                quiet_since = time.monotonic()
            await published.wait(POLL, stopping)
        if not _closed(request):
            await resp.write_eof()      # the server is stopping
    except ConnectionResetError:        # the reader went away
        pass
    except Exception:                   # the headers are sent: no error response can follow
        log.exception("event stream failed")
    return resp


def _closed(request: web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()
