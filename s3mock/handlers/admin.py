"""Tooling under /_s3mock/ (never S3 operations): health and the CORS explanation."""

from __future__ import annotations

import time

from aiohttp import web

from s3mock import __version__, cors_http

STARTED = time.time()


async def health(request: web.Request, settings, store, cache) -> web.Response:
    return web.json_response({"status": "ok", "version": __version__,
                              "uptime": round(time.time() - STARTED, 3),
                              "data_dir": str(settings.data_dir)})


async def cors_explain(request: web.Request, settings, store, cache) -> web.Response:
    return web.json_response(cors_http.explain(cache, request.query))


ADMIN = {
    ("GET", "/_s3mock/health"): health,
    ("GET", "/_s3mock/cors/explain"): cors_explain,
}
