"""make_app(settings): the request's steps (handle), the store's lifetime, and the response signal."""

from __future__ import annotations

import asyncio
import logging
import random
import time
import warnings

from aiohttp import hdrs, web
from aiohttp.web_urldispatcher import AbstractRoute, UrlMappingMatchInfo
from multidict import istr

from s3mock import cors_http, event_delivery, faults_http, listing_entry, website, website_http, xml
from s3mock.auth.authenticate import HeaderPrincipals, Request as AuthRequest, authenticate
from s3mock.auth.identity import ANONYMOUS
from s3mock.config import Settings
from s3mock.errors import S3Error
from s3mock.handlers import load_all
from s3mock.request.exchange import EXCHANGE, Exchange
from s3mock.request.ids import host_id as _host_id
from s3mock.request.ctx import Ctx
from s3mock.request.access import authorize
from s3mock.admin import ADMIN, STARTED_AT, tooling
from s3mock.operations import Op, Resolved, query_names, resolve, split_absolute
from s3mock.request_log import REQUEST_LOG, RequestLog
from s3mock.shutdown import STOPPING
from s3mock.storage.sqlite_fs import SqliteStore

log = logging.getLogger("s3mock")

STORE = web.AppKey("store", SqliteStore)



HANDLERS = load_all()
ADMIN_PREFIX = "/_s3mock/"
# Close a connection idle (or stalled inside a request head) this long; aiohttp's default is an hour.
IDLE_TIMEOUT = 75.0
# S3 refuses a request whose header section is over 8 KiB, before anything else: 400
# RequestHeaderSectionTooLarge with MaxSizeAllowed (AWS's body: versity/versitygw#2180).
MAX_HEADER_SECTION = 8192


def header_section_size(raw_headers: tuple[tuple[bytes, bytes], ...]) -> int:
    """The header lines' bytes as sent (`name: value` and CRLF each; not the request line).
    aiohttp keeps no such count, so each request pays this walk over its headers."""
    size = 4 * len(raw_headers)
    for name, value in raw_headers:
        size += len(name) + len(value)
    return size


def _resource(request: web.Request) -> str:
    path = request[EXCHANGE].path       # absolute-form targets' too, without scheme and host
    return path if path is not None else request.raw_path.split("?", 1)[0]


