#!/usr/bin/env python3
"""Benchmark s3mock against a bare-aiohttp reference: small-object PUT/GET/HEAD, ListObjectsV2
pages, CORS preflight against 100 rules, one large streamed PUT/GET.

Starts `python -m s3mock` and the reference (scripts/bench_reference.py: bare aiohttp handlers
doing the minimum per route) each on a temp data dir and an ephemeral port, runs every scenario
against both in rounds, each scenario on one server and at once on the other (the first of the two
alternating from round to round: drift on a noisy machine hits both alike), and
prints per scenario the median of the rounds for each server, the ratio s3mock/reference, and the
server CPU per operation (utime+stime from /proc/<pid>/stat over the timed part) with its ratio.
`--json` prints one JSON document instead. Every scenario is a function of (base_url, options,
state), so any server can be measured by the same code (`--endpoint URL --pid PID`: that server
alone).

Signing: requests carry a real SigV4 signature (UNSIGNED-PAYLOAD, keys test/test), so they work in
every auth mode and with ACLs and the server does its real authentication work; but the signatures
are computed before each timed loop (one per method and URL, cached), so the load generator does
no HMAC inside the measurement. The reference ignores them. The small-request scenarios (PUT, GET,
HEAD, preflight) send pre-built requests over raw kept-alive connections (scripts/bench_load.py),
so the generator uses a small share of the cores the servers run on; `--client aiohttp` sends the
same requests through aiohttp's client instead (what most asyncio clients cost). Listing and the
large transfers always use aiohttp's client. `--data-root tmpfs|disk|DIR` chooses where both
servers' data directories go (default: TMPDIR's); the run prints the file system type it found.
Standard library + aiohttp only; localhost only; every request and the whole run are bounded.

    python scripts/bench.py              # full: 3 rounds; 4 KiB x 5000 ops at concurrency 32, 1 GiB
    python scripts/bench.py --quick      # small and fast (CI smoke check)
    python scripts/bench.py --data-root disk --client aiohttp   # data on disk, aiohttp's client
    python scripts/bench.py --endpoint http://127.0.0.1:9000 --pid 1234   # an already running server
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import datetime
import hashlib
import hmac
import html
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, NamedTuple
from urllib.parse import quote, urlsplit

import aiohttp
from yarl import URL

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_load  # noqa: E402  (scripts/bench_load.py, beside this file)

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
    cors_rules: int = 100         # preflight: the bucket's rules; only the last one matches
    rounds: int = 3               # per server, alternating; medians are reported
    access_key: str = "test"
    secret_key: str = "test"
    region: str = "us-east-1"
    client: str = "bench_load"    # small requests' load generator: scripts/bench_load.py or "aiohttp"
    versioned: bool = False       # versioning Enabled on every bucket the scenarios create
    policy: bool = False          # a 20-statement bucket policy on every bucket; GETs anonymous


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
    cpu_us: float | None = None   # server CPU (user+system) per operation, page or MB
    md5_rate: float | None = None  # large PUT: MB/s of MD5 alone over the same bytes, this run

    def line(self) -> str:
        lat = f"  p50 {self.p50_ms:7.2f} ms  p99 {self.p99_ms:7.2f} ms" if self.p50_ms is not None else ""
        cpu = f"  cpu {self.cpu_us:8.0f} us/{self.unit.split('/')[0][:-1] or 'op'}" if self.cpu_us else ""
        rss = f"  peak RSS {self.peak_rss_bytes / MIB:6.1f} MiB" if self.peak_rss_bytes else ""
        err = f"  ERRORS {self.errors}" if self.errors else ""
        return f"{self.name:<34} {self.rate:10.1f} {self.unit:<8}{lat}{cpu}{rss}{err}  ({self.note})"


# --- requests ------------------------------------------------------------------------------------

class Signer:
    """Minimal SigV4 (UNSIGNED-PAYLOAD) so the benchmark works whatever the server's auth mode."""

    def __init__(self, access_key: str, secret_key: str, region: str) -> None:
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self._keys: dict[str, bytes] = {}
        self._signed: dict[tuple[str, str], tuple[float, dict[str, str]]] = {}

    def cached(self, method: str, url: URL) -> dict[str, str]:
        """headers(), reused for up to 5 minutes (S3 accepts x-amz-date within 15)."""
        hit = self._signed.get((method, str(url)))
        if hit is None or time.monotonic() - hit[0] > 300:
            hit = (time.monotonic(), self.headers(method, url))
            self._signed[(method, str(url))] = hit
        return hit[1]

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

    def presign(self, method: str, urls: list[URL]) -> list[URL]:
        """Sign every URL now, so the timed loop only looks the signatures up."""
        for url in urls:
            self.signer.cached(method, url)
        return urls

    def request(self, method: str, url: URL, **kw: object):
        headers = {**self.signer.cached(method, url), **kw.pop("headers", {})}  # type: ignore[dict-item]
        assert self.session is not None
        return self.session.request(method, url, headers=headers, **kw)  # type: ignore[arg-type]

    async def create_bucket(self, bucket: str) -> None:
        async with self.request("PUT", self.url(bucket)) as r:
            if r.status != 200:
                raise RuntimeError(f"CreateBucket {bucket}: {r.status} {await r.text()}")
        if self.opts.versioned:     # the reference takes this for another CreateBucket: 200
            doc = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
            async with self.request("PUT", self.url(bucket, versioning=""), data=doc) as r:
                if r.status != 200:
                    raise RuntimeError(f"PutBucketVersioning {bucket}: {r.status} {await r.text()}")
        if self.opts.policy:        # likewise: 200 from the reference, 204 from s3mock
            doc = json.dumps(bench_policy(bucket)).encode()
            async with self.request("PUT", self.url(bucket, policy=""), data=doc) as r:
                if r.status not in (200, 204):
                    raise RuntimeError(f"PutBucketPolicy {bucket}: {r.status} {await r.text()}")


