#!/usr/bin/env python3
"""Benchmark an S3 server: small-object PUT/GET/HEAD, ListObjectsV2 pages, one large streamed PUT/GET.

Starts `python -m s3mock` on a temp data dir and an ephemeral port (or uses --endpoint), runs the
scenarios in order, prints one line per scenario (or JSON with --json) and the server's peak RSS.
Every scenario is a function of (base_url, options, state) -- state carries what one scenario
leaves for the next (GET reads what PUT wrote) -- so another server (a bare aiohttp reference,
say) can be measured by the same code: run_all(base_url, opts, pid). Requests carry a real SigV4
signature (UNSIGNED-PAYLOAD, keys test/test) so they work in every auth mode and with ACLs.
Standard library + aiohttp only; localhost only; every request and the whole run are bounded.

    python scripts/bench.py              # full: 4 KiB x 5000 ops at concurrency 32, 10,000 keys, 1 GiB
    python scripts/bench.py --quick      # small and fast (CI smoke check)
    python scripts/bench.py --endpoint http://127.0.0.1:9000 --pid 1234   # an already running server
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import datetime
import hashlib
import hmac
import html
import json
import os
import platform
import re
import selectors
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

REPO = Path(__file__).resolve().parents[1]
MIB = 1024 * 1024
BLOCK = MIB                       # large bodies are this block repeated: nothing big is held in memory
SMALL_TIMEOUT = aiohttp.ClientTimeout(total=60)
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0


@dataclasses.dataclass(frozen=True)
class Options:
    ops: int = 5000               # requests per small-object scenario
    concurrency: int = 32
    object_size: int = 4096
    list_keys: int = 10_000
    page_size: int = 1000
    list_pages: int = 100         # pages requested in the listing scenario (whole walks, sequential)
    size_mib: int = 1024          # the large PUT/GET
    access_key: str = "test"
    secret_key: str = "test"
    region: str = "us-east-1"


@dataclasses.dataclass
class Result:
    name: str
    count: int                    # operations, pages or bytes
    seconds: float
    rate: float
    unit: str                     # "ops/s", "pages/s", "MB/s" (10^6 bytes per second)
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    peak_rss_bytes: int | None = None
    note: str = ""

    def line(self) -> str:
        lat = f"  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms" if self.p50_ms is not None else ""
        rss = f"  peak RSS {self.peak_rss_bytes / MIB:6.1f} MiB" if self.peak_rss_bytes else ""
        err = f"  ERRORS {self.errors}" if self.errors else ""
        return f"{self.name:<34} {self.rate:10.1f} {self.unit:<8}{lat}{rss}{err}  ({self.note})"


# --- requests ------------------------------------------------------------------------------------

class Signer:
    """Minimal SigV4 (UNSIGNED-PAYLOAD) so the benchmark works whatever the server's auth mode."""

    def __init__(self, access_key: str, secret_key: str, region: str) -> None:
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self._keys: dict[str, bytes] = {}

    def _key(self, day: str) -> bytes:
        if day not in self._keys:
            k = ("AWS4" + self.secret_key).encode()
            for part in (day, self.region, "s3", "aws4_request"):
                k = hmac.new(k, part.encode(), hashlib.sha256).digest()
            self._keys[day] = k
        return self._keys[day]

    def headers(self, method: str, url: URL) -> dict[str, str]:
        now = datetime.datetime.now(datetime.timezone.utc)
        stamp, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        host = url.raw_authority
        pairs = sorted(tuple(p.split("=", 1)) if "=" in p else (p, "")
                       for p in url.raw_query_string.split("&") if p)
        query = "&".join(f"{k}={v}" for k, v in pairs)
        signed = "host;x-amz-content-sha256;x-amz-date"
        canonical = (f"{method}\n{url.raw_path}\n{query}\nhost:{host}\n"
                     f"x-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:{stamp}\n\n{signed}\n"
                     "UNSIGNED-PAYLOAD")
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        sig = hmac.new(self._key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return {"x-amz-date": stamp, "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
                "Authorization": f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                 f"SignedHeaders={signed}, Signature={sig}"}


class Client:
    """One aiohttp session (TCPConnector(limit=concurrency)) against one base URL."""

    def __init__(self, base_url: str, opts: Options) -> None:
        self.base = base_url.rstrip("/")
        self.opts = opts
        self.signer = Signer(opts.access_key, opts.secret_key, opts.region)
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Client":
        conn = aiohttp.TCPConnector(limit=self.opts.concurrency)
        self.session = aiohttp.ClientSession(connector=conn, timeout=SMALL_TIMEOUT,
                                             skip_auto_headers={"Content-Type"})
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.session is not None
        await self.session.close()

    def url(self, bucket: str, key: str = "", **query: str) -> URL:
        path = "/" + quote(bucket, safe="") + ("/" + quote(key, safe="/") if key else "")
        qs = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in query.items())
        return URL(self.base + path + ("?" + qs if qs else ""), encoded=True)

    def request(self, method: str, url: URL, **kw: object):
        headers = {**self.signer.headers(method, url), **kw.pop("headers", {})}  # type: ignore[dict-item]
        assert self.session is not None
        return self.session.request(method, url, headers=headers, **kw)  # type: ignore[arg-type]

    async def create_bucket(self, bucket: str) -> None:
        async with self.request("PUT", self.url(bucket)) as r:
            if r.status != 200:
                raise RuntimeError(f"CreateBucket {bucket}: {r.status} {await r.text()}")


