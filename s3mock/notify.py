"""Events: emit() is what a handler calls once its write has committed. It finds the bucket's
notification rules the event matches and publishes S3's message for each to the outbox
(event_outbox.py), which delivers them. A bucket without a configuration costs one dictionary
look-up. The configuration is notification.py's, the messages event_records.py's."""

from __future__ import annotations

import threading
import time
import weakref

from s3mock import event_outbox, event_records, notification
from s3mock.request.ctx import Ctx
from s3mock.request.ids import host_id
from s3mock.storage.base import Bucket, Store

KIND = "notification"       # the bucket document's kind (store.set_bucket_document)
MAX_CACHED = 1024
# Only ObjectCreated and ObjectRemoved events carry a sequencer ("only used with PUTs and
# DELETEs", notification-content-structure.html; recorded tagging and ACL events have none).
SEQUENCED = ("ObjectCreated:", "ObjectRemoved:")


class Configs:
    """Parsed configurations per bucket, keyed by the bucket row's (created, version) as
    website_http.Sites keeps website configurations: a change by any worker moves the row's
    version. A bucket without one is cached as None."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[tuple[float, int], notification.Config | None]] = {}

    def lookup(self, row: Bucket) -> notification.Config | None:
        stamp = (row.created, row.version)
        hit = self._cache.get(row.name)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        doc = self.store.get_bucket_document(row.name, KIND)
        config = notification.parse(doc) if doc else None
        if config is not None and config.empty:
            config = None
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[row.name] = (stamp, config)
        return config


_CONFIGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_last_ns = 0


# The store last asked about (weakly) and its Configs: a process serves one store, and looking it
# up in _CONFIGS (a Python method) on every write would cost more than the rest of emit() when the
# bucket has no configuration.
_last: tuple = (lambda: None, None)


def configs(store: Store) -> Configs:
    global _last
    ref, found = _last
    if ref() is store:
        return found
    found = _CONFIGS.get(store)
    if found is None:
        found = _CONFIGS[store] = Configs(store)
    _last = (weakref.ref(store), found)
    return found


def sequencer() -> str:
    """A hex string that grows with every event of this process (S3's sequencer: of two events
    on a key, the greater value is the later; fixed width, so strings compare as numbers)."""
    global _last_ns
    with _lock:
        _last_ns = max(time.time_ns(), _last_ns + 1)
        return f"{_last_ns:018X}"


def principal_id(ctx: Ctx) -> str:
    """Who made the request: the user's canonical id (each s3mock user is an account of its
    own, and S3 names an account's own requests by its customer id), else "Anonymous" (AWS's
    value for an anonymous request was not found recorded)."""
    user = ctx.principal.user
    return user.canonical_id if user is not None else "Anonymous"


def emit(ctx: Ctx, event_name: str, key: str, *, size: int | None = None,
         etag: str | None = None, version_id: str | None = None,
         bucket: Bucket | None = None) -> None:
    """Publish event_name ("ObjectCreated:Put", without "s3:") of key in the request's bucket
    to every destination whose rule matches. `bucket`: the row the handler holds, if any."""
    row = bucket if bucket is not None else ctx.store.get_bucket(ctx.bucket or "")
    if row is None:
        return
    config = configs(ctx.store).lookup(row)
    if config is None:
        return
    rules = config.match(event_name, key)
    if not rules and not config.eventbridge:
        return
    now = time.time()
    seq = sequencer() if event_name.startswith(SEQUENCED) else None
    version = version_id if row.versioning is not None else None
    source_ip = ctx.request.remote or ""
    messages: list[tuple[str, dict]] = []
    for rule in rules:
        rec = event_records.record(
            event_name=event_name, region=row.region, now=now, principal_id=principal_id(ctx),
            source_ip=source_ip, request_id=ctx.request_id, host_id=host_id(ctx.request_id),
            config_id=rule.id, bucket=row.name, owner_id=row.owner, key=key, size=size,
            etag=etag, version_id=version, sequencer=seq)
        messages.append((rule.arn, {"Records": [rec]}))
    if config.eventbridge:
        user = ctx.principal.user
        account = ctx.settings.users_by_id[row.owner].account_id \
            if row.owner in ctx.settings.users_by_id else "000000000000"
        event = event_records.bridge_event(
            event_name=event_name, region=row.region, account=account, now=now,
            requester=user.account_id if user is not None else "Anonymous", source_ip=source_ip,
            request_id=ctx.request_id, bucket=row.name, key=key, size=size, etag=etag,
            version_id=version, sequencer=seq)
        if event is not None:
            messages.append((f"arn:aws:events:{row.region}:{account}:event-bus/default", event))
    if messages:
        publish(ctx.store, messages)


def publish(store: Store, messages: list[tuple[str, dict]]) -> None:
    """Into the outbox, committed before the request is answered (event_outbox.publish)."""
    event_outbox.publish(store, messages)
