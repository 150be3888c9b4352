"""Test support shared by every test directory: start a live s3mock server, make boto3 clients."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

from dataclasses import dataclass
from pathlib import Path

import hashlib
import json
import sqlite3

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.config import Config

ACCESS_KEY = "test"
SECRET_KEY = "test"


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    data_dir: Path
    args: tuple[str, ...]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: str = "TERM") -> None:
        if self.proc.poll() is None:
            if sig == "KILL":
                self.proc.kill()
            else:
                self.proc.terminate()
            self.proc.wait(timeout=20)


def start_server(data_dir: Path, *args: str, port: int = 0, env: dict | None = None) -> Server:
    """Start `python -m s3mock` and wait (bounded) for its `Ready.` line."""
    cmd = [sys.executable, "-m", "s3mock", "--host", "127.0.0.1", "--port", str(port),
           "--data-dir", str(data_dir), *args]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("S3MOCK_")}
    full_env.update(env or {})
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=full_env)
    found_port = None
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"serving http://127\.0\.0\.1:(\d+)", line)
        if m:
            found_port = int(m.group(1))
        if line.strip() == "Ready.":
            break
    else:
        proc.kill()
        raise RuntimeError("server did not become ready: " + "".join(lines))
    if found_port is None:
        proc.kill()
        raise RuntimeError("server did not start: " + "".join(lines))
    # keep draining output so the server never blocks on a full pipe
    import threading
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
    return Server(proc, found_port, data_dir, args)


def client(endpoint: str, service: str = "s3", **config) -> object:
    return boto3.client(
        service, endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
        config=Config(**config) if config else None)


def error_of(fn, **kwargs) -> dict:
    """The error response of a boto3 call that must fail."""
    with pytest.raises(ClientError) as exc:
        fn(**kwargs)
    return exc.value.response


def status(resp: dict) -> int:
    return resp["ResponseMetadata"]["HTTPStatusCode"]


def md5_etag(data: bytes) -> str:
    return f'"{hashlib.md5(data).hexdigest()}"'


def blob_files(data_dir: Path) -> set[str]:
    """Blob ids of the files under blobs/."""
    return {p.name for p in (data_dir / "blobs").rglob("*") if p.is_file()}


def referenced_blobs(data_dir: Path) -> set[str]:
    """Blob ids the metadata database points to (objects' and versions' segments, parts)."""
    db = sqlite3.connect(f"file:{data_dir / 'meta.sqlite3'}?mode=ro", uri=True)
    try:
        tables = ["objects"] + [t for (t,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='versions'")]
        live = {s[0] for t in tables for (segs,) in db.execute(f"SELECT segments FROM {t}")
                for s in json.loads(segs)}
        live |= {b for (b,) in db.execute("SELECT blob FROM parts")}
    finally:
        db.close()
    return live
