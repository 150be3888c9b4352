"""An s3mock server inside this process, for tests and scripts: `with s3mock.running() as s3:`.

The server runs in a background thread with its own event loop, on an ephemeral port of
127.0.0.1 and (unless given one) a temporary data directory removed on exit. boto3 is imported
only when a client is asked for.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from aiohttp import web

from s3mock import access_log as access_log_module
from s3mock import faults_http, listing_entry
from s3mock.app import STORE, make_app
from s3mock.shutdown import SHUTDOWN_GRACE, SHUTDOWN_TIMEOUT, drain
from s3mock.config import Settings, load
from s3mock.event_client import EventLog, EventTimeout
from s3mock.seed import reset, seed
from s3mock.storage.sqlite_fs import SqliteStore

START_TIMEOUT = 30.0
__all__ = ["EventLog", "EventTimeout", "RunningServer", "running"]


@dataclass
class RunningServer:
    """What a test needs to talk to the server, and helpers for clients and resets."""
    endpoint: str
    host: str
    port: int
    access_key: str
    secret_key: str
    region: str
    data_dir: Path
    settings: Settings
    _loop: asyncio.AbstractEventLoop = field(repr=False, default=None)  # type: ignore[assignment]
    _runner: web.AppRunner = field(repr=False, default=None)            # type: ignore[assignment]

    @property
    def env(self) -> dict[str, str]:
        """Environment variables that point AWS SDKs and the AWS CLI at this server."""
        return {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_DEFAULT_REGION": self.region}

    def client(self, service: str = "s3", **config):
        """A boto3 client for this server (botocore Config options as keyword arguments)."""
        import boto3
        from botocore.config import Config
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region,
            config=Config(**config) if config else None)

    def resource(self, **config):
        """A boto3 S3 resource for this server."""
        import boto3
        from botocore.config import Config
        return boto3.session.Session().resource(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key, region_name=self.region,
            config=Config(**config) if config else None)

    def events(self) -> EventLog:
        """The event notifications this server publishes from now on: `.wait(...)` for one."""
        return EventLog(self.endpoint, self.access_key, self.secret_key, self.region)

    def add_faults(self, *rules: dict, **rule: object) -> list[dict]:
        """Add fault rules (faults.py: a dict each, or one rule's fields as keyword arguments);
        the added rules, with their ids. ValueError names an invalid one."""
        return self._runner.app[faults_http.FAULTS].add([*rules, rule] if rule else list(rules))

    def faults(self) -> list[dict]:
        """The fault rules, each with how often it matched (`seen`) and fired (`fired`)."""
        return self._runner.app[faults_http.FAULTS].list()

    def clear_faults(self) -> int:
        return self._runner.app[faults_http.FAULTS].remove()

    def reset(self, delete_buckets: bool = True) -> dict:
        """Empty every bucket; by default also delete the buckets that are not seed buckets and
        restore the seed buckets' configuration (as POST /_s3mock/reset?delete-buckets)."""
        async def run() -> dict:
            return reset(self._runner.app[STORE], self.settings, delete_buckets=delete_buckets)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_TIMEOUT)


@contextmanager
def running(data_dir: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0,
            access_log: bool = False, **settings: object) -> Iterator[RunningServer]:
    """Serve until the block ends. `settings` are the command line's names (region, auth,
    access_key, secret_key, users, buckets, domain, ...), validated as the command line does;
    S3MOCK_* environment variables are not read. `access_log`: log each request to the
    `s3mock.access` logger."""
    with tempfile.TemporaryDirectory(prefix="s3mock-") as tmp:
        flags = {"host": host, "port": port, "data_dir": data_dir or tmp, **settings}
        config = load(flags, environ={})
        store = SqliteStore(config.data_dir, listing_entry.render)
        try:
            store.recover()
            seed(store, config)
        finally:
            store.close()
        faults_http.install(config.data_dir, config.faults)

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="s3mock-server", daemon=True)
        thread.start()
        # Without an access log, still the request log (GET /_s3mock/requests).
        log_args = {"access_log_class": access_log_module.AccessLogger if access_log
                    else access_log_module.RequestLogOnly, "access_log": access_log_module.ACCESS}
        runner = web.AppRunner(make_app(config, recover=False), shutdown_timeout=SHUTDOWN_GRACE,
                               **log_args)

        async def start() -> int:
            await runner.setup()
            site = web.TCPSite(runner, config.host, config.port)
            await site.start()
            return runner.addresses[0][1]

        try:
            bound = asyncio.run_coroutine_threadsafe(start(), loop).result(START_TIMEOUT)
            shown = f"[{config.host}]" if ":" in config.host else config.host
            yield RunningServer(f"http://{shown}:{bound}", config.host, bound, config.access_key,
                                config.secret_key, config.region, Path(config.data_dir), config,
                                loop, runner)
        finally:
            try:
                asyncio.run_coroutine_threadsafe(drain(runner, SHUTDOWN_TIMEOUT), loop).result(
                    SHUTDOWN_TIMEOUT + SHUTDOWN_GRACE + 5)
            finally:
                loop.call_soon_threadsafe(loop.stop)
                thread.join(SHUTDOWN_TIMEOUT + 5)
                if not thread.is_alive():
                    loop.close()