class Service:
    """The request's steps, with what they read looked up once per app instead of per request:
    the settings, the users by access key, the store and the CORS rules cache (the last two
    while the app runs)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.owner = settings.owner
        self.domain = settings.domain
        self.users = settings.users_by_key
        self.strict = settings.auth == "strict"
        self.lenient = None if self.strict else HeaderPrincipals(self.users, self.owner)
        self.store: SqliteStore | None = None
        self.cors_cache: cors_http.RulesCache | None = None
        self.website: website_http.Endpoint | None = None
        self.faults: faults_http.Board | None = None
        # The board's flag while the app runs: [0] is nonzero while fault rules exist.
        self.faults_on: memoryview | tuple[int] = (0,)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Every request takes these steps in order, as plain calls (aiohttp middlewares would
        cost a coroutine and a wrapper each):
        1. errors  any S3Error or unexpected exception becomes S3's XML error response
        2. route   the S3 operation, bucket and key (none for tooling paths)
        3. cors    preflights are answered here, before auth; others keep the matched rule's headers
        4. auth    who is asking
        then dispatch: authorize and run the operation's handler."""
        ex = request[EXCHANGE] = Exchange("%016X" % random.getrandbits(64))   # no syscall
        try:
            if header_section_size(request.raw_headers) > MAX_HEADER_SECTION:
                raise S3Error("RequestHeaderSectionTooLarge", MaxSizeAllowed=MAX_HEADER_SECTION)
            resolved = self.route(request, ex)
            if resolved is not None:
                answer = self.cors(request, ex, resolved)
                if answer is not None:
                    return answer
            self.auth(request, ex, resolved)
            if self.faults_on[0] and resolved is not None:      # fault rules exist (faults_http)
                return await faults_http.run(self, request, ex, resolved)
            return await self.dispatch(request, ex, resolved)
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

    def route(self, request: web.Request, ex: Exchange) -> Resolved | None:
        """2. Resolve the S3 operation, bucket and key (path or virtual-host style). Tooling
        paths get no route: later steps recognise them by its absence."""
        method = request.method
        path, _, query = request.raw_path.partition("?")
        host = request.host
        if path[:1] != "/":
            # absolute-form (a client given this server as its HTTP proxy): the target's
            # authority is the host, its path the path (RFC 9112 §3.2.2)
            absolute = split_absolute(path)
            if absolute is not None:
                host, path = absolute
        ex.host, ex.path, ex.query = host, path, query
        if "s3-website" in host:        # the one check ordinary requests pay for the website endpoint
            site = website.site_bucket(host, self.domain)
            if site is not None:
                ex.site = site          # no route: dispatch gives it to the website endpoint
                return None
        if path.startswith(ADMIN_PREFIX) or (method, path) in ADMIN:
            return None     # /_s3mock/... tooling, and the exact health paths other tools poll
        resolved = ex.route = resolve(method, host, path, query_names(query) if query else (),
                                      request.headers, self.domain, query)
        return resolved

    def cors(self, request: web.Request, ex: Exchange, resolved: Resolved) -> web.Response | None:
        """3. A preflight's answer (raises its refusal); for other requests, keep the matched
        rule's headers for on_prepare, so streamed and error responses carry them too (spec A5)."""
        cache = self.cors_cache
        assert cache is not None
        if resolved.op is Op.Preflight:
            ex.cors_log = "refused"         # unless the call below returns
            answer = cors_http.preflight(request, cache, resolved.bucket, resolved.key)
            ex.cors_log = f"rule:{answer.rule}"
            return web.Response(status=200, headers=answer.headers)
        answer = cors_http.actual(request, cache, resolved.bucket)
        if answer is not None:
            ex.cors_log = "none" if answer.rule is None else f"rule:{answer.rule}"
            if answer.rule is not None:
                ex.cors_headers = answer.headers
        return None

    def auth(self, request: web.Request, ex: Exchange, resolved: Resolved | None) -> None:
        """4. Who is asking: SigV4/SigV2 header, presigned query, or anonymous."""
        if resolved is None:
            ex.principal = ANONYMOUS
            return
        path, query = ex.path or "", ex.query
        if not query and self.lenient is not None:
            principal = self.lenient.get(request.headers)
            if principal is not None:
                ex.principal = principal
                return
        result = authenticate(
            AuthRequest(request.method, path, query, request.headers, ex.host,
                        resolved.bucket, resolved.virtual_host),
            self.users, self.owner, strict=self.strict, now=time.time())
        ex.principal = result.principal
        ex.chunks = result.chunks

    async def dispatch(self, request: web.Request, ex: Exchange,
                       resolved: Resolved | None) -> web.StreamResponse:
        """The handler of the operation the route step found."""
        store = self.store
        assert store is not None
        if resolved is None:
            site = getattr(ex, "site", None)    # set by route() for website hosts only
            if site is not None:
                assert self.website is not None
                return await self.website.serve(request, ex, site)
            admin = tooling(request.method, ex.path or "")
            if admin is None:
                raise S3Error("NotImplemented")
            return await admin(request, self.settings, store, self.cors_cache)
        ctx = Ctx(request, self.settings, store, resolved.op, resolved.bucket, resolved.key,
                  ex.principal, ex.request_id, chunk_verifier=ex.chunks, query_names=resolved.query_names)
        authorize(ctx, resolved.perm)
        handler = HANDLERS.get(resolved.op)
        if handler is None:
            raise S3Error("NotImplemented")     # an S3 operation s3mock does not have, authorized
        return await handler(ctx)


