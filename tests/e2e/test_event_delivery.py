"""Event notifications' delivery (#24): messages published to the outbox reach their webhook
(retried until it answers 2xx, never lost across a restart or a SIGKILL, each once under
--workers 2) and the event stream GET /_s3mock/events (server-sent events, resumable). Messages
are published as the handlers do, with event_outbox.publish(): in the in-process server's event
loop, or, for a server in another process, into its data directory by a second store."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import requests

import s3mock
from s3mock import event_outbox, listing_entry
from s3mock.app import STORE
from s3mock.testing import EventTimeout
from s3mock.storage.sqlite_fs import SqliteStore
from support import start_server
from webhook_receiver import Receiver, free_port

JOBS = "arn:aws:sqs:us-east-1:123456789012:jobs"
AUDIT = "arn:aws:sns:us-east-1:123456789012:audit"      # no webhook: the stream only
TIMEOUT = 30


def record(key: str, name: str = "ObjectCreated:Put", bucket: str = "photos") -> dict:
    """A message as S3 shapes one (the fields delivery and the stream read)."""
    return {"Records": [{"eventVersion": "2.1", "eventSource": "aws:s3", "eventName": name,
                         "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}


def publish(server, messages: list[tuple[str, dict]]) -> None:
    """publish() on the in-process server's loop, as a handler calls it."""
    async def run() -> None:
        event_outbox.publish(server._runner.app[STORE], messages)
    asyncio.run_coroutine_threadsafe(run(), server._loop).result(10)


def publish_to(data_dir, messages: list[tuple[str, dict]]) -> None:
    """publish() from this process into a server's data directory (committed on return)."""
    store = SqliteStore(data_dir, listing_entry.render)
    try:
        event_outbox.publish(store, messages)
    finally:
        store.close()


