"""The web console's server side: the static files of s3mock/console/ at /_s3mock/console/ (an
allow-list made at import: nothing else is served, whatever the path) and its config.json.

Reached only for paths under /_s3mock/ (admin.tooling), so S3 requests pay nothing for it.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from s3mock.request.exchange import EXCHANGE
from s3mock.version import __version__

PREFIX = "/_s3mock/console"
DIRECTORY = Path(__file__).parent / "console"

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".txt": "text/plain; charset=utf-8",
}

# connect-src: also this server under its other loopback name, where the CORS playground's replay
# sends its request so that the browser makes a real, cross-origin preflight (views/cors.js).
CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self' http://localhost:* http://127.0.0.1:*; "
       "frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'none'")

# Every console answer carries these, errors and the redirect included.
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",
}


def _allow_list(directory: Path) -> dict[str, Path]:
    """URL path under the prefix (e.g. "/views/buckets.js") -> file, for each file of a known type.
    Names are compared exactly, never decoded or joined to a directory at request time."""
    files: dict[str, Path] = {}
    if directory.is_dir():
        for path in sorted(directory.rglob("*")):
            if path.is_file() and path.suffix in TYPES and not path.name.startswith("."):
                files["/" + path.relative_to(directory).as_posix()] = path
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files


FILES = _allow_list(DIRECTORY)


def _answer(status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
            **headers: str) -> web.Response:
    return web.Response(status=status, body=body, headers={**HEADERS, **headers,
                                                           "Content-Type": content_type})


def not_found() -> web.Response:
    return _answer(404, b"Not Found\n")


def config(settings) -> dict:
    """What the page needs before its first S3 request. Lenient mode: the default user's access key
    (signatures are not checked, so the page signs with it and any secret); strict: none."""
    lenient = settings.auth == "lenient"
    return {"auth": settings.auth, "region": settings.region,
            "access_key": settings.access_key if lenient else None, "version": __version__,
            "domain": settings.domain}       # the website endpoint's BUCKET.s3-website.DOMAIN


async def serve(request: web.Request, settings, store, cache) -> web.Response:
    """GET/HEAD /_s3mock/console[/<file>]. `path` is the raw path without the query."""
    path = request[EXCHANGE].path or ""
    if settings.console != "on" or not (path == PREFIX or path.startswith(PREFIX + "/")):
        return not_found()
    if request.method not in ("GET", "HEAD"):
        return _answer(405, b"Method Not Allowed\n", Allow="GET, HEAD")
    rest = path[len(PREFIX):]
    if rest == "":
        return _answer(302, Location=PREFIX + "/")
    if rest == "/config.json":
        return _answer(200, json.dumps(config(settings)).encode(), "application/json")
    file = FILES.get(rest)
    if file is None:
        return not_found()
    try:
        body = file.read_bytes()        # read each time: small files, and edits show on reload
    except OSError:
        return not_found()
    return _answer(200, body, TYPES[file.suffix])
