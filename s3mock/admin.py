"""Tooling under /_s3mock/ (never S3 operations): health, reset, the CORS and access explainers, the
request log; and the health paths that testcontainers' LocalStack and MinIO wait strategies poll."""

from __future__ import annotations

import time

from aiohttp import web

from s3mock import access_explain, console, cors_http, event_stream, faults_http, request_log, seed
from s3mock.auth.authenticate import Request as AuthRequest, authenticate
from s3mock.request.access import authorize_tooling
from s3mock.request.exchange import EXCHANGE
from s3mock.version import __version__

STARTED_AT = web.AppKey("started_at", float)     # set by make_app: the uptime's origin


async def health(request: web.Request, settings, store, cache) -> web.Response:
    store.get_bucket("")        # the database answers (raises, so 500, when it does not)
    return web.json_response({"status": "ok", "version": __version__,
                              "uptime": round(time.time() - request.app[STARTED_AT], 3),
                              "data_dir": str(settings.data_dir)})


async def localstack_health(request: web.Request, settings, store, cache) -> web.Response:
    """LocalStack's shape (GET /_localstack/health): scripts wait for `"s3": "running"`."""
    return web.json_response({"services": {"s3": "running"}, "edition": "community",
                              "version": __version__})


async def minio_live(request: web.Request, settings, store, cache) -> web.Response:
    """MinIO's liveness probe (GET /minio/health/live): 200 with an empty body."""
    return web.Response(status=200)


def _require_owner(request: web.Request, settings) -> None:
    """Strict mode: the request must be signed (SigV4 or SigV2), by the default user; lenient
    mode lets anyone use the tooling."""
    if settings.auth != "strict":
        return
    ex = request[EXCHANGE]                  # the path and query the route step split off
    result = authenticate(AuthRequest(request.method, ex.path or "", ex.query, request.headers,
                                      request.host, None, False),
                          settings.users_by_key, settings.owner, strict=True, now=time.time())
    ex.principal = result.principal         # for the access log
    authorize_tooling(result.principal, settings.owner)


async def reset(request: web.Request, settings, store, cache) -> web.Response:
    """POST /_s3mock/reset: empty every bucket (objects and multipart uploads); the buckets and
    their configuration stay. `?delete-buckets`: also delete the buckets that are not seed
    buckets and restore the seed buckets' configuration. Strict mode: signed by the owner."""
    _require_owner(request, settings)
    result = seed.reset(store, settings, delete_buckets="delete-buckets" in request.query)
    return web.json_response({"status": "ok", **result})


async def cors_explain(request: web.Request, settings, store, cache) -> web.Response:
    return web.json_response(cors_http.explain(cache, request.query))


async def access_explain_handler(request: web.Request, settings, store, cache) -> web.Response:
    """GET /_s3mock/access/explain (access_explain.py). Strict mode: signed by the default user,
    as it tells who may do what."""
    _require_owner(request, settings)
    status, answer = access_explain.explain(settings, store, request.query)
    return web.json_response(answer, status=status)


async def requests_page(request: web.Request, settings, store, cache) -> web.Response:
    """GET /_s3mock/requests?after=<seq>&limit=<n>: this worker's latest requests (request_log.py).
    Strict mode: signed by the default user, as they show who did what."""
    _require_owner(request, settings)
    q = request.query
    try:
        after = request_log.parse_int(q, "after", 0, 0, 2**63)
        limit = request_log.parse_int(q, "limit", request_log.LIMIT, 1, request_log.SIZE)
    except ValueError as e:
        return web.json_response({"error": str(e)}, status=400)
    return web.json_response(request.app[request_log.REQUEST_LOG].page(after, limit))


async def request_detail(request: web.Request, settings, store, cache) -> web.Response:
    """GET /_s3mock/requests/<seq>: one request's headers (signatures redacted) and error body."""
    _require_owner(request, settings)
    raw = (request[EXCHANGE].path or "")[len(REQUESTS_PREFIX) + 1:]
    found = (request.app[request_log.REQUEST_LOG].find(int(raw))
             if raw.isascii() and raw.isdigit() and len(raw) <= 19 else None)
    if found is None:
        return web.json_response({"error": "no such request in this worker's log (it keeps the "
                                           f"last {request_log.SIZE})"}, status=404)
    return web.json_response(request_log.detail(found))


async def events(request: web.Request, settings, store, cache) -> web.StreamResponse:
    """GET /_s3mock/events: the event notifications published (event_stream.py). Strict mode:
    signed by the default user, as they show every bucket's changes."""
    _require_owner(request, settings)
    return await event_stream.serve(request, store)


async def faults_page(request: web.Request, settings, store, cache) -> web.Response:
    """/_s3mock/faults[/<id>] (faults_http.endpoint). Strict mode: signed by the default user."""
    _require_owner(request, settings)
    return await faults_http.endpoint(request, request.app[faults_http.FAULTS],
                                      request[EXCHANGE].path or "")


REQUESTS_PREFIX = "/_s3mock/requests"      # /<seq>

ADMIN = {
    ("GET", "/_s3mock/health"): health,
    ("HEAD", "/_s3mock/health"): health,
    ("POST", "/_s3mock/reset"): reset,
    ("GET", "/_s3mock/cors/explain"): cors_explain,
    ("GET", "/_s3mock/access/explain"): access_explain_handler,
    ("GET", "/_s3mock/requests"): requests_page,
    ("GET", "/_s3mock/events"): events,
    ("GET", "/_localstack/health"): localstack_health,
    ("HEAD", "/_localstack/health"): localstack_health,
    ("GET", "/minio/health/live"): minio_live,
    ("HEAD", "/minio/health/live"): minio_live,
}

# Tooling answered for a path and everything under it (PREFIX, PREFIX/...; any method: the handler
# decides), looked up only when no exact pair above matches.
ADMIN_PREFIXES: tuple[tuple[str, object], ...] = (
    (console.PREFIX, console.serve),
    (REQUESTS_PREFIX, request_detail),
    (faults_http.FAULTS_PATH, faults_page),
)


def tooling(method: str, path: str):
    """The handler of a tooling path: an exact (method, path) pair, else a prefix route; or None."""
    handler = ADMIN.get((method, path))
    if handler is None:
        for prefix, candidate in ADMIN_PREFIXES:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return candidate
    return handler
