"""The `s3mock` command: parse flags, load settings, serve until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys

from aiohttp import web

from s3mock.app import make_app
from s3mock.config import ConfigError, Settings, load
from s3mock.storage.sqlite_fs import SqliteStore

SHUTDOWN_TIMEOUT = 10.0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="s3mock", description="A local S3-compatible object store.")
    p.add_argument("command", nargs="?", default="serve", choices=["serve"])
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
    return p


def _bind(settings: Settings) -> socket.socket:
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if settings.workers > 1:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((settings.host, settings.port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


async def serve(settings: Settings, sock: socket.socket, announce: bool) -> None:
    runner = web.AppRunner(make_app(settings, recover=False), access_log=None, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await runner.setup()
    site = web.SockSite(runner, sock, shutdown_timeout=SHUTDOWN_TIMEOUT)
    await site.start()
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
        print("Ready.", flush=True)
    await stop.wait()
    await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    flags = {k: v for k, v in vars(args).items() if k != "command"}
    try:
        settings = load(flags)
        store = SqliteStore(settings.data_dir)
        store.recover()
        store.close()
        sock = _bind(settings)
    except ConfigError as e:
        print(f"s3mock: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"s3mock: cannot start: {e}", file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    children = []
    for _ in range(settings.workers - 1):
        pid = os.fork()
        if pid == 0:
            asyncio.run(serve(settings, sock, announce=False))
            os._exit(0)
        children.append(pid)
    try:
        asyncio.run(serve(settings, sock, announce=True))
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
    return 0