def new_bucket() -> str:
    return "bench-" + uuid.uuid4().hex[:16]


def small_key(i: int) -> str:
    return f"small/{i:07d}"


async def run_concurrently(n: int, concurrency: int, op: Callable[[int], Awaitable[bool]]
                           ) -> tuple[float, list[float], int]:
    """Run op(0..n-1) with `concurrency` workers: (seconds, latencies, errors)."""
    latencies: list[float] = []
    errors = 0
    next_i = 0

    async def worker() -> None:
        nonlocal next_i, errors
        while next_i < n:
            i = next_i
            next_i += 1
            t0 = time.perf_counter()
            try:
                ok = await op(i)
            except (aiohttp.ClientError, asyncio.TimeoutError):
                ok = False                      # counted as an error; the run goes on
            latencies.append(time.perf_counter() - t0)
            errors += not ok
    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(min(concurrency, n))))
    return time.perf_counter() - t0, latencies, errors


def _result(name: str, count: int, seconds: float, unit: str, latencies: list[float],
            errors: int, note: str, scale: float = 1.0) -> Result:
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000 if lat else None
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else None
    return Result(name, count, seconds, count / scale / seconds if seconds else 0.0, unit,
                  p50, p99, errors, note=note)


# --- scenarios: each takes (base_url, options) and leaves what the next one reads -----------------

@dataclasses.dataclass
class State:
    small_bucket: str = ""
    body: bytes = b""
    big_bucket: str = ""
    block: bytes = b""


async def put_small(base_url: str, opts: Options, state: State) -> Result:
    state.small_bucket, state.body = new_bucket(), os.urandom(opts.object_size)
    async with Client(base_url, opts) as c:
        await c.create_bucket(state.small_bucket)

        async def op(i: int) -> bool:
            async with c.request("PUT", c.url(state.small_bucket, small_key(i)), data=state.body) as r:
                await r.read()
                return r.status == 200
        secs, lat, errs = await run_concurrently(opts.ops, opts.concurrency, op)
    return _result(f"PUT {opts.object_size // 1024} KiB", opts.ops, secs, "ops/s", lat, errs,
                   f"{opts.ops} ops, concurrency {opts.concurrency}")


async def get_small(base_url: str, opts: Options, state: State) -> Result:
    async with Client(base_url, opts) as c:
        async def op(i: int) -> bool:
            async with c.request("GET", c.url(state.small_bucket, small_key(i))) as r:
                return r.status == 200 and await r.read() == state.body
        secs, lat, errs = await run_concurrently(opts.ops, opts.concurrency, op)
    return _result(f"GET {opts.object_size // 1024} KiB", opts.ops, secs, "ops/s", lat, errs,
                   f"{opts.ops} ops, concurrency {opts.concurrency}, bodies verified")


async def head_small(base_url: str, opts: Options, state: State) -> Result:
    async with Client(base_url, opts) as c:
        async def op(i: int) -> bool:
            async with c.request("HEAD", c.url(state.small_bucket, small_key(i))) as r:
                return r.status == 200 and r.headers.get("Content-Length") == str(len(state.body))
        secs, lat, errs = await run_concurrently(opts.ops, opts.concurrency, op)
    return _result("HEAD", opts.ops, secs, "ops/s", lat, errs,
                   f"{opts.ops} ops, concurrency {opts.concurrency}")


_TOKEN = re.compile(r"<NextContinuationToken>([^<]*)</NextContinuationToken>")
_KEYCOUNT = re.compile(r"<KeyCount>(\d+)</KeyCount>")