def bench_policy(bucket: str) -> dict:
    """20 statements, as a real bucket's might be: 18 that a request must read past (other
    prefixes, actions and principals, conditions on other values), a Deny whose condition these
    requests do not meet, and the Allow that lets anonymous GETs read small/ from this host."""
    arn = f"arn:aws:s3:::{bucket}"
    statements: list[dict] = []
    for i in range(18):
        statements.append({
            "Sid": f"Other{i}", "Effect": "Allow" if i % 3 else "Deny",
            "Principal": {"AWS": f"arn:aws:iam::{100000000000 + i}:root"} if i % 2 else "*",
            "Action": ["s3:GetObject", "s3:PutObject"] if i % 2 else f"s3:GetObject{'Tagging' if i % 4 else 'Acl'}",
            "Resource": f"{arn}/other{i}/*",
            "Condition": {"StringLike": {"aws:UserAgent": f"agent-{i}*"}}})
    statements.append({"Sid": "DenyPublicWrites", "Effect": "Deny", "Principal": "*",
                       "Action": "s3:PutObject", "Resource": f"{arn}/*",
                       "Condition": {"StringEquals": {"s3:x-amz-acl": "public-read-write"}}})
    statements.append({"Sid": "AnonymousReadsFromHere", "Effect": "Allow", "Principal": "*",
                       "Action": "s3:GetObject", "Resource": f"{arn}/small/*",
                       "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8", "::1/128"]}}})
    return {"Version": "2012-10-17", "Statement": statements}


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
            errors: int, note: str, scale: float = 1.0, cpu: float | None = None) -> Result:
    lat = sorted(latencies)
    p50 = statistics.median(lat) * 1000 if lat else None
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else None
    return Result(name, count, seconds, count / scale / seconds if seconds else 0.0, unit,
                  p50, p99, errors, note=note,
                  cpu_us=cpu * 1e6 / (count / scale) if cpu is not None and count else None)


