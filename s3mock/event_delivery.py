"""Webhook delivery of the event outbox: one background task per server process POSTs each
message to its destination's URL (Settings.webhooks), at least once, retrying with exponential
backoff. The task never runs on a request's path: publish() only wakes it. Several processes
(--workers) share the work through leases on the rows (storage/events.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import AsyncIterator, Mapping

import aiohttp

from s3mock import event_outbox
from s3mock.storage.base import Store

log = logging.getLogger("s3mock.events")

TIMEOUT = 10.0          # one POST, connection included; longer counts as a failure
BACKOFF_FIRST = 0.5     # the first retry after this many seconds, doubling each time,
BACKOFF_MAX = 30.0      # never more than this apart; delivery never gives up
POLL = 1.0              # how often to look for work other processes published or left due
BATCH = 10              # messages claimed at once
# A claimed message is this process's for this long: long enough to post a whole batch one by
# one at the slowest, so no other worker posts it again meanwhile. If the process dies, the
# lease runs out (or the next start voids it) and another delivers the message.
LEASE = BATCH * TIMEOUT + 10.0


def backoff(attempts: int) -> float:
    """Seconds before the next attempt, after `attempts` failed ones (1, 2, ...)."""
    return min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** min(attempts - 1, 16))


class Deliverer:
    def __init__(self, store: Store, webhooks: Mapping[str, str]):
        self.store = store
        self.webhooks = dict(webhooks)
        self.destinations = tuple(self.webhooks)
        self.published = event_outbox.published(store)
        self.stop = asyncio.Event()

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT),
                                         trust_env=False) as session:
            while not self.stop.is_set():
                try:
                    more = await self.round(session)
                    idle = None if more else self._idle()
                except Exception:       # the database busy or failing: try again later
                    log.exception("event delivery failed; retrying")
                    more, idle = False, POLL
                if not more:
                    await self.published.wait(idle, self.stop)

    def _idle(self) -> float | None:
        """How long to wait for publish() before looking again: until the next message falls
        due, at most POLL (another process may publish); without webhooks, only publish()."""
        if not self.destinations:
            return None
        due = self.store.next_event_due(self.destinations)
        return POLL if due is None else max(0.0, min(POLL, due - time.time()))

    async def round(self, session: aiohttp.ClientSession) -> bool:
        """Settle stream-only messages, deliver what is due; prune the history. True when a
        full batch was claimed (more may be waiting)."""
        now = time.time()
        settled = self.store.settle_events(self.destinations, now)
        due = self.store.next_event_due(self.destinations)
        claimed = ([] if due is None or due > now else
                   self.store.claim_events(self.destinations, now, LEASE, BATCH))
        by_destination: dict[str, list[tuple[int, str, int]]] = {}
        for seq, dest, message, attempts in claimed:
            by_destination.setdefault(dest, []).append((seq, message, attempts))
        await asyncio.gather(*(self._deliver(session, dest, items)
                               for dest, items in by_destination.items()))
        if settled or claimed:
            self.store.prune_events()
        return len(claimed) == BATCH

    async def _deliver(self, session: aiohttp.ClientSession, dest: str,
                       items: list[tuple[int, str, int]]) -> None:
        """One destination's messages in seq order. After a failure the rest wait with the
        failed one (a down webhook gets one attempt per backoff period, not one per message)."""
        url = self.webhooks[dest]
        retry_at = None
        for seq, message, attempts in items:
            if retry_at is not None:
                self.store.defer_event(seq, retry_at, attempted=False)
                continue
            problem = await _post(session, url, message)
            if problem is None:
                self.store.event_delivered(seq, time.time())
                continue
            retry_at = time.time() + backoff(attempts + 1)
            log.warning("event %d to %s: %s; attempt %d, next in %.1f s", seq, url, problem,
                        attempts + 1, retry_at - time.time())
            self.store.defer_event(seq, retry_at, attempted=True)


async def _post(session: aiohttp.ClientSession, url: str, message: str) -> str | None:
    """None when the webhook answered 2xx; else what went wrong."""
    try:
        async with session.post(url, data=message.encode(), allow_redirects=False,
                                headers={"Content-Type": "application/json"}) as resp:
            await resp.read()
            return None if 200 <= resp.status < 300 else f"HTTP {resp.status}"
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as e:
        return str(e) or type(e).__name__


@contextlib.asynccontextmanager
async def delivering(store: Store, webhooks: Mapping[str, str]) -> AsyncIterator[Deliverer]:
    """Deliver in the background while the block runs (the app's lifetime). A message being
    posted when it ends keeps its lease and is retried once the lease runs out, or at once after
    a restart (recover() voids leases): at-least-once."""
    deliverer = Deliverer(store, webhooks)
    task = asyncio.create_task(deliverer.run(), name="s3mock-event-delivery")
    try:
        yield deliverer
    finally:
        deliverer.stop.set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
