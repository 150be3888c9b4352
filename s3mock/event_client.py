"""A client for a server's event notifications (GET /_s3mock/events?format=json), for tests: it
sees what was published after it was made, and wait() returns the first message that matches.
Standard library only (botocore, when given keys, to sign for strict mode); no server code."""

from __future__ import annotations

import json
import time
import urllib.parse
import urllib.request

PAGE = 1000             # the server's page size (event_stream.PAGE)
POLL = 0.1              # seconds between looks while waiting
LAST_SEQ = "X-S3mock-Last-Seq"


class EventTimeout(AssertionError):
    """No published message matched within the time allowed; the message names what came."""


def _name(event: str | None) -> str:
    return (event or "").removeprefix("s3:")


def _matches(entry: dict, event_name: str | None, key: str | None, bucket: str | None,
             destination: str | None) -> bool:
    if event_name is not None:
        want, got = _name(event_name), _name(entry["event"])
        if not (got.startswith(want[:-1]) if want.endswith("*") else got == want):
            return False
    return ((key is None or entry["key"] == key) and (bucket is None or entry["bucket"] == bucket)
            and (destination is None or entry["destination"] == destination))


class EventLog:
    """Messages the server published since this object was made, in order (all destinations), or
    after seq `after` (0: every message the outbox holds). `access_key`/`secret_key`: sign the
    requests (strict mode lets the default user only)."""

    def __init__(self, endpoint: str, access_key: str | None = None, secret_key: str | None = None,
                 region: str = "us-east-1", timeout: float = 10.0, *, after: int | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.keys = (access_key, secret_key) if access_key and secret_key else None
        self.region = region
        self.http_timeout = timeout
        self.entries: list[dict] = []       # what arrived so far: seq, event, bucket, key, message...
        self._taken: set[int] = set()       # seqs wait() returned already
        self._after = self._page(0, 1)[1] if after is None else after    # default: from now

    def _page(self, after: int, limit: int = PAGE) -> tuple[list[dict], int]:
        """(the messages after `after`, the newest seq)."""
        query = {"format": "json", "after": str(after), "limit": str(limit)}
        url = f"{self.endpoint}/_s3mock/events?{urllib.parse.urlencode(query)}"
        headers = {"Accept": "application/json"}
        if self.keys is not None:
            from botocore.auth import S3SigV4Auth
            from botocore.awsrequest import AWSRequest
            from botocore.credentials import Credentials
            signed = AWSRequest(method="GET", url=url, headers=headers)
            S3SigV4Auth(Credentials(*self.keys), "s3", self.region).add_auth(signed)
            headers = dict(signed.headers.items())
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        with opener.open(urllib.request.Request(url, headers=headers),
                         timeout=self.http_timeout) as resp:
            return json.loads(resp.read()), int(resp.headers[LAST_SEQ])

    def poll(self) -> list[dict]:
        """Fetch what was published since the last look; returns the new entries."""
        new: list[dict] = []
        while True:
            items, _ = self._page(self._after)
            new += items
            if items:
                self._after = items[-1]["seq"]
            if len(items) < PAGE:
                break
        self.entries += new
        return new

    def wait(self, event_name: str | None = None, key: str | None = None,
             bucket: str | None = None, timeout: float = 10.0, *,
             destination: str | None = None) -> dict:
        """The first message published since this log was made that matches (event_name such as
        "ObjectCreated:Put", "ObjectCreated:*" or "s3:TestEvent"; the key itself, not encoded)
        and that no earlier wait() returned. Waits up to `timeout` seconds, then raises
        EventTimeout naming what arrived instead."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            for item in self.entries:
                if item["seq"] not in self._taken and _matches(item, event_name, key, bucket,
                                                               destination):
                    self._taken.add(item["seq"])
                    return item["message"]
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL)
        wanted = ", ".join(f"{n}={v!r}" for n, v in (("event_name", event_name), ("key", key),
                           ("bucket", bucket), ("destination", destination)) if v is not None)
        arrived = [f"{e['event']} {e['bucket']}/{e['key'] or ''}" for e in self.entries[-20:]]
        raise EventTimeout(f"no event matching {wanted or 'anything'} within {timeout:g} s; "
                           f"arrived: {arrived or 'nothing'}")