def cpu_seconds(pid: int | None) -> float | None:
    """utime+stime of pid and its child processes (--workers N), from /proc."""
    if pid is None:
        return None
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    try:
        children: list[str] = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                children += f.read().split()
        for p in [str(pid), *children]:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
    except (OSError, ValueError, IndexError):
        return None
    return total


# --- scenarios: each takes (base_url, options) and leaves what the next one reads -----------------

@dataclasses.dataclass
class State:
    pid: int | None = None        # the server's, for its CPU time
    small_bucket: str = ""
    body: bytes = b""
    big_bucket: str = ""
    block: bytes = b""
    _cpu0: float | None = None

    def start_cpu(self) -> None:
        self._cpu0 = cpu_seconds(self.pid)

    def cpu(self) -> float | None:
        now = cpu_seconds(self.pid)
        return now - self._cpu0 if now is not None and self._cpu0 is not None else None


class Req(NamedTuple):
    """One small request of a timed loop, as either load generator sends it."""
    method: str
    url: URL
    headers: dict[str, str]
    body: bytes = b""


async def _timed(name: str, base_url: str, requests: list[Req], opts: Options, state: State,
                 check: Callable[[bench_load.Response], bool], note: str,
                 head_only: bool = False) -> Result:
    """Send the requests with the chosen load generator (opts.client) and time them."""
    timeout = SMALL_TIMEOUT.total or 60.0
    if opts.client == "aiohttp":
        async with Client(base_url, opts) as c:
            state.start_cpu()
            secs, lat, errs = await aiohttp_load(c, requests, opts.concurrency, check, head_only)
    else:
        raw = [bench_load.build(r.method, r.url.raw_path_qs, r.url.raw_authority, r.headers, r.body)
               for r in requests]
        address = urlsplit(base_url)
        state.start_cpu()
        secs, lat, errs = await bench_load.run(address.hostname or "127.0.0.1", address.port or 80,
                                               raw, opts.concurrency, check, head_only, timeout)
    return _result(name, len(requests), secs, "ops/s", lat, errs,
                   f"{len(requests)} ops, concurrency {opts.concurrency}, {opts.client} client{note}",
                   cpu=state.cpu())


async def aiohttp_load(c: Client, requests: list[Req], concurrency: int,
                       check: Callable[[bench_load.Response], bool], head_only: bool = False
                       ) -> tuple[float, list[float], int]:
    """The same requests through aiohttp's client (what most asyncio S3 clients are built on):
    (seconds, latencies, errors), each answer checked as bench_load checks it."""
    assert c.session is not None
    session = c.session

    async def op(i: int) -> bool:
        r = requests[i]
        async with session.request(r.method, r.url, headers=r.headers,
                                   data=r.body if r.body or r.method == "PUT" else None) as resp:
            body = b"" if head_only else await resp.read()
            return check(bench_load.Response(resp.status, {k.lower(): v for k, v in resp.headers.items()},
                                             body))
    return await run_concurrently(len(requests), concurrency, op)


def _signed(c: Client, method: str, urls: list[URL], body: bytes = b"") -> list[Req]:
    return [Req(method, url, c.signer.cached(method, url), body) for url in urls]


def _small_urls(c: Client, opts: Options, state: State) -> list[URL]:
    return [c.url(state.small_bucket, small_key(i)) for i in range(opts.ops)]


async def put_small(base_url: str, opts: Options, state: State) -> Result:
    state.small_bucket, state.body = new_bucket(), os.urandom(opts.object_size)
    async with Client(base_url, opts) as c:
        await c.create_bucket(state.small_bucket)
        requests = _signed(c, "PUT", _small_urls(c, opts, state), state.body)
    return await _timed(f"PUT {opts.object_size // 1024} KiB", base_url, requests, opts, state,
                        lambda r: r.status == 200, "")


