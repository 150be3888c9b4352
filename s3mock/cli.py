"""The `s3mock` command: parse flags, load settings, seed buckets, serve until SIGTERM/SIGINT
(draining in-flight requests); `s3mock health` asks a running server whether it is healthy."""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import signal
import socket
import sys
import traceback
import urllib.error
import urllib.request

from s3mock.config import ConfigError, Settings, load

# The server's modules (aiohttp, the store) are imported when serving, so that `s3mock health`
# (a container's health check, run every few seconds) and configuration errors stay fast.

GC_YOUNG = 10_000           # objects allocated before a young-generation collection (Python's: 700)
HEALTH_TIMEOUT = 3.0        # `s3mock health`: below a container health check's usual 5 s
log = logging.getLogger("s3mock")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """A bad flag is invalid configuration too: one line, exit status 2 (no usage dump)."""
        self.exit(2, f"s3mock: {message} (see s3mock --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="s3mock", description="A local S3-compatible object store.")
    p.add_argument("command", nargs="?", default="serve", choices=["serve", "health"])
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--data-dir")
    p.add_argument("--domain")
    p.add_argument("--region")
    p.add_argument("--auth", choices=["lenient", "strict"])
    p.add_argument("--access-key")
    p.add_argument("--secret-key")
    p.add_argument("--user", dest="users", action="append", metavar="ACCESS:SECRET[:ID[:NAME]]")
    p.add_argument("--config")
    p.add_argument("--workers", type=int)
    p.add_argument("--log-format", choices=["text", "json"])
    p.add_argument("--object-ownership", choices=["ObjectWriter", "BucketOwnerPreferred",
                                                  "BucketOwnerEnforced"],
                   help="new buckets' Object Ownership (default ObjectWriter; S3's is BucketOwnerEnforced)")
    p.add_argument("--console", choices=["on", "off"],
                   help="the web console at /_s3mock/console/ (default on)")
    p.add_argument("--webhook", dest="webhooks", action="append", metavar="ARN=URL",
                   help="POST event notifications for destination ARN to URL (repeatable)")
    p.add_argument("--endpoint", help="health: the server to ask (default: --host and --port)")
    return p


def _bind(settings: Settings, port: int | None = None) -> socket.socket:
    """The listening socket. With workers, each process binds its own to the same port
    (SO_REUSEPORT), so the kernel spreads new connections evenly over them; one shared socket
    would hand most of them to whichever process happens to accept first."""
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.workers > 1:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port if port is None else port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(settings: Settings, sock: socket.socket, announce: bool,
                seeded: tuple[str, ...] = ()) -> None:
    from aiohttp import web

    from s3mock import access_log
    from s3mock.app import make_app
    from s3mock.shutdown import SHUTDOWN_GRACE, SHUTDOWN_TIMEOUT, drain
    runner = web.AppRunner(make_app(settings, recover=False), shutdown_timeout=SHUTDOWN_GRACE,
                           access_log_class=access_log.StreamAccessLogger,
                           access_log=access_log.ACCESS, access_log_format=settings.log_format)
    await runner.setup()
    site = web.SockSite(runner, sock, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await site.start()
    # The cyclic GC, tuned for this process only: what start-up built lives as long as the
    # process, so a full collection need not walk it; and Python's young generation of 700
    # objects was collected every few PUTs, though reference counting frees a request's objects.
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    if announce:
        host, port = sock.getsockname()[:2]
        shown = f"[{host}]" if ":" in host else host
        print(f"s3mock serving http://{shown}:{port} from {settings.data_dir}", flush=True)
        print(f"  access key: {settings.access_key}\n  secret key: {settings.secret_key}\n"
              f"  region: {settings.region}  auth: {settings.auth}", flush=True)
        # What a bucket policy names each user by (README: How access is decided).
        print("  accounts: " + ", ".join(f"{u.access_key} {u.arn}" for u in settings.all_users),
              flush=True)
        if settings.buckets:
            print("  buckets: " + ", ".join(b.name + (" (created)" if b.name in seeded else "")
                                            for b in settings.buckets), flush=True)
        print("Ready.", flush=True)
    await stop.wait()
    if announce:
        log.info("stopping: draining in-flight requests (up to %.0f s)", SHUTDOWN_TIMEOUT)
    await drain(runner, SHUTDOWN_TIMEOUT)
    access_log.BATCH.flush()


def default_endpoint(settings: Settings) -> str:
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(settings.host, settings.host)
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.port}"


def health(endpoint: str) -> int:
    """GET /_s3mock/health: 0 when the server answers {"status": "ok"}; else one line on stderr."""
    url = endpoint.rstrip("/") + "/_s3mock/health"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # never via a proxy
    try:
        with opener.open(url, timeout=HEALTH_TIMEOUT) as response:
            data = json.loads(response.read(64 * 1024))
        if not isinstance(data, dict) or data.get("status") != "ok":
            raise ValueError(f"unexpected answer {data!r:.100}")
    except urllib.error.HTTPError as e:
        problem = f"HTTP {e.code} {e.reason}"
    except urllib.error.URLError as e:
        problem = str(e.reason)
    except (OSError, ValueError) as e:      # timeouts, resets, not JSON
        problem = str(e) or type(e).__name__
    else:
        print(f"healthy: s3mock {data.get('version')} at {endpoint}, up {data.get('uptime')} s")
        return 0
    print(f"s3mock health: {url}: {problem}", file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    flags = {k: v for k, v in vars(args).items() if k not in ("command", "endpoint")}
    try:
        settings = load(flags)
        if args.command == "health":
            endpoint = args.endpoint or default_endpoint(settings)
            if not endpoint.startswith(("http://", "https://")):
                raise ConfigError(f"invalid endpoint {endpoint!r}: expected http://HOST:PORT")
            return health(endpoint)
        from s3mock import access_log, listing_entry
        from s3mock.seed import seed
        from s3mock.storage.sqlite_fs import SqliteStore
        store = SqliteStore(settings.data_dir, listing_entry.render)
        try:
            store.recover()
            seeded = tuple(seed(store, settings))
        finally:
            store.close()
        from s3mock import faults_http
        faults_http.install(settings.data_dir, settings.faults)   # before any worker serves
        sock = _bind(settings)
    except ConfigError as e:
        print(f"s3mock: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"s3mock: cannot start: {e}", file=sys.stderr)
        return 1
    access_log.configure(settings.log_format)
    children = []
    for _ in range(settings.workers - 1):
        pid = os.fork()
        if pid == 0:        # a worker: never returns into the parent's code below
            code = 1
            try:
                own = _bind(settings, port=sock.getsockname()[1])
                sock.close()
                asyncio.run(serve(settings, own, announce=False))
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                os._exit(code)
        children.append(pid)
    clean = False
    try:
        asyncio.run(serve(settings, sock, announce=True, seeded=seeded))
        clean = True
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                clean = os.waitpid(pid, 0)[1] == 0 and clean
            except (ProcessLookupError, ChildProcessError):
                clean = False
    if clean:       # every process drained and stopped: the next start can skip the orphan sweep
        store = SqliteStore(settings.data_dir, listing_entry.render)
        try:
            store.mark_clean()
        finally:
            store.close()
    return 0
