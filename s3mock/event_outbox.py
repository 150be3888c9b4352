"""The event outbox: publish() appends S3 event messages to the store's events table, durably,
and wakes this process's deliverer and streams; entry() is how the stream and the pytest client
show a stored message. No aiohttp, no network: delivery is event_delivery.py's, the stream
event_stream.py's."""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from typing import Sequence
from urllib.parse import unquote_plus

from s3mock.storage.base import Store


class Published:
    """Wakes what waits in this process for new messages of one store (its deliverer and its
    event streams): each waiter waits on the current asyncio.Event, replaced when it fires."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, timeout: float | None, *others: asyncio.Event) -> None:
        """Until the next fire(), one of `others` is set, or `timeout` seconds (None: no limit)."""
        waits = [asyncio.ensure_future(e.wait()) for e in (self._event, *others)]
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()


# One per store, made by the first publish() or waiter; gone with the store.
_PUBLISHED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def published(store: Store) -> Published:
    found = _PUBLISHED.get(store)
    if found is None:
        found = _PUBLISHED[store] = Published()
    return found


def publish(store: Store, messages: Sequence[tuple[str, dict]]) -> None:
    """Durably append each (destination_arn, message) to the outbox: committed to the database
    before it returns, so an event whose request was acknowledged survives a crash or restart.
    `message` is the JSON object S3 would deliver: {"Records": [record]} for an event, or the
    s3:TestEvent object. Never raises for delivery problems (delivery is asynchronous: it never
    blocks the request); wakes this worker's deliverer. Call it on the server's event loop."""
    if not messages:
        return
    store.add_events([(dest, json.dumps(message, separators=(",", ":")))
                      for dest, message in messages], time.time())
    found = _PUBLISHED.get(store)
    if found is not None:       # no deliverer or stream has waited on this store yet: none to wake
        found.fire()


def _is_bridge(message: dict) -> bool:
    """An EventBridge event (event_records.bridge_event): {"source": "aws.s3", "detail-type": ..}."""
    return message.get("source") == "aws.s3" and isinstance(message.get("detail"), dict)


def event_name(message: dict) -> str:
    """eventName of an event's record (ObjectCreated:Put, ...), s3:TestEvent, or an EventBridge
    event's detail-type (Object Created, ...): each message's own name for what happened."""
    records = message.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        return str(records[0].get("eventName", ""))
    if _is_bridge(message):
        return str(message.get("detail-type", ""))
    return str(message.get("Event", ""))


def _bucket_and_key(message: dict) -> tuple[str | None, str | None]:
    records = message.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        s3 = records[0].get("s3") or {}
        key = (s3.get("object") or {}).get("key")
        # S3 writes the key URL-encoded, spaces as '+': the stream shows the key itself
        return (s3.get("bucket") or {}).get("name"), None if key is None else unquote_plus(key)
    if _is_bridge(message):         # EventBridge events carry the key as it is
        detail = message["detail"]
        return (detail.get("bucket") or {}).get("name"), (detail.get("object") or {}).get("key")
    return message.get("Bucket"), None


def entry(row: tuple[int, float, str, str]) -> dict:
    """A stored message as the stream shows it (the SSE event's data, a JSON page's item)."""
    seq, when, destination, text = row
    message = json.loads(text)
    bucket, key = _bucket_and_key(message)
    return {"seq": seq, "time": when, "destination": destination, "event": event_name(message),
            "bucket": bucket, "key": key, "message": message}