async def get_small(base_url: str, opts: Options, state: State) -> Result:
    async with Client(base_url, opts) as c:
        requests = _signed(c, "GET", _small_urls(c, opts, state))
    if opts.policy:     # anonymous: the bucket policy is what lets them read
        requests = [Req(r.method, r.url, {}, r.body) for r in requests]
    return await _timed(f"GET {opts.object_size // 1024} KiB", base_url, requests, opts, state,
                        lambda r: r.status == 200 and r.body == state.body, ", bodies verified")


async def head_small(base_url: str, opts: Options, state: State) -> Result:
    async with Client(base_url, opts) as c:
        requests = _signed(c, "HEAD", _small_urls(c, opts, state))
    size = str(len(state.body))
    return await _timed("HEAD", base_url, requests, opts, state,
                        lambda r: r.status == 200 and r.headers.get("content-length") == size, "",
                        head_only=True)


async def preflight(base_url: str, opts: Options, state: State) -> Result:
    """OPTIONS against a bucket of `cors_rules` rules where only the last matches the origin."""
    bucket, origin = new_bucket(), "https://bench.example"
    rules = "".join(f"<CORSRule><AllowedOrigin>https://other-{i}.example</AllowedOrigin>"
                    "<AllowedMethod>GET</AllowedMethod></CORSRule>" for i in range(opts.cors_rules - 1))
    rules += (f"<CORSRule><AllowedOrigin>{origin}</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
              "<AllowedMethod>PUT</AllowedMethod><AllowedHeader>*</AllowedHeader>"
              "<MaxAgeSeconds>3000</MaxAgeSeconds></CORSRule>")
    doc = f"<CORSConfiguration>{rules}</CORSConfiguration>".encode()
    md5 = base64.b64encode(hashlib.md5(doc).digest()).decode()
    async with Client(base_url, opts) as c:
        await c.create_bucket(bucket)
        async with c.request("PUT", c.url(bucket, cors=""), data=doc,
                             headers={"Content-MD5": md5}) as r:
            if r.status != 200:
                raise RuntimeError(f"PutBucketCors: {r.status} {await r.text()}")
        headers = {"Origin": origin, "Access-Control-Request-Method": "PUT",
                   "Access-Control-Request-Headers": "content-type"}
        urls = [c.url(bucket, small_key(i)) for i in range(opts.ops)]
        requests = [Req("OPTIONS", url, headers) for url in urls]     # unsigned, like a browser's
    return await _timed(f"CORS preflight, {opts.cors_rules} rules", base_url, requests, opts, state,
                        lambda r: r.status == 200 and
                        r.headers.get("access-control-allow-origin") == origin,
                        ", match on the last rule")


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
        state.start_cpu()
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
                   f"{pages} pages over {opts.list_keys} keys, sequential", cpu=state.cpu())


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
    md5, t0 = hashlib.md5(), time.perf_counter()
    for piece in range(0, size, BLOCK):     # the expected ETag, and the speed of MD5 on one core
        md5.update(state.block if size - piece >= BLOCK else state.block[:size - piece])
    md5_secs = time.perf_counter() - t0
    async with Client(base_url, opts) as c:
        await c.create_bucket(state.big_bucket)
        url = c.presign("PUT", [c.url(state.big_bucket, "big")])[0]
        state.start_cpu()
        t0 = time.perf_counter()
        async with c.request("PUT", url,
                             data=_body(size, state.block),
                             headers={"Content-Length": str(size)}, timeout=_big_timeout(size)) as r:
            await r.read()
            ok = r.status == 200 and r.headers.get("ETag", "").strip('"') == md5.hexdigest()
        secs = time.perf_counter() - t0
    res = _result(f"PUT {opts.size_mib} MiB streamed", size, secs, "MB/s", [], int(not ok),
                  f"ETag verified; MD5 alone {size / 1e6 / md5_secs:.0f} MB/s", scale=1e6,
                  cpu=state.cpu())
    res.md5_rate = size / 1e6 / md5_secs
    return res