async def list_pages(base_url: str, opts: Options, state: State) -> Result:
    """Walk a bucket of `list_keys` keys with max-keys=page_size, sequentially, until list_pages."""
    bucket = new_bucket()
    async with Client(base_url, opts) as c:
        await c.create_bucket(bucket)

        async def put(i: int) -> bool:
            async with c.request("PUT", c.url(bucket, f"k/{i:07d}"), data=b"") as r:
                await r.read()
                return r.status == 200
        _, _, put_errors = await run_concurrently(opts.list_keys, opts.concurrency, put)
        if put_errors:
            raise RuntimeError(f"listing setup: {put_errors} PUTs failed")
        latencies: list[float] = []
        errors = pages = 0
        walk_keys, token = 0, None
        t0 = time.perf_counter()
        while pages < opts.list_pages:
            query = {"list-type": "2", "max-keys": str(opts.page_size)}
            if token:
                query["continuation-token"] = token
            t1 = time.perf_counter()
            async with c.request("GET", c.url(bucket, **query)) as r:
                text = await r.text()
                ok = r.status == 200
            latencies.append(time.perf_counter() - t1)
            pages += 1
            m = _KEYCOUNT.search(text)
            walk_keys += int(m.group(1)) if m else 0
            t = _TOKEN.search(text) if ok else None
            token = html.unescape(t.group(1)) if t else None
            if token is None:                   # end of a walk: it must have seen every key once
                errors += (not ok) or walk_keys != opts.list_keys
                walk_keys = 0
        secs = time.perf_counter() - t0
    return _result(f"ListObjectsV2 {opts.page_size}/page", pages, secs, "pages/s", latencies, errors,
                   f"{pages} pages over {opts.list_keys} keys, sequential")


def _block() -> bytes:
    return os.urandom(BLOCK)


async def _body(size: int, block: bytes) -> AsyncIterator[bytes]:
    sent = 0
    while sent < size:
        n = min(BLOCK, size - sent)
        yield block if n == BLOCK else block[:n]
        sent += n


def _big_timeout(size: int) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=max(120.0, size / 5e6), sock_read=120)


async def put_big(base_url: str, opts: Options, state: State) -> Result:
    size = opts.size_mib * MIB
    state.big_bucket, state.block = new_bucket(), _block()
    md5 = hashlib.md5()
    for piece in range(0, size, BLOCK):                     # the expected ETag, computed untimed
        md5.update(state.block if size - piece >= BLOCK else state.block[:size - piece])
    async with Client(base_url, opts) as c:
        await c.create_bucket(state.big_bucket)
        t0 = time.perf_counter()
        async with c.request("PUT", c.url(state.big_bucket, "big"),
                             data=_body(size, state.block),
                             headers={"Content-Length": str(size)}, timeout=_big_timeout(size)) as r:
            await r.read()
            ok = r.status == 200 and r.headers.get("ETag", "").strip('"') == md5.hexdigest()
        secs = time.perf_counter() - t0
    return _result(f"PUT {opts.size_mib} MiB streamed", size, secs, "MB/s", [], int(not ok),
                   "ETag verified", scale=1e6)


async def get_big(base_url: str, opts: Options, state: State) -> Result:
    size = opts.size_mib * MIB
    double = state.block + state.block
    got, ok = 0, True
    async with Client(base_url, opts) as c:
        t0 = time.perf_counter()
        async with c.request("GET", c.url(state.big_bucket, "big"),
                             timeout=_big_timeout(size)) as r:
            ok = r.status == 200
            async for chunk in r.content.iter_any():
                for at in range(0, len(chunk), BLOCK):          # compare with the pattern, cheaply
                    piece = chunk[at:at + BLOCK]
                    off = (got + at) % BLOCK
                    ok = ok and piece == double[off:off + len(piece)]
                got += len(chunk)
        secs = time.perf_counter() - t0
    return _result(f"GET {opts.size_mib} MiB streamed", size, secs, "MB/s", [],
                   int(not (ok and got == size)), "bytes verified", scale=1e6)


Scenario = Callable[[str, Options, State], Awaitable[Result]]
SCENARIOS: tuple[Scenario, ...] = (put_small, get_small, head_small, list_pages, put_big, get_big)


# --- servers ---------------------------------------------------------------------------------------

def peak_rss(pid: int | None) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, TypeError):
        pass
    return None


