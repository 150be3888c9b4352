"""The website endpoint on the wire: requests whose Host is BUCKET.s3-website.DOMAIN, served as
S3's website endpoint serves them (WebsiteEndpoints.html): anonymous GET and HEAD only, index
and error documents, redirects (all requests, routing rules, x-amz-website-redirect-location),
HTML error pages, and CORS as on the REST endpoint. The configuration itself is website.py's."""

from __future__ import annotations

import os
from typing import Callable
from urllib.parse import unquote

from aiohttp import hdrs, web

from s3mock import cors_http, website
from s3mock.auth.identity import ANONYMOUS
from s3mock.config import Settings
from s3mock.errors import S3Error
from s3mock.handlers.registry import HANDLERS
from s3mock.operations import Op, Perm
from s3mock.request.access import authorize
from s3mock.request.common import object_headers
from s3mock.request.ctx import Ctx
from s3mock.request.exchange import Exchange
from s3mock.storage.base import Bucket, ObjectMeta, Store

KIND = "website"
REDIRECT_HEADER = "x-amz-website-redirect-location"
MAX_CACHED = 1024
MAX_ERROR_DOCUMENT = 16 * 1024 * 1024   # read whole into memory: error pages are small


class Sites:
    """Parsed website configurations per bucket, keyed by the bucket row's (created, version)
    like cors_http.RulesCache: a change by any worker moves the row's version."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, tuple[tuple[float, int], website.Config | None]] = {}

    def lookup(self, bucket: str) -> tuple[Bucket | None, website.Config | None]:
        row = self.store.get_bucket(bucket)
        if row is None:
            self._cache.pop(bucket, None)
            return None, None
        stamp = (row.created, row.version)
        hit = self._cache.get(bucket)
        if hit is not None and hit[0] == stamp:
            return row, hit[1]
        doc = self.store.get_bucket_document(bucket, KIND)
        config = website.parse(doc) if doc else None
        if len(self._cache) >= MAX_CACHED:
            self._cache.clear()
        self._cache[bucket] = (stamp, config)
        return row, config


def _redirect(status: int, location: str) -> web.Response:
    return web.Response(status=status, headers={hdrs.LOCATION: location})


class Endpoint:
    """Serves one website request; every error is answered as an HTML page."""

    def __init__(self, settings: Settings, store: Store, cors_cache: cors_http.RulesCache,
                 host_id: Callable[[str], str]) -> None:
        self.settings = settings
        self.store = store
        self.cors_cache = cors_cache
        self.sites = Sites(store)
        self.host_id = host_id

    async def serve(self, request: web.Request, ex: Exchange, bucket: str) -> web.StreamResponse:
        try:
            return await self._serve(request, ex, bucket)
        except S3Error as err:
            return self.error(request, ex, err)

    def error(self, request: web.Request, ex: Exchange, err: S3Error,
              document_error: S3Error | None = None) -> web.Response:
        if err.status == 304 or request.method == "HEAD":
            return web.Response(status=err.status, headers=err.headers)
        body = website.error_page(err, ex.request_id, self.host_id(ex.request_id), document_error)
        return web.Response(status=err.status, body=body, headers=err.headers,
                            content_type="text/html", charset="utf-8")

    async def _serve(self, request: web.Request, ex: Exchange, bucket: str) -> web.StreamResponse:
        method, path = request.method, ex.path or "/"
        key = _key(path)
        if method == "OPTIONS":     # CORS applies here as on the REST endpoint (cors_http)
            answer = cors_http.preflight(request, self.cors_cache, bucket, key or None)
            return web.Response(status=200, headers=answer.headers)
        answer = cors_http.actual(request, self.cors_cache, bucket)
        if answer is not None and answer.rule is not None:
            ex.cors_headers = answer.headers
        if method not in ("GET", "HEAD"):
            raise S3Error("MethodNotAllowed", Method=method, ResourceType="OBJECT")
        b, config = self.sites.lookup(bucket)
        if b is None:
            raise S3Error("NoSuchBucket", BucketName=bucket)
        if config is None:
            raise S3Error("NoSuchWebsiteConfiguration", BucketName=bucket)
        scheme, host = request.scheme, ex.host
        if config.redirect_host is not None:
            return _redirect(301, f"{config.redirect_protocol or scheme}://{config.redirect_host}{path}")
        rule = website.first_rule(config, key, None)
        if rule is not None:
            return _redirect(rule.code or 301, website.rule_location(rule, key, host, scheme))
        try:
            return await self._object(request, ex, b, config, key)
        except S3Error as err:
            if err.status < 400:
                raise
            rule = website.first_rule(config, key, err.status)
            if rule is not None:
                return _redirect(rule.code or 301, website.rule_location(rule, key, host, scheme))
            if config.error is None:
                raise
            return self._error_document(request, ex, b, config.error, err)

    def _ctx(self, request: web.Request, ex: Exchange, b: Bucket, key: str) -> Ctx:
        op = Op.HeadObject if request.method == "HEAD" else Op.GetObject
        return Ctx(request, self.settings, self.store, op, b.name, key, ANONYMOUS, ex.request_id)

    async def _object(self, request: web.Request, ex: Exchange, b: Bucket,
                      config: website.Config, key: str) -> web.StreamResponse:
        """The object a key names (the index document for "" and "dir/"), read as an anonymous
        GetObject is: the bucket's ACL and policy decide (a website request is anonymous)."""
        assert config.index is not None
        target = key + config.index if key == "" or key.endswith("/") else key
        meta = self.store.get_object(b.name, target)
        if meta is None and target == key:
            # S3: no object "dir" but "dir/index.html": 302 to "dir/" (IndexDocumentSupport.html)
            if self.store.get_object(b.name, f"{key}/{config.index}") is not None:
                return _redirect(302, f"/{request.raw_path.partition('?')[0].lstrip('/')}/")
        ctx = self._ctx(request, ex, b, target)
        authorize(ctx, Perm.READ)
        if meta is None:
            raise S3Error("NoSuchKey", Key=target)
        location = meta.headers.get(REDIRECT_HEADER)
        if location:
            return _redirect(301, location)
        return await HANDLERS[ctx.op](ctx)

    def _error_document(self, request: web.Request, ex: Exchange, b: Bucket, key: str,
                        err: S3Error) -> web.Response:
        """The custom error document, with the status of the error it stands for; if it cannot
        be read either, S3's page naming both errors."""
        try:
            ctx = self._ctx(request, ex, b, key)
            authorize(ctx, Perm.READ)
            meta = self.store.get_object(b.name, key)
            if meta is None:
                raise S3Error("NoSuchKey", Key=key)
            body = _read(self.store, meta)
        except S3Error as doc_err:
            return self.error(request, ex, err, doc_err)
        headers = object_headers(meta)
        if request.method == "HEAD":
            headers[hdrs.CONTENT_LENGTH] = str(meta.size)
            return web.Response(status=err.status, headers=headers)
        return web.Response(status=err.status, body=body, headers=headers)


def _key(path: str) -> str:
    try:
        return unquote(path[1:], errors="strict")
    except UnicodeDecodeError:
        raise S3Error("InvalidURI") from None


def _read(store: Store, meta: ObjectMeta) -> bytes:
    if meta.size > MAX_ERROR_DOCUMENT:
        raise S3Error("InternalError")
    for _ in range(3):
        body = store.open_object(meta, 0, meta.size)
        if body is None:
            fresh = store.get_object(meta.bucket, meta.key)
            if fresh is None:
                raise S3Error("NoSuchKey", Key=meta.key)
            meta = fresh
            continue
        if isinstance(body, bytes):
            return body
        try:
            return b"".join(os.pread(f.fileno(), count, offset) for f, offset, count in body)
        finally:
            body.close()
    raise S3Error("InternalError")