async def get_big(base_url: str, opts: Options, state: State) -> Result:
    size = opts.size_mib * MIB
    double = state.block + state.block
    got, ok = 0, True
    async with Client(base_url, opts) as c:
        url = c.presign("GET", [c.url(state.big_bucket, "big")])[0]
        state.start_cpu()
        t0 = time.perf_counter()
        async with c.request("GET", url,
                             timeout=_big_timeout(size)) as r:
            ok = r.status == 200
            async for chunk in r.content.iter_any():
                for at in range(0, len(chunk), BLOCK):          # compare with the pattern, cheaply
                    piece = chunk[at:at + BLOCK]
                    off = (got + at) % BLOCK
                    ok = ok and piece == double[off:off + len(piece)]
                got += len(chunk)
        secs = time.perf_counter() - t0
        cpu = state.cpu()
        async with c.request("DELETE", c.url(state.big_bucket, "big")) as r:   # free the disk
            await r.read()
    return _result(f"GET {opts.size_mib} MiB streamed", size, secs, "MB/s", [],
                   int(not (ok and got == size)), "bytes verified", scale=1e6, cpu=cpu)


Scenario = Callable[[str, Options, State], Awaitable[Result]]
SCENARIOS: tuple[Scenario, ...] = (put_small, get_small, head_small, list_pages, preflight,
                                   put_big, get_big)
NAMES = {"put": put_small, "get": get_small, "head": head_small, "list": list_pages,
         "preflight": preflight, "put-big": put_big, "get-big": get_big}
NEEDS = {get_small: put_small, head_small: put_small, get_big: put_big}   # reads what these wrote


def chosen(names: list[str] | None) -> tuple[Scenario, ...]:
    """The named scenarios and those they read from, in the usual order (all when None)."""
    if not names:
        return SCENARIOS
    want = {NAMES[n] for n in names}
    want |= {NEEDS[s] for s in want if s in NEEDS}
    return tuple(s for s in SCENARIOS if s in want)


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


# --data-root's names for the two media: /dev/shm is tmpfs on Linux; /var/tmp is on disk on most
# systems (unlike /tmp, which is tmpfs on many). The run prints the type it found (fs_type).
MEDIA = {"tmpfs": "/dev/shm", "disk": "/var/tmp"}


def data_root(choice: str | None) -> Path:
    """Where both servers' data directories go: a MEDIA name, a directory, or None (TMPDIR's)."""
    return Path(MEDIA.get(choice, choice) if choice else tempfile.gettempdir()).resolve()


def fs_type(path: Path, mounts: str | None = None) -> str:
    """The type of the file system holding path: the longest mount point above it in
    /proc/self/mounts (or `mounts`, that file's text); "unknown" when there is none."""
    if mounts is None:
        try:
            mounts = Path("/proc/self/mounts").read_text()
        except OSError:
            return "unknown"
    best, kind = -1, "unknown"
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        # The kernel writes a space in a mount point as \040 (octal escapes).
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[1])
        inside = str(path) == point or str(path).startswith(point.rstrip("/") + "/")
        if inside and len(point) > best:
            best, kind = len(point), fields[2]
    return kind


