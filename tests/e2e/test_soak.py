"""Soak: 200 concurrent connections of mixed traffic (PUT, GET, LIST, DELETE, multipart, CORS
preflight) against a live server on loopback for a bounded time, then every acknowledged object is
verified byte for byte. Zero 5xx; the server's RSS and open descriptors (sampled from /proc) show no
growth trend between the first and the last third of the run.

Duration: S3MOCK_SOAK_SECONDS (default 20, so it runs in the normal suite). The longer run:
    S3MOCK_SOAK_SECONDS=180 python -m pytest tests/e2e/test_soak.py -q
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import random
import re
import statistics
import time
from urllib.parse import quote

import aiohttp

from support import start_server

CONNECTIONS = 200
SECONDS = float(os.environ.get("S3MOCK_SOAK_SECONDS", "20"))
BUCKET = "soak"
ORIGIN = "https://app.example"
MIB = 1024 * 1024
# The server runs in lenient mode (the default): it reads who signed without checking the
# signature, so this header identifies the owner (as tests/api does).
AUTH = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                         "SignedHeaders=host;x-amz-date, Signature=0",
        "x-amz-date": "20250101T000000Z"}
CORS = (f"<CORSConfiguration><CORSRule><AllowedOrigin>{ORIGIN}</AllowedOrigin>"
        "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
        "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>"
        "</CORSConfiguration>")


def sample(pid: int) -> tuple[int, int]:
    """(VmRSS in KiB, open descriptors) of the server process."""
    with open(f"/proc/{pid}/status") as f:
        rss = int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


class Soak:
    def __init__(self, session: aiohttp.ClientSession, base: str, deadline: float):
        self.s, self.base, self.deadline = session, base, deadline
        self.acked: dict[str, str] = {}          # key -> sha256 of the acknowledged body
        self.statuses: dict[int, int] = {}
        self.problems: list[str] = []
        self.ops = 0

    async def req(self, method: str, path: str, expect: tuple[int, ...], **kw) -> tuple[int, bytes]:
        async with self.s.request(method, self.base + path, **kw) as r:
            body = await r.read()
        self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
        self.ops += 1
        if r.status not in expect:
            self.problems.append(f"{method} {path}: {r.status} {body[:300]!r}")
        return r.status, body

    async def put(self, key: str, body: bytes) -> None:
        status, _ = await self.req("PUT", f"/{BUCKET}/{key}", (200,), data=body)
        if status == 200:
            self.acked[key] = hashlib.sha256(body).hexdigest()

    async def multipart(self, key: str, rng: random.Random) -> None:
        status, doc = await self.req("POST", f"/{BUCKET}/{key}?uploads", (200,))
        if status != 200:
            return
        upload = re.search(rb"<UploadId>(.*?)</UploadId>", doc).group(1).decode()
        sizes = [5 * MIB, rng.randrange(1, 100_000)] if rng.random() < 0.05 else [rng.randrange(0, 200_000)]
        bodies, parts = [rng.randbytes(n) for n in sizes], []
        for n, body in enumerate(bodies, 1):
            async with self.s.put(f"{self.base}/{BUCKET}/{key}?partNumber={n}&uploadId={upload}",
                                  data=body) as r:
                await r.read()
                self.statuses[r.status] = self.statuses.get(r.status, 0) + 1
                if r.status != 200:
                    self.problems.append(f"UploadPart: {r.status}")
                    return
                parts.append(f"<Part><PartNumber>{n}</PartNumber><ETag>{r.headers['ETag']}</ETag></Part>")
        if rng.random() < 0.15:
            await self.req("DELETE", f"/{BUCKET}/{key}?uploadId={upload}", (204,))
            return
        doc = f"<CompleteMultipartUpload>{''.join(parts)}</CompleteMultipartUpload>"
        status, _ = await self.req("POST", f"/{BUCKET}/{key}?uploadId={upload}", (200,), data=doc)
        if status == 200:
            self.acked[key] = hashlib.sha256(b"".join(bodies)).hexdigest()

    async def get(self, key: str) -> None:
        status, body = await self.req("GET", f"/{BUCKET}/{key}", (200, 404))
        want = self.acked.get(key)
        if (status == 200) != (want is not None) or (want and hashlib.sha256(body).hexdigest() != want):
            self.problems.append(f"GET {key}: {status}, {len(body)} bytes, not the acknowledged body")

    async def list(self, prefix: str) -> None:
        status, doc = await self.req("GET", f"/{BUCKET}?list-type=2&prefix={prefix}", (200,))
        keys = {k.decode() for k in re.findall(rb"<Key>(.*?)</Key>", doc)}
        if status == 200 and keys != {k for k in self.acked if k.startswith(prefix)}:
            self.problems.append(f"LIST {prefix}: {sorted(keys)}")

    async def preflight(self, key: str) -> None:
        await self.req("OPTIONS", f"/{BUCKET}/{key}", (200,), headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"}, skip_auto_headers=("Authorization",))

    async def connection(self, n: int) -> None:
        """One client's loop: its own keys, so its model of them is exact."""
        rng = random.Random(n)
        keys = [f"c{n:03d}/k{i}" for i in range(4)]
        while time.monotonic() < self.deadline:
            key, r = rng.choice(keys), rng.random()
            if r < 0.30:
                await self.put(key, rng.randbytes(rng.choice([0, 100, 4000, 70_000, 300_000])))
            elif r < 0.60:
                await self.get(key)
            elif r < 0.70:
                await self.list(f"c{n:03d}/")
            elif r < 0.80:
                status, _ = await self.req("DELETE", f"/{BUCKET}/{key}", (204,))
                if status == 204:
                    self.acked.pop(key, None)
            elif r < 0.88:
                await self.multipart(key, rng)
            else:
                await self.preflight(key)


