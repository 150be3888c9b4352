"""CORS on the wire: the parsed-rules cache, the preflight response, the decision for actual
requests, and the explain endpoint. The rules themselves are evaluated by cors.py."""

from __future__ import annotations

import logging
from typing import Mapping, NamedTuple

from aiohttp import hdrs, web
from multidict import CIMultiDict, CIMultiDictProxy

from s3mock import cors
from s3mock.storage.base import Store

log = logging.getLogger("s3mock.cors")


class Answer(NamedTuple):
    """What an actual or allowed preflight request gets: the rule that matched (None: none did)
    and the headers it adds. Immutable, so one answer can be remembered and shared."""
    rule: int | None
    headers: Mapping[str, str]


NO_MATCH = Answer(None, CIMultiDictProxy(CIMultiDict()))


MAX_ANSWERS = 1024      # per bucket; forgotten all at once past this many


class _Entry:
    """One bucket's parsed rules and the answers given from them. Browsers repeat the same few
    requests (one origin, the same preflight before every upload), and matching scans the rules
    in order, so answers are remembered here, per request headers: they go when the rules do."""
    __slots__ = ("stamp", "rules", "answers")

    def __init__(self, stamp: tuple[float, int], rules: tuple[cors.Rule, ...] | None) -> None:
        self.stamp = stamp
        self.rules = rules
        self.answers: dict[tuple, Answer] = {}

    def remember(self, key: tuple, answer: Answer) -> Answer:
        if len(self.answers) >= MAX_ANSWERS:
            self.answers.clear()
        self.answers[key] = answer
        return answer


def _answer(decision: cors.Decision) -> Answer:
    if not decision.allowed:
        return NO_MATCH
    # A CIMultiDictProxy: read-only, and what aiohttp copies fastest into a response's headers.
    return Answer(decision.rule, CIMultiDictProxy(CIMultiDict(decision.headers)))


class RulesCache:
    """Parsed rules per bucket, keyed by the row's (created, version): the store's bucket rows are
    current for every worker process (storage/generation.py), so a change made by any of them is
    seen by every other on its next request. Each entry also keeps the answers given from its
    rules (_Entry)."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: dict[str, _Entry] = {}

    def entry(self, bucket: str) -> _Entry | None:
        """The bucket's rules and answers, current with its row; None: no such bucket."""
        raw = self.store.get_bucket(bucket)
        if raw is None:
            self._cache.pop(bucket, None)
            return None
        stamp = (raw.created, raw.version)
        hit = self._cache.get(bucket)
        if hit is not None and hit.stamp == stamp:
            return hit
        entry = self._cache[bucket] = _Entry(stamp, cors.parse(raw.cors) if raw.cors else None)
        return entry

    def lookup(self, bucket: str) -> tuple[bool, tuple[cors.Rule, ...] | None]:
        """(bucket exists, its rules or None)."""
        entry = self.entry(bucket)
        return (False, None) if entry is None else (True, entry.rules)


def explain_lines(bucket: str | None, decision: cors.Decision) -> str:
    parts = [f"rule {c.index}{f' ({c.id})' if c.id else ''}: {c.reason()}" for c in decision.checks]
    return f"CORS preflight refused for bucket {bucket}: {decision.reason}" + (
        "; " + "; ".join(parts) if parts else "")


def preflight(request: web.Request, cache: RulesCache, bucket: str | None,
              key: str | None) -> Answer:
    """An allowed OPTIONS request's answer; raises the refusal (logged with its explanation)."""
    h = request.headers
    origin, acrm, acrh = h.get(hdrs.ORIGIN), h.get(hdrs.ACCESS_CONTROL_REQUEST_METHOD), h.get(
        hdrs.ACCESS_CONTROL_REQUEST_HEADERS)
    entry = cache.entry(bucket) if bucket else None
    if entry is not None:
        hit = entry.answers.get(("OPTIONS", origin, acrm, acrh))
        if hit is not None:
            return hit
    decision = cors.preflight(entry.rules if entry else None, bucket, entry is not None,
                              key is not None, origin, acrm, acrh)
    if not decision.allowed:        # refusals carry an error to raise: made afresh each time
        log.info(explain_lines(bucket, decision))
        assert decision.error is not None
        if decision.error.code == "BadRequest":
            decision.error.headers["Connection"] = "close"
        raise decision.error
    assert entry is not None
    return entry.remember(("OPTIONS", origin, acrm, acrh), _answer(decision))


def actual(request: web.Request, cache: RulesCache, bucket: str | None) -> Answer | None:
    """The answer to a non-OPTIONS request; None when CORS does not apply at all (A1, A6)."""
    h = request.headers
    origin = h.get(hdrs.ORIGIN)
    if origin is None or bucket is None:
        return None
    entry = cache.entry(bucket)
    if entry is None:
        return None
    method, acrm, acrh = request.method, h.get(hdrs.ACCESS_CONTROL_REQUEST_METHOD), h.get(
        hdrs.ACCESS_CONTROL_REQUEST_HEADERS)
    hit = entry.answers.get((method, origin, acrm, acrh))
    if hit is not None:
        return hit
    return entry.remember((method, origin, acrm, acrh),
                          _answer(cors.actual(entry.rules, origin, method, acrm, acrh)))


def explain(cache: RulesCache, query) -> dict:
    """/_s3mock/cors/explain?bucket=&origin=&method=&headers=[&key=] as JSON-ready data."""
    bucket = query.get("bucket") or None
    key = query.get("key") or None
    exists, rules = cache.lookup(bucket) if bucket else (False, None)
    decision = cors.preflight(rules, bucket, exists, key is not None, query.get("origin"),
                              query.get("method"), query.get("headers"))
    out: dict = {
        "bucket": bucket,
        "decision": "allowed" if decision.allowed else "refused",
        "reason": decision.reason,
        "matched_rule": decision.rule,
        "rules": [{"index": c.index, "id": c.id, "origin": c.origin, "method": c.method,
                   "denied_headers": c.denied_headers, "result": c.reason()}
                  for c in decision.checks],
        "headers": decision.headers,
    }
    if decision.error is not None:
        out["error"] = {"status": decision.error.status, "code": decision.error.code,
                        "message": decision.error.message}
    return out
