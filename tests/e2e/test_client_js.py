"""The AWS SDK for JavaScript v3 (@aws-sdk/client-s3, lib-storage's Upload, s3-request-presigner)
against a live s3mock, in path and virtual-host style: in Node, and bundled by esbuild for a page
in headless Chromium.

The SDK's calls are tests/e2e/js/steps.mjs (the same in both runtimes), run by node_client.mjs or
by the bundled browser_entry.mjs; each prints or returns JSON with what the SDK answered and where
each request went. The test asserts that, and reads back with boto3 what the server stored.

Virtual-host style: Node's agent resolves *.localhost to 127.0.0.1 itself (node_client.mjs);
Chromium does so on its own. Needs `npm ci` in tests/e2e/js (and, for the page, Debian's
chromium and playwright): when missing these tests skip, or fail when S3MOCK_REQUIRE_CLIENTS=1
(or S3MOCK_REQUIRE_BROWSER=1 for the browser).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import subprocess
import threading
import uuid
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support import ACCESS_KEY, SECRET_KEY, md5_etag
from tests.e2e import browser_helpers as bh
from tests.e2e.browser_helpers import pattern, put_cors, rule
from tests.e2e.real_clients import multipart_etag, unavailable

JS_DIR = Path(__file__).parent / "js"
MiB = 1024 * 1024
PART = 5 * MiB                  # steps.mjs' Upload part size
BIG = 2 * PART + 2 * MiB        # three parts, the last one short
HELLO = b"hello from the JS SDK"
STYLES = ["path", "virtual"]
TIMEOUT = 300


def js_unavailable() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm)"
    if not (JS_DIR / "node_modules" / "@aws-sdk" / "client-s3").is_dir():
        return "the JS SDK is not installed (npm ci in tests/e2e/js)"
    return None


@pytest.fixture(scope="module")
def js():
    why = js_unavailable()
    if why is not None:
        unavailable(why)
    return JS_DIR


def new_bucket() -> str:
    return f"js-{uuid.uuid4().hex[:16]}"


def config(port: int, style: str, bucket: str) -> dict:
    return {"endpoint": f"http://localhost:{port}", "style": style, "bucket": bucket,
            "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY, "bigSize": BIG}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def assert_object_steps(r: dict, s3, bucket: str) -> None:
    """What objectSteps' calls returned, and what the server stored after them."""
    big = pattern(BIG)
    hello_etag, small_etag = md5_etag(HELLO), md5_etag(pattern(1000))
    big_etag = multipart_etag(big, PART)
    assert r["put"]["etag"] == hello_etag
    assert r["get"] == {"text": HELLO.decode(), "etag": hello_etag, "contentType": "text/plain",
                        "contentLength": len(HELLO), "metadata": {"from": "js-sdk"}}
    assert r["listRoot"] == {"keys": [["hello.txt", len(HELLO), hello_etag]],
                             "prefixes": ["dir/"], "keyCount": 2}
    assert r["listDir"]["keys"] == [[k, 1000, small_etag]
                                    for k in ("dir/a.bin", "dir/b.bin", "dir/sub/c.bin")]
    assert r["upload"] == {"etag": big_etag, "key": "big.bin", "bucket": bucket, "parts": [1, 2, 3]}
    assert r["getBig"]["size"] == BIG and r["getBig"]["sha256"] == sha256(big)
    assert r["getBig"]["etag"] == big_etag
    assert r["getRange"]["size"] == 20
    assert r["getRange"]["sha256"] == sha256(big[PART - 10:PART + 10])
    assert [k[0] for k in r["listAfterDelete"]["keys"]] == [
        "big.bin", "dir/a.bin", "dir/sub/c.bin", "hello.txt"]

    hello = s3.get_object(Bucket=bucket, Key="hello.txt")
    assert hello["Body"].read() == HELLO
    assert (hello["ContentType"], hello["Metadata"]) == ("text/plain", {"from": "js-sdk"})
    stored = s3.get_object(Bucket=bucket, Key="big.bin")
    assert stored["ETag"] == big_etag and stored["Body"].read() == big
    first = s3.head_object(Bucket=bucket, Key="big.bin", PartNumber=1)
    assert (first["ContentLength"], first["PartsCount"]) == (PART, 3)
    assert s3.get_object(Bucket=bucket, Key="dir/a.bin")["Body"].read() == pattern(1000)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def assert_addressed(style: str, bucket: str, hosts_paths: list[tuple[str, str]]) -> None:
    """Every request went where the style says: the bucket in the host name, or in the path."""
    assert hosts_paths
    for host, path in hosts_paths:
        if style == "virtual":
            assert host == f"{bucket}.localhost" and not path.startswith(f"/{bucket}"), (host, path)
        else:
            assert host == "localhost" and path.startswith(f"/{bucket}/"), (host, path)


# --------------------------------------------------------------------------- Node