class Server:
    """`python -m s3mock` (or the reference) on port 0 and a temp data dir under `root` (both
    servers' under the same one, so both write to the same medium), ready at `Ready.`.
    Its output (the access log: a line a request) goes to a file, not a pipe: reading a pipe
    would cost the load generator CPU for one server only."""

    def __init__(self, name: str, extra_args: list[str], root: Path | None = None) -> None:
        self.name = name
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"{name}-bench-", dir=root))
        fd, self.log_path = tempfile.mkstemp(prefix=f"{name}-bench-", suffix=".log")
        env = {k: v for k, v in os.environ.items() if not k.startswith("S3MOCK_")}
        prog = (["-m", "s3mock"] if name == "s3mock"
                else [str(REPO / "scripts" / "bench_reference.py")])
        cmd = [sys.executable, *prog, "--host", "127.0.0.1", "--port", "0",
               "--data-dir", str(self.data_dir), *extra_args]
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.base_url = self._wait_ready()

    @property
    def output(self) -> list[str]:
        """The last lines the server printed."""
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, os.fstat(f.fileno()).st_size - 16384))
                return f.read().decode(errors="replace").splitlines(keepends=True)[-50:]
        except OSError:
            return []

    def _wait_ready(self) -> str:
        """Poll the output (bounded by START_TIMEOUT) for `Ready.`; return the served base URL."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            if "Ready." in (line.strip() for line in lines):
                for line in lines:
                    m = re.search(r"serving (http://127\.0\.0\.1:\d+)", line)
                    if m:
                        return m.group(1)
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{self.name} did not start:\n" + "".join(self.output))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
        shutil.rmtree(self.data_dir, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.unlink(self.log_path)


def _steps(scenarios: tuple[Scenario, ...]) -> list[tuple[Scenario, ...]]:
    """The scenarios as the steps a round alternates servers by: each alone, except the large
    PUT with the GET that reads and deletes its object (one large object on disk at a time)."""
    steps: list[tuple[Scenario, ...]] = []
    for scenario in scenarios:
        if scenario is get_big and steps and steps[-1][-1] is put_big:
            steps[-1] += (scenario,)
        else:
            steps.append((scenario,))
    return steps


async def run_rounds(targets: dict[str, tuple[str, int | None]], opts: Options,
                     scenarios: tuple[Scenario, ...] = SCENARIOS,
                     report: Callable[[int, str, Result], None] = lambda i, n, r: None
                     ) -> dict[str, list[list[Result]]]:
    """`opts.rounds` rounds over the targets (name: base URL, pid); in each, every step runs on
    one server and at once on the other (the first server alternating from round to round), so
    the two figures a ratio compares were measured seconds apart: on a shared machine the
    neighbours' load moves from one second to the next. Each scenario's peak RSS and CPU are
    the pid's. Returns each server's results, a list per round."""
    runs: dict[str, list[list[Result]]] = {name: [] for name in targets}
    for i in range(opts.rounds):
        order = list(targets) if i % 2 == 0 else list(targets)[::-1]
        states = {name: State(pid=targets[name][1]) for name in order}
        results: dict[str, list[Result]] = {name: [] for name in order}
        for step in _steps(scenarios):
            for name in order:
                url, pid = targets[name]
                for scenario in step:
                    reset = reset_peak_rss(pid)
                    result = await scenario(url, opts, states[name])
                    result.peak_rss_bytes = peak_rss(pid) if reset else None
                    report(i, name, result)
                    results[name].append(result)
        for name in order:
            runs[name].append(results[name])
    return runs


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarise(runs: dict[str, list[list[Result]]]) -> list[dict]:
    """Per scenario: the median over rounds of each server's rate and CPU, and the ratios."""
    out = []
    for i, first in enumerate(runs["s3mock"][0]):
        row: dict = {"scenario": first.name, "unit": first.unit}
        for name, rounds in runs.items():
            rs = [r[i] for r in rounds]
            row[name] = {"rate": _median([r.rate for r in rs]), "cpu_us": _median([r.cpu_us for r in rs]),
                         "rates": [round(r.rate, 1) for r in rs], "errors": sum(r.errors for r in rs),
                         "peak_rss_bytes": max((r.peak_rss_bytes or 0) for r in rs) or None}
            if first.md5_rate is not None:
                row[name]["md5_rate"] = _median([r.md5_rate for r in rs])
        if "reference" in row:
            s, ref = row["s3mock"], row["reference"]
            row["ratio"] = s["rate"] / ref["rate"] if ref["rate"] else None
            row["cpu_ratio"] = (s["cpu_us"] / ref["cpu_us"]) if s["cpu_us"] and ref["cpu_us"] else None
        if first.md5_rate is not None:
            row["s3mock_vs_md5"] = row["s3mock"]["rate"] / row["s3mock"]["md5_rate"]
        out.append(row)
    return out


