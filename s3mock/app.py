"""make_app(settings): the request's steps (handle), the store's lifetime, and the response signal."""

from __future__ import annotations

import base64
import logging
import os
import time

from aiohttp import web

from s3mock import cors_http, xml
from s3mock.auth import sigv4
from s3mock.auth.authenticate import Request as AuthRequest, authenticate
from s3mock.auth.identity import ANONYMOUS, Principal
from s3mock.config import Settings
from s3mock.errors import S3Error
from s3mock.handlers import Ctx, load_all
from s3mock.handlers.access import authorize
from s3mock.handlers.admin import ADMIN, STARTED_AT
from s3mock.operations import Op, Resolved, query_names, resolve
from s3mock.storage.sqlite_fs import SqliteStore

log = logging.getLogger("s3mock")

SETTINGS = web.AppKey("settings", Settings)
USERS = web.AppKey("users", dict)
STORE = web.AppKey("store", SqliteStore)
REQUEST_ID = web.RequestKey("request_id", str)
ROUTE = web.RequestKey("route", Resolved)
PRINCIPAL = web.RequestKey("principal", Principal)
CHUNK_VERIFIER = web.RequestKey("chunk_verifier", sigv4.ChunkVerifier)
CORS_CACHE = web.AppKey("cors_cache", cors_http.RulesCache)
CORS_HEADERS = web.RequestKey("cors_headers", dict)
CORS_LOG = web.RequestKey("cors_log", str)      # for the access log: none, refused, rule:N

HANDLERS = load_all()
ADMIN_PREFIX = "/_s3mock/"
# Close a connection idle (or stalled inside a request head) this long; aiohttp's default is an hour.
IDLE_TIMEOUT = 75.0


def _is_admin(request: web.Request) -> bool:
    """/_s3mock/... tooling, and the exact health paths other tools poll (admin.ADMIN)."""
    return request.path.startswith(ADMIN_PREFIX) or (request.method, request.path) in ADMIN


def _resource(request: web.Request) -> str:
    return request.raw_path.split("?", 1)[0]


async def handle(request: web.Request) -> web.StreamResponse:
    """Every request takes these steps in order, as plain calls (aiohttp middlewares would cost a
    coroutine and a wrapper each):
    1. errors  any S3Error or unexpected exception becomes S3's XML error response
    2. route   the S3 operation, bucket and key (none for tooling paths)
    3. cors    preflights are answered here, before auth; others keep the matched rule's headers
    4. auth    who is asking
    then dispatch: authorize and run the operation's handler."""
    request[REQUEST_ID] = os.urandom(8).hex().upper()
    try:
        resolved = route(request)
        if resolved is not None:
            answer = cors(request, resolved)
            if answer is not None:
                return answer
        auth(request, resolved)
        return await dispatch(request, resolved)
    except S3Error as err:
        response = error_response(request, err)
        if err.code == "RequestTimeout" and request.transport is not None:
            # The client stalled its body: answer, then drop the connection rather than linger.
            await response.prepare(request)
            await response.write_eof()
            request.transport.close()
        return response
    except web.HTTPException:
        raise
    except ConnectionResetError:
        raise
    except Exception:
        log.exception("internal error on %s %s", request.method, request.path)
        return error_response(request, S3Error("InternalError"))


def error_response(request: web.Request, err: S3Error) -> web.Response:
    headers = dict(err.headers)
    if err.status == 304 or request.method == "HEAD":
        resp = web.Response(status=err.status, headers=headers)
    else:
        body = xml.render_error(err, _resource(request), request[REQUEST_ID], _host_id(request))
        resp = web.Response(status=err.status, body=body, headers=headers, content_type="application/xml")
    if headers.get("Connection") == "close":
        resp.force_close()
    if request.can_read_body and not request.content.is_eof():
        # The body was refused unread (perhaps without 100 Continue): do not reuse the connection.
        resp.force_close()
    return resp


def _host_id(request: web.Request) -> str:
    return base64.b64encode(request[REQUEST_ID].encode() * 4).decode()


def route(request: web.Request) -> Resolved | None:
    """2. Resolve the S3 operation, bucket and key (path or virtual-host style). Tooling paths get
    no route: later steps recognise them by its absence."""
    if _is_admin(request):
        return None
    raw_path = request.raw_path
    resolved = request[ROUTE] = resolve(request.method, request.host, raw_path,
                                        query_names(raw_path.partition("?")[2]), request.headers,
                                        request.app[SETTINGS].domain)
    return resolved


