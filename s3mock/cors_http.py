"""CORS on the wire: the parsed-rules cache, the preflight response, the decision for actual
requests, and the explain endpoint. The rules themselves are evaluated by cors.py."""

from __future__ import annotations

import logging

from aiohttp import web

from s3mock import cors
from s3mock.storage.base import Store

log = logging.getLogger("s3mock.cors")


class RulesCache:
    """Parsed rules per bucket, keyed by the row's (created, version): the store's bucket rows are
    current for every worker process (storage/generation.py), so a change made by any of them is
    seen by every other on its next request."""

    def __init__(self, store: Store):
        self.store = store
        self._cache: dict[str, tuple[tuple[float, int], tuple[cors.Rule, ...] | None]] = {}

    def lookup(self, bucket: str) -> tuple[bool, tuple[cors.Rule, ...] | None]:
        """(bucket exists, its rules or None)."""
        raw = self.store.get_bucket(bucket)
        if raw is None:
            self._cache.pop(bucket, None)
            return False, None
        stamp = (raw.created, raw.version)
        hit = self._cache.get(bucket)
        if hit is not None and hit[0] == stamp:
            return True, hit[1]
        rules = cors.parse(raw.cors) if raw.cors else None
        self._cache[bucket] = (stamp, rules)
        return True, rules


def explain_lines(bucket: str | None, decision: cors.Decision) -> str:
    parts = [f"rule {c.index}{f' ({c.id})' if c.id else ''}: {c.reason()}" for c in decision.checks]
    return f"CORS preflight refused for bucket {bucket}: {decision.reason}" + (
        "; " + "; ".join(parts) if parts else "")


def preflight(request: web.Request, cache: RulesCache, bucket: str | None, key: str | None) -> tuple[cors.Decision, web.Response | None]:
    """The decision for an OPTIONS request; a 200 response when allowed, None when refused."""
    h = request.headers
    exists, rules = cache.lookup(bucket) if bucket else (False, None)
    decision = cors.preflight(rules, bucket, exists, key is not None, h.get("Origin"),
                              h.get("Access-Control-Request-Method"),
                              h.get("Access-Control-Request-Headers"))
    if not decision.allowed:
        log.info(explain_lines(bucket, decision))
        return decision, None
    return decision, web.Response(status=200, headers=decision.headers)


def actual(request: web.Request, cache: RulesCache, bucket: str | None) -> cors.Decision | None:
    """The decision for a non-OPTIONS request; None when CORS does not apply at all (A1, A6)."""
    h = request.headers
    origin = h.get("Origin")
    if origin is None or bucket is None:
        return None
    exists, rules = cache.lookup(bucket)
    if not exists:
        return None
    return cors.actual(rules, origin, request.method, h.get("Access-Control-Request-Method"),
                       h.get("Access-Control-Request-Headers"))


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
