"""The event outbox's table in SqliteStore: messages appended durably, claimed under a lease by
one process's deliverer, then marked delivered or deferred; read in order by the event stream;
delivered ones pruned past a bounded history. A mixin of SqliteStore; no aiohttp, no HTTP."""

from __future__ import annotations

import sqlite3
from typing import Collection, Sequence

# Delivered messages kept for the event stream (GET /_s3mock/events): those whose seq is more than
# this far behind the newest are deleted. Messages not yet delivered are never deleted.
EVENTS_KEPT = 10_000

def _marks(values: Collection[str]) -> str:
    return ",".join("?" * len(values))


class Events:
    db: sqlite3.Connection

    def add_events(self, messages: Sequence[tuple[str, str]], now: float) -> list[int]:
        """Append (destination, message JSON) pairs in one commit; their seqs, in order. Seqs are
        never reused (AUTOINCREMENT), so a stream reader's position stays valid across pruning."""
        with self._write():     # type: ignore[attr-defined]
            return [self.db.execute("INSERT INTO events(time, destination, message, next_attempt) "
                                    "VALUES (?, ?, ?, ?) RETURNING seq",
                                    (now, dest, message, now)).fetchone()[0]
                    for dest, message in messages]

    def events_after(self, after: int, limit: int) -> list[tuple[int, float, str, str]]:
        """(seq, time, destination ARN, message JSON) of the messages after `after`, in order."""
        return self.db.execute("SELECT seq, time, destination, message FROM events WHERE seq > ? "
                               "ORDER BY seq LIMIT ?", (after, limit)).fetchall()

    def last_event_seq(self) -> int:
        """The newest message's seq (0 when none was ever published)."""
        return self.db.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()[0]

    def event_delivery(self, seqs: Collection[int]) -> dict[int, tuple[int, float | None]]:
        """(attempts, delivered time or None) of these messages."""
        rows = self.db.execute(f"SELECT seq, attempts, delivered FROM events WHERE seq IN "
                               f"({_marks(seqs)})", tuple(seqs)) if seqs else ()
        return {seq: (attempts, delivered) for seq, attempts, delivered in rows}

    def settle_events(self, destinations: Collection[str], now: float) -> int:
        """Messages to destinations not in `destinations` (no webhook: the stream only) count as
        delivered. Returns how many. Reads before it writes: usually there are none."""
        marks = _marks(destinations)
        if not self.db.execute(f"SELECT 1 FROM events WHERE delivered IS NULL AND destination NOT "
                               f"IN ({marks}) LIMIT 1", tuple(destinations)).fetchone():
            return 0
        with self._write():     # type: ignore[attr-defined]
            return self.db.execute(f"UPDATE events SET delivered=? WHERE delivered IS NULL AND "
                                   f"destination NOT IN ({marks})",
                                   (now, *destinations)).rowcount

    def claim_events(self, destinations: Collection[str], now: float, lease: float,
                     limit: int) -> list[tuple[int, str, str, int]]:
        """Lease (until now + lease) up to `limit` of the oldest messages due for delivery to
        `destinations` that no live lease holds: (seq, destination, message, attempts), in seq
        order. One transaction: of several processes, one gets each message."""
        if not destinations:
            return []
        with self._write():     # type: ignore[attr-defined]
            rows = self.db.execute(
                f"UPDATE events SET lease_until=? WHERE seq IN (SELECT seq FROM events WHERE "
                f"delivered IS NULL AND next_attempt <= ? AND lease_until <= ? AND destination IN "
                f"({_marks(destinations)}) ORDER BY seq LIMIT ?) "
                f"RETURNING seq, destination, message, attempts",
                (now + lease, now, now, *destinations, limit)).fetchall()
        return sorted(rows)

    def event_delivered(self, seq: int, now: float) -> None:
        with self._write():     # type: ignore[attr-defined]
            self.db.execute("UPDATE events SET delivered=?, attempts=attempts+1, lease_until=0 "
                            "WHERE seq=?", (now, seq))

    def defer_event(self, seq: int, next_attempt: float, attempted: bool) -> None:
        """Give the lease back; the next attempt not before next_attempt (`attempted`: this one
        counts)."""
        with self._write():     # type: ignore[attr-defined]
            self.db.execute("UPDATE events SET attempts=attempts+?, next_attempt=?, lease_until=0 "
                            "WHERE seq=?", (int(attempted), next_attempt, seq))

    def next_event_due(self, destinations: Collection[str]) -> float | None:
        """When the earliest undelivered message to `destinations` may next be claimed."""
        if not destinations:
            return None
        return self.db.execute(f"SELECT MIN(MAX(next_attempt, lease_until)) FROM events WHERE "
                               f"delivered IS NULL AND destination IN ({_marks(destinations)})",
                               tuple(destinations)).fetchone()[0]

    def release_event_leases(self) -> None:
        """No process uses the data dir (start-up): leases a killed process held are void."""
        with self._write():     # type: ignore[attr-defined]
            self.db.execute("UPDATE events SET lease_until=0 WHERE delivered IS NULL AND lease_until > 0")

    def prune_events(self) -> int:
        """Delete delivered messages more than EVENTS_KEPT seqs behind the newest. Returns how
        many."""
        with self._write():     # type: ignore[attr-defined]
            return self.db.execute("DELETE FROM events WHERE delivered IS NOT NULL AND seq <= "
                                   "(SELECT MAX(seq) FROM events) - ?", (EVENTS_KEPT,)).rowcount