@pytest.mark.parametrize("style", STYLES)
def test_node_sdk(js, server, s3, style):
    bucket = new_bucket()
    cfg = json.dumps(config(server.port, style, bucket))
    proc = subprocess.run(["node", "node_client.mjs", cfg], cwd=js, check=False,
                          capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert "error" not in out, (out["error"], proc.stderr)
    r = out["results"]

    assert_addressed(style, bucket, [(q["host"], q["path"]) for q in out["requests"]])
    assert {q["port"] for q in out["requests"]} == {server.port}
    # The names the agent was asked to resolve: the SDK really connected to these hosts.
    assert out["lookups"] == [f"{bucket}.localhost" if style == "virtual" else "localhost"]
    assert {q["op"] for q in out["requests"]} >= {
        "CreateBucketCommand", "PutObjectCommand", "CreateMultipartUploadCommand",
        "UploadPartCommand", "CompleteMultipartUploadCommand", "CopyObjectCommand"}

    s3.head_bucket(Bucket=bucket)
    assert_object_steps(r, s3, bucket)
    assert r["head"] == {"etag": multipart_etag(pattern(BIG), PART), "contentLength": BIG}
    assert r["copy"]["etag"] == md5_etag(HELLO)
    assert r["pages"] == [["big.bin", "copy.txt"], ["dir/a.bin", "dir/sub/c.bin"], ["hello.txt"]]
    assert r["presignedGet"]["status"] == 200 and r["presignedGet"]["text"] == HELLO.decode()
    assert r["presignedPut"]["status"] == 200, r["presignedPut"]
    host = f"http://{bucket}.localhost:{server.port}/" if style == "virtual" else \
        f"http://localhost:{server.port}/{bucket}/"
    assert r["presignedGet"]["url"].startswith(host + "hello.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert r["presignedPut"]["url"].startswith(host + "presigned.txt?")

    assert s3.get_object(Bucket=bucket, Key="copy.txt")["Body"].read() == HELLO
    assert s3.get_object(Bucket=bucket, Key="presigned.txt")["Body"].read() == \
        b"put through a presigned URL"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["big.bin", "copy.txt", "dir/a.bin", "dir/sub/c.bin", "hello.txt",
                    "presigned.txt"]


# --------------------------------------------------------------------------- Chromium

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>s3mock JS SDK page</title>
<script src="/sdk.js"></script></head><body><p>AWS SDK for JavaScript v3, bundled</p></body></html>
"""


@pytest.fixture(scope="module")
def site(js, tmp_path_factory):
    """The page's origin, http://127.0.0.1:PORT, serving the page and the SDK bundled by esbuild
    from tests/e2e/js (browser builds of the SDK's packages, one script)."""
    root = tmp_path_factory.mktemp("js-site")
    (root / "index.html").write_text(PAGE)
    proc = subprocess.run(
        [str(js / "node_modules" / ".bin" / "esbuild"), "browser_entry.mjs", "--bundle",
         "--format=iife", "--platform=browser", "--minify", f"--outfile={root / 'sdk.js'}"],
        cwd=js, check=False, capture_output=True, text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def browser():
    why = bh.browser_unavailable()
    if why is not None:
        if os.environ.get("S3MOCK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"S3MOCK_REQUIRE_BROWSER=1 but {why}", pytrace=False)
        unavailable(why)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        chromium = bh.launch(pw)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.mark.parametrize("style", STYLES)
def test_browser_sdk(browser, site, server, s3, style):
    bucket = new_bucket()
    s3.create_bucket(Bucket=bucket)
    # Upload needs each part's ETag and CRC32 (the SDK creates the upload with CRC32 checksums,
    # so S3 refuses a completion without them: "The upload was created using a crc32 checksum.
    # The complete request must include the checksum for each part. It was missing for part 1 in
    # the request.", quoted from S3 in ryanto/next-s3-upload#191); the page reads the metadata.
    # Everything else the SDK sends or reads is safelisted or allowed by "*".
    put_cors(s3, bucket, rule([site], ["GET", "PUT", "POST", "DELETE", "HEAD"], headers=["*"],
                              expose=["ETag", "x-amz-checksum-crc32", "x-amz-meta-from"]))
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT * 1000)
    sent: list[str] = []
    try:
        page = context.new_page()
        page.on("request", lambda req: sent.append(req.url))
        page.goto(site + "/index.html")
        out = page.evaluate("cfg => window.s3mockRun(cfg)", config(server.port, style, bucket))
    finally:
        context.close()
    assert "error" not in out, out["error"]
    assert_object_steps(out["results"], s3, bucket)

    # What Chromium sent (preflights aside): the page, its script, then only the SDK's calls.
    calls = [urlsplit(u) for u in sent if not u.startswith(site + "/")]
    assert {u.port for u in calls} == {server.port}
    assert_addressed(style, bucket, [(u.hostname, u.path) for u in calls])


def test_node_sdk_retries_through_injected_503s(js, server, s3):
    """The SDK's default retry strategy recovers from S3's 503s (SlowDown, ServiceUnavailable):
    tests/e2e/js/faults.mjs; the rules are this bucket's only and removed after."""
    from tests.e2e.signing import send
    bucket = new_bucket()
    s3.create_bucket(Bucket=bucket)
    rules = [{"op": "PutObject", "bucket": bucket, "error": "SlowDown", "times": 2},
             {"op": "GetObject", "bucket": bucket, "error": "ServiceUnavailable", "times": 1}]
    resp, _ = send(server, "POST", "/_s3mock/faults", body=json.dumps(rules).encode())
    ids = [r["id"] for r in resp.json()["rules"]]
    try:
        cfg = json.dumps({"endpoint": f"http://127.0.0.1:{server.port}", "bucket": bucket,
                          "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY})
        proc = subprocess.run(["node", "faults.mjs", cfg], cwd=js, check=False,
                              capture_output=True, text=True, timeout=TIMEOUT)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout)
        body = b"made it through"
        assert out == {"put": {"attempts": 3, "etag": md5_etag(body)},
                       "get": {"attempts": 2, "text": body.decode()}}
        assert s3.get_object(Bucket=bucket, Key="retried.txt")["Body"].read() == body
    finally:
        for rule_id in ids:
            send(server, "DELETE", f"/_s3mock/faults/{rule_id}")
