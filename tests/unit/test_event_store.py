"""The event outbox's table (storage/events.py) on a temp dir: seqs never reused, one process's
lease keeps a message from the others until it ends, leases void at start, stream-only messages
settled, delivered ones pruned past the bound and undelivered ones never."""

from __future__ import annotations

import pytest

from s3mock import listing_entry
from s3mock.storage import events as events_module
from s3mock.storage.sqlite_fs import SqliteStore

JOBS, AUDIT = "arn:aws:sqs:us-east-1:1:jobs", "arn:aws:sns:us-east-1:1:audit"


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "data", listing_entry.render)
    yield s
    s.close()


def test_messages_keep_their_order_and_seqs_are_never_reused(store, tmp_path):
    assert store.last_event_seq() == 0
    assert store.add_events([(JOBS, '{"a":1}'), (AUDIT, '{"b":2}')], 100.0) == [1, 2]
    assert store.events_after(0, 10) == [(1, 100.0, JOBS, '{"a":1}'), (2, 100.0, AUDIT, '{"b":2}')]
    assert store.events_after(1, 10) == [(2, 100.0, AUDIT, '{"b":2}')]
    store.db.execute("DELETE FROM events")
    assert store.add_events([(JOBS, "{}")], 101.0) == [3]
    again = SqliteStore(tmp_path / "data", listing_entry.render)
    assert again.last_event_seq() == 3
    again.close()


def test_a_lease_keeps_a_message_from_other_processes_until_it_ends(store, tmp_path):
    other = SqliteStore(tmp_path / "data", listing_entry.render)     # a second worker
    try:
        store.add_events([(JOBS, "{}"), (JOBS, "{}"), (AUDIT, "{}")], 10.0)
        assert store.claim_events([JOBS], 10.0, 30.0, 1) == [(1, JOBS, "{}", 0)]
        assert other.claim_events([JOBS], 20.0, 30.0, 10) == [(2, JOBS, "{}", 0)]
        assert other.claim_events([JOBS], 39.0, 30.0, 10) == []        # both leased
        assert other.claim_events([JOBS], 40.0, 30.0, 10) == [(1, JOBS, "{}", 0)]  # 1's expired
        other.defer_event(1, 45.0, attempted=True)
        other.event_delivered(2, 41.0)
        assert store.next_event_due([JOBS]) == 45.0
        assert store.claim_events([JOBS], 44.0, 30.0, 10) == []        # not due yet
        assert store.claim_events([JOBS], 45.0, 30.0, 10) == [(1, JOBS, "{}", 1)]
        assert store.event_delivery([1, 2, 3]) == {1: (1, None), 2: (1, 41.0), 3: (0, None)}
        store.recover()             # start-up: nobody holds a lease any more
        assert other.claim_events([JOBS], 46.0, 30.0, 10) == [(1, JOBS, "{}", 1)]
    finally:
        other.close()


def test_messages_without_a_webhook_are_settled(store):
    store.add_events([(JOBS, "{}"), (AUDIT, "{}")], 10.0)
    assert store.settle_events([JOBS], 11.0) == 1
    assert store.event_delivery([1, 2]) == {1: (0, None), 2: (0, 11.0)}
    assert store.settle_events([], 12.0) == 1        # no webhooks at all
    assert store.claim_events([], 12.0, 30.0, 10) == []


def test_delivered_messages_are_pruned_past_the_bound_and_undelivered_ones_never(store, monkeypatch):
    monkeypatch.setattr(events_module, "EVENTS_KEPT", 3)
    store.add_events([(JOBS, "{}")] * 8, 10.0)
    for seq in (1, 3, 4, 5, 6, 7, 8):
        store.event_delivered(seq, 11.0)       # 2 is still waiting for its webhook
    assert store.prune_events() == 4           # 1, 3, 4, 5: more than 3 behind seq 8
    assert [row[0] for row in store.events_after(0, 100)] == [2, 6, 7, 8]