def error_response(request: web.Request, err: S3Error) -> web.Response:
    headers = dict(err.headers)
    if err.status == 304 or request.method == "HEAD":
        resp = web.Response(status=err.status, headers=headers)
    else:
        rid = request[EXCHANGE].request_id
        body = xml.render_error(err, _resource(request), rid, _host_id(rid))
        resp = web.Response(status=err.status, body=body, headers=headers, content_type="application/xml")
    if headers.get("Connection") == "close":
        resp.force_close()
    if request.can_read_body and not request.content.is_eof():
        # The body was refused unread (perhaps without 100 Continue): do not reuse the connection.
        resp.force_close()
    return resp


_REQUEST_ID, _ID_2 = istr("x-amz-request-id"), istr("x-amz-id-2")


async def on_prepare(request: web.Request, response: web.StreamResponse) -> None:
    """Headers every response carries, streamed and error responses included."""
    headers = response.headers
    try:
        ex = request[EXCHANGE]
    except KeyError:            # refused by aiohttp before the steps ran
        headers[hdrs.SERVER] = "AmazonS3"
        return
    headers[_REQUEST_ID] = ex.request_id
    headers[_ID_2] = _host_id(ex.request_id)
    headers[hdrs.SERVER] = "AmazonS3"
    if ex.cors_headers:
        headers.update(ex.cors_headers)


class _OneRoute(web.UrlDispatcher):
    """A router giving every request to its one route without matching the path. The route step
    reads the raw path itself, so aiohttp's decoding and matching of it would be spent for nothing
    on every request; and aiohttp's router matches no route for an absolute-form target without a
    path (`GET http://host:port`, which is ListBuckets): its relative path is empty. Application's
    `router` argument, which installs it, is deprecated: hence pyproject's `aiohttp<4` pin."""

    route: AbstractRoute | None = None

    async def resolve(self, request: web.Request) -> UrlMappingMatchInfo:
        assert self.route is not None
        return UrlMappingMatchInfo({}, self.route)


async def _no_expect(request: web.Request) -> None:
    """100 Continue is sent by the handler once the request is accepted (request/body.py)."""
    return None


def make_app(settings: Settings, store: SqliteStore | None = None,
             recover: bool = True) -> web.Application:
    """`recover`: clean up after a crash at start; the CLI does it once, before any worker starts."""
    router = _OneRoute()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)     # aiohttp: "router argument is deprecated"
        app = web.Application(
            router=router,
            client_max_size=1024**2,
            # auto_decompress off: a body sent with Content-Encoding: gzip is stored as sent.
            handler_args={"max_field_size": 64 * 1024, "max_line_size": 64 * 1024,
                          "auto_decompress": False, "keepalive_timeout": IDLE_TIMEOUT},
        )
    app[STARTED_AT] = time.time()
    app[REQUEST_LOG] = RequestLog()     # the access logger records into it (GET /_s3mock/requests)
    service = Service(settings)

    async def store_lifetime(app: web.Application):
        own = store is None
        if store is None:
            app[STORE] = service.store = SqliteStore(settings.data_dir, listing_entry.render)
        else:
            app[STORE] = service.store = store
        if own and recover:
            app[STORE].recover()
        service.cors_cache = cors_http.RulesCache(app[STORE])
        service.website = website_http.Endpoint(settings, app[STORE], service.cors_cache, _host_id)
        app[faults_http.FAULTS] = service.faults = faults_http.Board(settings.data_dir)
        if own and recover:
            service.faults.install(settings.faults)
        service.faults_on = service.faults.on
        yield
        service.faults_on = (0,)
        service.faults.close()
        if own:
            app[STORE].close()

    async def event_delivery_lifetime(app: web.Application):
        async with event_delivery.delivering(app[STORE], settings.webhooks):
            yield

    app[STOPPING] = asyncio.Event()
    app.cleanup_ctx.append(store_lifetime)
    app.cleanup_ctx.append(event_delivery_lifetime)     # after the store: stopped before it closes
    app.on_response_prepare.append(on_prepare)
    # The pattern is never matched (_OneRoute); it still says what the route takes: any path,
    # newlines (%0A) included.
    router.route = router.add_route("*", "/{tail:(?s:.*)}", service.handle, expect_handler=_no_expect)
    return app