def summary_lines(rows: list[dict]) -> list[str]:
    head = (f"{'scenario':<32} {'s3mock':>9} {'reference':>9} {'ratio':>6}   "
            f"{'cpu/op s3mock':>13} {'reference':>9} {'ratio':>6}  unit")
    lines = [head, "-" * len(head)]
    for row in rows:
        s, ref = row["s3mock"], row.get("reference")
        f = lambda v, w, fmt: format(v, fmt).rjust(w) if v is not None else "-".rjust(w)  # noqa: E731
        line = (f"{row['scenario']:<32} {f(s['rate'], 9, ',.1f')} "
                f"{f(ref and ref['rate'], 9, ',.1f')} {f(row.get('ratio'), 6, '.2f')}   "
                f"{f(s['cpu_us'], 11, ',.0f')}us {f(ref and ref['cpu_us'], 7, ',.0f')}us "
                f"{f(row.get('cpu_ratio'), 6, '.2f')}  {row['unit']}")
        if "s3mock_vs_md5" in row:
            line += f"  (MD5 alone {s['md5_rate']:.0f} MB/s: s3mock at {row['s3mock_vs_md5']:.2f})"
        if s["errors"] or (ref and ref["errors"]):
            line += f"  ERRORS {s['errors']}/{ref['errors'] if ref else 0}"
        lines.append(line)
    return lines


