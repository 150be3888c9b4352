#!/usr/bin/env python3
"""The benchmark's reference: bare aiohttp handlers doing the minimum per route, no S3 logic.

PUT /b creates a directory; PUT /b/k writes the body to a file (MD5 as it arrives) and returns the
MD5 as ETag; GET /b/k reads the file (plain read() when small, sendfile when large); HEAD stats
it; GET /b?list-type=2 returns a page of up to max-keys entries from an in-memory sorted key list
(fixed-size entries, built by string joins); OPTIONS returns fixed CORS headers; PUT /b?cors is
accepted and ignored; DELETE unlinks. No auth, no metadata, no checks. The same command line and `Ready.` line as
s3mock, so scripts/bench.py starts both the same way:

    python scripts/bench_reference.py --host 127.0.0.1 --port 0 --data-dir DIR
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import bisect
import hashlib
import os
import signal
import socket
from pathlib import Path
from urllib.parse import quote

from aiohttp import web

SMALL = 256 * 1024
CHUNK = 256 * 1024
CORS = {"Access-Control-Allow-Origin": "https://bench.example",
        "Access-Control-Allow-Methods": "GET, PUT", "Access-Control-Allow-Headers": "*",
        "Access-Control-Max-Age": "3000", "Vary": "Origin, Access-Control-Request-Headers, "
                                                  "Access-Control-Request-Method"}
ENTRY = ("<Contents><Key>{}</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
         "<ETag>&quot;d41d8cd98f00b204e9800998ecf8427e&quot;</ETag><Size>0</Size>"
         "<StorageClass>STANDARD</StorageClass></Contents>")


def make_app(root: Path) -> web.Application:
    keys: dict[str, list[str]] = {}

    def path(request: web.Request) -> str:
        return f"{root}/{request.match_info['bucket']}/{quote(request.match_info['key'], safe='')}"

    async def put_bucket(request: web.Request) -> web.Response:
        await request.read()
        os.makedirs(root / request.match_info["bucket"], exist_ok=True)
        keys.setdefault(request.match_info["bucket"], [])
        return web.Response()

    async def put_object(request: web.Request) -> web.Response:
        md5 = hashlib.md5()
        with open(path(request), "wb", buffering=0) as f:
            while data := await request.content.read(CHUNK):
                md5.update(data)
                f.write(data)
        names = keys.setdefault(request.match_info["bucket"], [])
        key = request.match_info["key"]
        at = bisect.bisect_left(names, key)
        if at == len(names) or names[at] != key:
            names.insert(at, key)
        return web.Response(headers={"ETag": f'"{md5.hexdigest()}"'})

    async def get_object(request: web.Request) -> web.StreamResponse:
        p = path(request)
        if os.stat(p).st_size > SMALL:
            return web.FileResponse(p)
        with open(p, "rb") as f:
            return web.Response(body=f.read(), content_type="binary/octet-stream")

    async def head_object(request: web.Request) -> web.Response:
        st = os.stat(path(request))
        return web.Response(headers={"Content-Length": str(st.st_size), "ETag": '"0"'})

    async def list_bucket(request: web.Request) -> web.Response:
        names = keys.get(request.match_info["bucket"], [])
        limit = int(request.query.get("max-keys", "1000"))
        token = request.query.get("continuation-token")
        after = base64.urlsafe_b64decode(token).decode() if token else ""
        at = bisect.bisect_right(names, after) if after else 0
        page = names[at:at + limit]
        more = at + limit < len(names)
        nxt = (f"<NextContinuationToken>{base64.urlsafe_b64encode(page[-1].encode()).decode()}"
               "</NextContinuationToken>") if more and page else ""
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult><Name>b</Name>'
                f"<KeyCount>{len(page)}</KeyCount><IsTruncated>{str(more).lower()}</IsTruncated>"
                f"{nxt}{''.join(ENTRY.format(k) for k in page)}</ListBucketResult>")
        return web.Response(body=body.encode(), content_type="application/xml")

    async def delete_object(request: web.Request) -> web.Response:
        try:
            os.unlink(path(request))
        except FileNotFoundError:
            pass
        return web.Response(status=204)

    async def options(request: web.Request) -> web.Response:
        return web.Response(headers=CORS)

    app = web.Application(client_max_size=1024**2)
    app.router.add_route("PUT", "/{bucket}", put_bucket)
    app.router.add_route("GET", "/{bucket}", list_bucket)
    app.router.add_route("PUT", "/{bucket}/{key:.+}", put_object)
    app.router.add_route("GET", "/{bucket}/{key:.+}", get_object)
    app.router.add_route("HEAD", "/{bucket}/{key:.+}", head_object)
    app.router.add_route("DELETE", "/{bucket}/{key:.+}", delete_object)
    app.router.add_route("OPTIONS", "/{bucket}/{key:.+}", options)
    return app


async def serve(host: str, port: int, root: Path) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    runner = web.AppRunner(make_app(root), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    print(f"reference serving http://{host}:{sock.getsockname()[1]} from {root}", flush=True)
    print("Ready.", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--data-dir", required=True)
    args = p.parse_args()
    asyncio.run(serve(args.host, args.port, Path(args.data_dir)))


if __name__ == "__main__":
    main()