def page(endpoint: str, after: int = 0) -> list[dict]:
    resp = requests.get(f"{endpoint}/_s3mock/events", params={"format": "json", "after": after},
                        timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def wait_page(endpoint: str, done, timeout: float = TIMEOUT) -> list[dict]:
    """The JSON page once done(items) holds (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        items = page(endpoint)
        if done(items) or time.monotonic() > deadline:
            assert done(items), items
            return items
        time.sleep(0.05)


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def test_each_message_is_posted_to_its_webhook_as_json_in_order(receiver):
    with s3mock.running(webhooks={JOBS: receiver.url}) as server:
        messages = [(JOBS, record(f"k{i}")) for i in range(5)] + [(AUDIT, record("audit"))]
        publish(server, messages[:2])
        publish(server, messages[2:])
        assert receiver.wait_for(5) == [m for _, m in messages[:5]]
        assert receiver.content_types == ["application/json"] * 5
        items = wait_page(server.endpoint, lambda items: all(i["delivered"] for i in items))
    assert [(i["destination"], i["key"], i["attempts"]) for i in items] == [
        *((JOBS, f"k{i}", 1) for i in range(5)), (AUDIT, "audit", 0)]    # AUDIT: stream only
    assert receiver.attempts == receiver.received     # nothing posted twice, nothing to AUDIT


def test_a_refused_attempt_is_retried_until_the_webhook_accepts():
    receiver = Receiver(fail_first=3).start()
    try:
        with s3mock.running(webhooks={JOBS: receiver.url}) as server:
            publish(server, [(JOBS, record("retried"))])
            assert receiver.wait_for(1) == [record("retried")]
            assert receiver.attempts == [record("retried")] * 4     # three 500s, then 200
            (item,) = wait_page(server.endpoint, lambda items: items[0]["delivered"])
            assert item["attempts"] == 4
    finally:
        receiver.stop()


def test_messages_wait_for_a_webhook_that_is_down_then_comes_up():
    port = free_port()
    receiver = Receiver(port=port)
    with s3mock.running(webhooks={JOBS: receiver.url}) as server:
        messages = [(JOBS, record(f"queued/{i}")) for i in range(3)]
        publish(server, messages)
        wait_page(server.endpoint, lambda items: items[0]["attempts"] >= 1)    # refused once
        assert not any(i["delivered"] for i in page(server.endpoint))
        receiver.start()
        try:
            assert receiver.wait_for(3) == [m for _, m in messages]       # in order, once each
            assert receiver.attempts == receiver.received
        finally:
            receiver.stop()


def test_a_slow_webhook_never_holds_up_requests(receiver):
    receiver.hold()         # the webhook takes the POST and does not answer
    with s3mock.running(webhooks={JOBS: receiver.url}) as server:
        publish(server, [(JOBS, record("first"))])
        receiver.wait_for(1, attempts=True)
        s3 = server.client()
        s3.create_bucket(Bucket="busy")
        s3.put_object(Bucket="busy", Key="k", Body=b"still served")
        assert s3.get_object(Bucket="busy", Key="k")["Body"].read() == b"still served"
        publish(server, [(JOBS, record("second"))])     # returns while delivery is stuck
        assert receiver.received == []
        receiver.release()
        assert receiver.wait_for(2) == [record("first"), record("second")]


def sse_events(resp: requests.Response):
    """(id, event, data) of each server-sent event in a streamed response."""
    fields: dict[str, str] = {}
    for line in resp.iter_lines(decode_unicode=True):
        if line == "":
            if "data" in fields:
                yield int(fields["id"]), fields["event"], json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def test_the_stream_sends_every_message_then_live_ones_and_resumes_from_last_event_id():
    with s3mock.running() as server:
        publish(server, [(JOBS, record("a b+c")), (AUDIT, record("gone", "ObjectRemoved:Delete"))])
        url = f"{server.endpoint}/_s3mock/events"
        with requests.get(url, stream=True, timeout=10) as resp:
            assert resp.status_code == 200
            assert resp.headers["Content-Type"] == "text/event-stream"
            events = sse_events(resp)
            first, second = next(events), next(events)
            assert first == (1, "ObjectCreated:Put", {
                "seq": 1, "time": first[2]["time"], "destination": JOBS, "event": "ObjectCreated:Put",
                "bucket": "photos", "key": "a b c", "message": record("a b+c")})   # key decoded
            assert second[:2] == (2, "ObjectRemoved:Delete")
            assert (second[2]["destination"], second[2]["key"]) == (AUDIT, "gone")
            publish(server, [(JOBS, record("live"))])           # after the stream caught up
            third = next(events)
            assert (third[0], third[2]["key"]) == (3, "live")
        publish(server, [(JOBS, {"Service": "Amazon S3", "Event": "s3:TestEvent",
                                 "Bucket": "photos"})])
        with requests.get(url, stream=True, timeout=10, headers={"Last-Event-ID": "2"}) as resp:
            events = sse_events(resp)
            assert [next(events)[:2] for _ in range(2)] == [(3, "ObjectCreated:Put"), (4, "s3:TestEvent")]
        with requests.get(url, params={"after": "3"}, stream=True, timeout=10) as resp:
            seq, name, data = next(sse_events(resp))
            assert (seq, name, data["bucket"], data["key"]) == (4, "s3:TestEvent", "photos", None)


def test_an_open_stream_ends_when_the_server_stops():
    with s3mock.running() as server:
        resp = requests.get(f"{server.endpoint}/_s3mock/events", stream=True, timeout=30)
        lines = resp.iter_lines(decode_unicode=True)
        assert next(lines) == ": s3mock events"
    assert list(lines) == [""]      # the chunked body ended cleanly, not cut off
    resp.close()


def test_the_fixture_client_waits_for_a_matching_message():
    with s3mock.running() as server:
        publish(server, [(JOBS, record("before"))])
        events = server.events()        # sees only what comes next
        publish(server, [(JOBS, record("photos/cat 1.jpg")), (JOBS, record("x", "ObjectRemoved:Delete")),
                         (JOBS, record("photos/cat 1.jpg"))])
        assert events.wait("ObjectCreated:*", key="photos/cat 1.jpg") == record("photos/cat 1.jpg")
        assert events.wait("s3:ObjectRemoved:Delete", bucket="photos") == record("x", "ObjectRemoved:Delete")
        assert events.wait(key="photos/cat 1.jpg") == record("photos/cat 1.jpg")   # the next one
        with pytest.raises(EventTimeout) as err:
            events.wait("ObjectCreated:Put", key="before", timeout=0.2)
        assert str(err.value) == (
            "no event matching event_name='ObjectCreated:Put', key='before' within 0.2 s; arrived: "
            "['ObjectCreated:Put photos/photos/cat 1.jpg', 'ObjectRemoved:Delete photos/x', "
            "'ObjectCreated:Put photos/photos/cat 1.jpg']")


@pytest.mark.parametrize("how", ["TERM", "KILL"])
def test_messages_survive_a_restart_until_delivered(tmp_path, how):
    port = free_port()
    receiver = Receiver(port=port)
    hook = ("--webhook", f"{JOBS}={receiver.url}")
    srv = start_server(tmp_path, *hook)
    try:
        messages = [(JOBS, record(f"durable/{i}")) for i in range(3)]
        publish_to(tmp_path, messages)          # acknowledged: committed
        wait_page(srv.endpoint, lambda items: len(items) == 3 and items[0]["attempts"] >= 1)
    finally:
        srv.stop(how)
    receiver.start()
    srv = start_server(tmp_path, *hook)
    try:
        assert receiver.wait_for(3) == [m for _, m in messages]
        wait_page(srv.endpoint, lambda items: all(i["delivered"] for i in items))
    finally:
        srv.stop()
        receiver.stop()


def test_a_message_whose_post_was_cut_off_by_sigkill_is_posted_again(tmp_path, receiver):
    """At least once: the killed process never learned the answer, so the next start posts the
    message again (its lease dies with the process)."""
    receiver.hold()
    hook = ("--webhook", f"{JOBS}={receiver.url}")
    srv = start_server(tmp_path, *hook)
    try:
        publish_to(tmp_path, [(JOBS, record("in-flight"))])
        receiver.wait_for(1, attempts=True)         # the POST is under way, unanswered
    finally:
        srv.stop("KILL")
    receiver.release()
    srv = start_server(tmp_path, *hook)
    try:
        assert receiver.wait_for(2) == [record("in-flight")] * 2
        (item,) = wait_page(srv.endpoint, lambda items: items[0]["delivered"])
        assert item["attempts"] == 1        # the first attempt was never recorded
    finally:
        srv.stop()


def test_two_workers_deliver_every_message_once(tmp_path, receiver):
    srv = start_server(tmp_path, "--workers", "2", "--webhook", f"{JOBS}={receiver.url}")
    try:
        keys = [f"w/{i}" for i in range(120)]
        for start in range(0, len(keys), 10):
            publish_to(tmp_path, [(JOBS, record(k)) for k in keys[start:start + 10]])
        got = receiver.wait_for(len(keys))
        wait_page(srv.endpoint, lambda items: len(items) == len(keys) and all(i["delivered"] for i in items))
    finally:
        srv.stop()
    assert sorted(m["Records"][0]["s3"]["object"]["key"] for m in got) == sorted(keys)
    assert len(receiver.attempts) == len(keys)      # one worker leased each: none posted twice