def cors(request: web.Request, resolved: Resolved) -> web.Response | None:
    """3. A preflight's answer (raises its refusal); for other requests, keep the matched rule's
    headers for on_prepare, so streamed and error responses carry them too (spec A5)."""
    cache = request.app[CORS_CACHE]
    if resolved.op is Op.Preflight:
        decision, response = cors_http.preflight(request, cache, resolved.bucket, resolved.key)
        request[CORS_LOG] = "refused" if response is None else f"rule:{decision.rule}"
        if response is None:
            assert decision.error is not None
            if decision.error.code == "BadRequest":
                decision.error.headers["Connection"] = "close"
            raise decision.error
        return response
    decision = cors_http.actual(request, cache, resolved.bucket)
    if decision is not None:
        request[CORS_LOG] = f"rule:{decision.rule}" if decision.allowed else "none"
        if decision.allowed:
            request[CORS_HEADERS] = decision.headers
    return None


def auth(request: web.Request, resolved: Resolved | None) -> None:
    """4. Who is asking: SigV4/SigV2 header, presigned query, or anonymous."""
    if resolved is None:
        request[PRINCIPAL] = ANONYMOUS
        return
    settings = request.app[SETTINGS]
    path, _, query = request.raw_path.partition("?")
    result = authenticate(
        AuthRequest(request.method, path, query, request.headers, request.host, resolved.bucket,
                    resolved.virtual_host),
        request.app[USERS], settings.owner, strict=settings.auth == "strict", now=time.time())
    request[PRINCIPAL] = result.principal
    if result.chunks is not None:
        request[CHUNK_VERIFIER] = result.chunks


async def dispatch(request: web.Request, resolved: Resolved | None) -> web.StreamResponse:
    """The handler of the operation the route step found."""
    if resolved is None:
        admin = ADMIN.get((request.method, request.path))
        if admin is None:
            raise S3Error("NotImplemented")
        app = request.app
        return await admin(request, app[SETTINGS], app[STORE], app[CORS_CACHE])
    handler = HANDLERS.get(resolved.op)
    if handler is None:
        raise S3Error("NotImplemented")
    ctx = Ctx(request, request.app[SETTINGS], request.app[STORE], resolved.op, resolved.bucket,
              resolved.key, request[PRINCIPAL], request[REQUEST_ID],
              chunk_verifier=request.get(CHUNK_VERIFIER), params=resolved.params)
    authorize(ctx, resolved.perm)
    return await handler(ctx)


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Headers every response carries, streamed and error responses included."""
    rid = request.get(REQUEST_ID)
    if rid:
        response.headers["x-amz-request-id"] = rid
        response.headers["x-amz-id-2"] = _host_id(request)
    response.headers["Server"] = "AmazonS3"
    cors_headers = request.get(CORS_HEADERS)
    if cors_headers:
        response.headers.update(cors_headers)


async def _no_expect(request: web.Request) -> None:
    """100 Continue is sent by the handler once the request is accepted (handlers/body.py)."""
    return None


def make_app(settings: Settings, store: SqliteStore | None = None,
             recover: bool = True) -> web.Application:
    """`recover`: clean up after a crash at start; the CLI does it once, before any worker starts."""
    app = web.Application(
        client_max_size=1024**2,
        # auto_decompress off: a body sent with Content-Encoding: gzip is stored as sent.
        handler_args={"max_field_size": 64 * 1024, "max_line_size": 64 * 1024,
                      "auto_decompress": False, "keepalive_timeout": IDLE_TIMEOUT},
    )
    app[SETTINGS] = settings
    app[STARTED_AT] = time.time()
    app[USERS] = {u.access_key: u for u in settings.all_users}

    async def store_lifetime(app: web.Application):
        own = store is None
        app[STORE] = store if store is not None else SqliteStore(settings.data_dir)
        if own and recover:
            app[STORE].recover()
        app[CORS_CACHE] = cors_http.RulesCache(app[STORE])
        yield
        if own:
            app[STORE].close()

    app.cleanup_ctx.append(store_lifetime)
    app.on_response_prepare.append(on_prepare)
    # (?s): a key may hold a newline (%0A), which `.` alone would not match (aiohttp 404).
    app.router.add_route("*", "/{tail:(?s:.*)}", handle, expect_handler=_no_expect)
    return app