def reset_peak_rss(pid: int | None) -> bool:
    """Linux: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except (OSError, TypeError):
        return False


class S3MockServer:
    """`python -m s3mock --port 0 --data-dir <tmp>`, ready once it printed `Ready.`."""

    def __init__(self, extra_args: list[str]) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="s3mock-bench-"))
        self.output: deque[str] = deque(maxlen=50)
        env = {k: v for k, v in os.environ.items() if not k.startswith("S3MOCK_")}
        cmd = [sys.executable, "-m", "s3mock", "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(self.data_dir), *extra_args]
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.base_url = self._wait_ready()
        threading.Thread(target=self._drain, daemon=True).start()

    def _wait_ready(self) -> str:
        """Read output (bounded by START_TIMEOUT) until `Ready.`; return the served base URL."""
        assert self.proc.stdout is not None
        fd, pending, url = self.proc.stdout.fileno(), b"", None
        deadline = time.monotonic() + START_TIMEOUT
        with selectors.DefaultSelector() as sel:
            sel.register(fd, selectors.EVENT_READ)
            while time.monotonic() < deadline:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                data = os.read(fd, 65536)
                if not data:
                    break
                *lines, pending = (pending + data).split(b"\n")
                for raw in lines:
                    line = raw.decode(errors="replace")
                    self.output.append(line + "\n")
                    m = re.search(r"serving (http://127\.0\.0\.1:\d+)", line)
                    url = m.group(1) if m else url
                    if line.strip() == "Ready." and url:
                        return url
        self.stop()
        raise RuntimeError("s3mock did not start:\n" + "".join(self.output))

    def _drain(self) -> None:
        """Keep reading so the server never blocks on a full pipe; remember the last lines."""
        assert self.proc.stdout is not None
        while data := os.read(self.proc.stdout.fileno(), 65536):
            self.output.extend(data.decode(errors="replace").splitlines(keepends=True))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(self.data_dir, ignore_errors=True)


async def run_all(base_url: str, opts: Options, pid: int | None = None,
                  scenarios: tuple[Scenario, ...] = SCENARIOS,
                  report: Callable[[Result], None] = lambda r: None) -> list[Result]:
    """Run the scenarios in order against base_url; measure each one's peak RSS of pid if given."""
    state, results = State(), []
    for scenario in scenarios:
        reset = reset_peak_rss(pid)
        result = await scenario(base_url, opts, state)
        result.peak_rss_bytes = peak_rss(pid) if reset else None
        report(result)
        results.append(result)
    return results


def options(args: argparse.Namespace) -> Options:
    quick = Options(ops=300, list_keys=2000, list_pages=20, size_mib=8)
    base = quick if args.quick else Options()
    changes = {k: v for k, v in (("ops", args.ops), ("size_mib", args.size_mib),
                                 ("concurrency", args.concurrency)) if v is not None}
    return dataclasses.replace(base, **changes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small fast run (smoke check)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    p.add_argument("--ops", type=int, help="requests per small-object scenario (default 5000)")
    p.add_argument("--size-mib", type=int, help="size of the large PUT/GET in MiB (default 1024)")
    p.add_argument("--concurrency", type=int, help="concurrent requests (default 32)")
    p.add_argument("--endpoint", help="benchmark a server that is already running (localhost only)")
    p.add_argument("--pid", type=int, help="with --endpoint: the server's pid, for its peak RSS")
    p.add_argument("--server-args", default="",
                   help="extra s3mock flags, e.g. '--auth strict' (with --workers N, RSS is the first process's)")
    p.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    args = p.parse_args(argv)
    opts = options(args)
    if args.endpoint and urlsplit(args.endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
        p.error("--endpoint must be on localhost")
    if min(opts.ops, opts.size_mib, opts.concurrency) < 1:
        p.error("--ops, --size-mib and --concurrency must be at least 1")

    def report(r: Result) -> None:
        if not args.json:
            print(r.line(), flush=True)

    server = None if args.endpoint else S3MockServer(shlex.split(args.server_args))
    base_url = args.endpoint or server.base_url  # type: ignore[union-attr]
    pid = args.pid if args.endpoint else server.pid  # type: ignore[union-attr]
    try:
        if not args.json:
            print(f"benchmarking {base_url} ({os.cpu_count()} cores, Python "
                  f"{platform.python_version()}, aiohttp {aiohttp.__version__})", flush=True)
        results = asyncio.run(asyncio.wait_for(run_all(base_url, opts, pid, report=report),
                                               args.timeout))
        whole = peak_rss(pid)
    except BaseException:
        if server is not None:
            sys.stderr.write("server output (last lines):\n" + "".join(server.output))
        raise
    finally:
        if server is not None:
            server.stop()
    errors = sum(r.errors for r in results)
    if args.json:
        print(json.dumps({
            "endpoint": base_url, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "options": dataclasses.asdict(opts),
            "scenarios": [dataclasses.asdict(r) for r in results],
            "server_peak_rss_bytes": whole, "errors": errors}, indent=2))
    else:
        if whole:
            print(f"{'server peak RSS (whole run)':<34} {whole / MIB:10.1f} MiB", flush=True)
        if errors:
            print(f"FAILED: {errors} requests gave a wrong answer", flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