async def test_soak(tmp_path):
    srv = start_server(tmp_path / "data")
    try:
        connector = aiohttp.TCPConnector(limit=CONNECTIONS, limit_per_host=CONNECTIONS)
        timeout = aiohttp.ClientTimeout(total=120)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers=AUTH) as s:
            async with s.put(f"{srv.endpoint}/{BUCKET}") as r:
                assert r.status == 200
            async with s.put(f"{srv.endpoint}/{BUCKET}?cors", data=CORS,
                             headers={"Content-MD5": base64.b64encode(
                                 hashlib.md5(CORS.encode()).digest()).decode()}) as r:
                assert r.status == 200, await r.text()
            start = time.monotonic()
            soak = Soak(s, srv.endpoint, start + SECONDS)
            samples: list[tuple[float, int, int]] = []

            async def sampler():
                while time.monotonic() < soak.deadline:
                    samples.append((time.monotonic() - start, *sample(srv.proc.pid)))
                    await asyncio.sleep(SECONDS / 40)
            tasks = [asyncio.create_task(soak.connection(n)) for n in range(CONNECTIONS)]
            await asyncio.wait_for(asyncio.gather(sampler(), *tasks), timeout=SECONDS + 120)

            assert sum(n for st, n in soak.statuses.items() if st >= 500) == 0, soak.statuses
            assert soak.problems == [], soak.problems[:10]
            assert soak.ops > CONNECTIONS * 5, soak.ops

            # every acknowledged object, byte for byte (and nothing else is there)
            sem = asyncio.Semaphore(32)

            async def verify(key, digest):
                async with sem, s.get(f"{srv.endpoint}/{BUCKET}/{key}") as r:
                    body = await r.read()
                    assert r.status == 200 and hashlib.sha256(body).hexdigest() == digest, key
            await asyncio.gather(*(verify(k, d) for k, d in soak.acked.items()))
            listed, token = set(), None
            for _ in range(100):
                q = f"&continuation-token={token}" if token else ""
                async with s.get(f"{srv.endpoint}/{BUCKET}?list-type=2{q}") as r:
                    doc = await r.read()
                listed |= {k.decode() for k in re.findall(rb"<Key>(.*?)</Key>", doc)}
                m = re.search(rb"<NextContinuationToken>(.*?)</NextContinuationToken>", doc)
                if not m:
                    break
                token = quote(m.group(1).decode(), safe="")
            assert listed == set(soak.acked)

        # no growth trend: the last third of the run against the first (generous bounds)
        third = len(samples) // 3
        assert third >= 3, samples
        first, last = samples[:third], samples[-third:]
        rss_first = statistics.mean(r for _, r, _ in first)
        rss_last = statistics.mean(r for _, r, _ in last)
        fds_first = max(f for _, _, f in first)
        fds_last = max(f for _, _, f in last)
        assert rss_last <= rss_first * 1.5 + 64 * 1024, (rss_first, rss_last)
        assert fds_last <= fds_first + 64, (fds_first, fds_last)
        # and no descriptor is left once the clients are gone (polled: the server sees the
        # closed keep-alive connections a moment later)
        for _ in range(50):
            _, fds_idle = sample(srv.proc.pid)
            if fds_idle <= fds_first:
                break
            await asyncio.sleep(0.1)
        assert fds_idle <= fds_first, (fds_idle, fds_first)
        print(f"soak: {soak.ops} requests in {SECONDS:.0f} s, {len(soak.acked)} objects verified, "
              f"statuses {dict(sorted(soak.statuses.items()))}, RSS {rss_first:.0f}->{rss_last:.0f} KiB, "
              f"fds {fds_first}->{fds_last}, idle {fds_idle}")
    finally:
        srv.stop("TERM")