def options(args: argparse.Namespace) -> Options:
    quick = Options(ops=300, list_keys=2000, list_pages=20, size_mib=8, rounds=1)
    base = quick if args.quick else Options()
    changes = {k: v for k, v in (("ops", args.ops), ("size_mib", args.size_mib),
                                 ("concurrency", args.concurrency), ("rounds", args.rounds),
                                 ("list_keys", args.list_keys), ("client", args.client),
                                 ("versioned", args.versioned or None),
                                 ("policy", args.policy or None))
               if v is not None}
    return dataclasses.replace(base, **changes)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a small fast run (smoke check)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    p.add_argument("--ops", type=int, help="requests per small-object scenario (default 5000)")
    p.add_argument("--size-mib", type=int, help="size of the large PUT/GET in MiB (default 1024)")
    p.add_argument("--concurrency", type=int, help="concurrent requests (default 32)")
    p.add_argument("--list-keys", type=int, help="keys in the listed bucket (default 10,000)")
    p.add_argument("--rounds", type=int, help="rounds per server, alternating (default 3; --quick 1)")
    p.add_argument("--client", choices=("bench_load", "aiohttp"),
                   help="load generator of the small requests (PUT, GET, HEAD, preflight): the "
                        "lean one (scripts/bench_load.py, default) or aiohttp's client")
    p.add_argument("--data-root", metavar="tmpfs|disk|DIR",
                   help="where both servers' data directories go: tmpfs (/dev/shm), disk "
                        "(/var/tmp) or a directory (default: TMPDIR's)")
    p.add_argument("--versioned", action="store_true",
                   help="enable versioning on every bucket the scenarios create (the reference "
                        "ignores it): the scenarios then measure versioned buckets")
    p.add_argument("--policy", action="store_true",
                   help="put a 20-statement bucket policy on every bucket the scenarios create "
                        "(the reference ignores it) and send the GETs anonymously: the policy "
                        "decides them")
    p.add_argument("--no-reference", action="store_true", help="measure s3mock alone")
    p.add_argument("--endpoint", help="benchmark a server that is already running (localhost only)")
    p.add_argument("--pid", type=int, help="with --endpoint: the server's pid, for its RSS and CPU")
    p.add_argument("--server-args", default="",
                   help="extra s3mock flags, e.g. '--auth strict' or '--workers 2' (CPU counts "
                        "every worker; RSS is the first process's)")
    p.add_argument("--only", action="append", choices=list(NAMES),
                   help="run this scenario (repeatable; get/head also run put, get-big put-big)")
    p.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    args = p.parse_args(argv)
    opts = options(args)
    if args.endpoint and urlsplit(args.endpoint).hostname not in ("127.0.0.1", "localhost", "::1"):
        p.error("--endpoint must be on localhost")
    if min(opts.ops, opts.size_mib, opts.concurrency, opts.rounds) < 1:
        p.error("--ops, --size-mib, --concurrency and --rounds must be at least 1")
    root = data_root(args.data_root)
    if not args.endpoint and not root.is_dir():
        p.error(f"--data-root {args.data_root}: {root} is not a directory")
    medium = fs_type(root)

    servers: dict[str, Server] = {}
    targets: dict[str, tuple[str, int | None]] = {}
    try:
        if args.endpoint:
            targets["s3mock"] = (args.endpoint, args.pid)
        else:
            servers["s3mock"] = Server("s3mock", shlex.split(args.server_args), root)
            if not args.no_reference:
                servers["reference"] = Server("reference", [], root)
            targets = {n: (s.base_url, s.pid) for n, s in servers.items()}
        if not args.json:
            print(f"benchmarking {', '.join(f'{n} {u}' for n, (u, _) in targets.items())} "
                  f"({os.cpu_count()} cores, Python {platform.python_version()}, "
                  f"aiohttp {aiohttp.__version__}), {opts.rounds} round(s), {opts.client} "
                  "client" + ("" if args.endpoint else f", data in {root} ({medium})")
                  + (", versioned buckets" if opts.versioned else "")
                  + (", 20-statement bucket policies, anonymous GETs" if opts.policy else ""),
                  flush=True)

        def report(i: int, name: str, r: Result) -> None:
            if not args.json:
                print(f"  [{i + 1} {name:>9}] {r.line()}", flush=True)

        runs = asyncio.run(asyncio.wait_for(run_rounds(targets, opts, chosen(args.only), report),
                                            args.timeout))
        # Each scenario resets the high-water mark: the whole run's peak is the largest of theirs.
        whole = {n: max([peak_rss(pid) or 0] + [r.peak_rss_bytes or 0 for rs in runs[n]
                                                 for r in rs]) or None
                 for n, (_, pid) in targets.items()}
    except BaseException:
        for server in servers.values():
            sys.stderr.write(f"{server.name} output (last lines):\n" + "".join(server.output))
        raise
    finally:
        for server in servers.values():
            server.stop()
    rows = summarise(runs)
    errors = sum(row[n]["errors"] for row in rows for n in runs)
    if args.json:
        print(json.dumps({
            "endpoints": {n: u for n, (u, _) in targets.items()}, "cores": os.cpu_count(),
            "python": platform.python_version(), "aiohttp": aiohttp.__version__,
            "platform": platform.platform(), "options": dataclasses.asdict(opts),
            "data_root": None if args.endpoint else str(root),
            "data_fs": None if args.endpoint else medium,
            "summary": rows, "server_peak_rss_bytes": whole, "errors": errors,
            "rounds": {n: [[dataclasses.asdict(r) for r in rs] for rs in rr] for n, rr in runs.items()},
        }, indent=2))
    else:
        print(f"\nmedian of {opts.rounds} round(s); ratio = s3mock / reference "
              "(rates: higher is better for s3mock; cpu: lower is)")
        print("\n".join(summary_lines(rows)))
        for n, rss in whole.items():
            if rss:
                print(f"{n} peak RSS (whole run): {rss / MIB:.1f} MiB", flush=True)
        if errors:
            print(f"FAILED: {errors} requests gave a wrong answer", flush=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
