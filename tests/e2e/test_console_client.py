"""The console's S3 client (s3mock/console/s3.js and sigv4.js) in headless Chromium against a
strict-mode server, so every signature the page makes is really checked: listing with awkward
prefixes, uploads with progress (one PUT, and multipart above 16 MiB), cancel, presigned URLs,
DeleteObjects and the tooling GET. The views build on these calls."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from support import client, start_server
from tests.e2e.console_helpers import context, open_console, sign_in  # noqa: F401

SECRET = "client-secret-77"
MiB = 1024 * 1024

# Runs in the console page: imports the client and signs in with the given keys.
PRELUDE = """async ([secret]) => {
  const { s3 } = await import("./s3.js");
  s3.setCredentials({ accessKey: "test", secretKey: secret });
  window.s3 = s3;
}"""


def pattern(n: int) -> bytes:
    """The bytes the page's blob(n) makes (byte i is i % 251)."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


BLOB_JS = "const blob = (n) => { const a = new Uint8Array(n); for (let i = 0; i < n; i++) a[i] = i % 251; return new Blob([a]); };"


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("console-client"), "--auth", "strict",
                       "--secret-key", SECRET)
    yield srv
    srv.stop()


@pytest.fixture
def s3(strict):
    c = client(strict.endpoint)
    c._request_signer._credentials.secret_key = SECRET     # noqa: SLF001
    return c


@pytest.fixture
def page(context, strict):
    p = open_console(context, strict)
    p.evaluate(PRELUDE, [SECRET])
    return p


def new_bucket(s3) -> str:
    name = f"k-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def test_listing_with_awkward_prefixes_is_signed_right(page, s3):
    bucket = new_bucket(s3)
    keys = ["a b/1.txt", "a b/2.txt", "ü+&=?/x", "plain.txt", "~tilde*(1)!'"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    got = page.evaluate("""async ([b]) => {
      const top = await s3.listObjects(b, { delimiter: "/" });
      const inner = await s3.listObjects(b, { prefix: "ü+&=?/", delimiter: "/" });
      const paged = await s3.listObjects(b, { maxKeys: 2 });
      const next = await s3.listObjects(b, { maxKeys: 2, continuationToken: paged.nextToken });
      return { top, inner, paged, next };
    }""", [bucket])
    assert got["top"]["prefixes"] == ["a b/", "ü+&=?/"]
    assert [o["key"] for o in got["top"]["objects"]] == ["plain.txt", "~tilde*(1)!'"]
    assert [o["key"] for o in got["inner"]["objects"]] == ["ü+&=?/x"]
    assert got["paged"]["truncated"] and len(got["paged"]["objects"]) == 2
    assert [o["key"] for o in got["next"]["objects"]] == sorted(keys)[2:4]
    assert got["top"]["objects"][0]["size"] == 1


def test_upload_with_progress_single_and_multipart(page, s3):
    bucket = new_bucket(s3)
    got = page.evaluate(BLOB_JS + """async ([b]) => {
      const events = [];
      const small = await s3.upload(b, "small/ü x.bin", blob(100000), { contentType: "application/x-test",
        onProgress: (loaded, total) => events.push([loaded, total]) });
      const bigEvents = [];
      const big = await s3.upload(b, "big.bin", blob(20 * 1024 * 1024 + 5),
        { onProgress: (loaded, total) => bigEvents.push([loaded, total]) });
      return { small, big, events, bigEvents };
    }""", [bucket])
    head = s3.head_object(Bucket=bucket, Key="small/ü x.bin")
    assert head["ContentType"] == "application/x-test"
    assert s3.get_object(Bucket=bucket, Key="small/ü x.bin")["Body"].read() == pattern(100000)
    assert got["small"]["etag"] == head["ETag"]
    assert got["events"][-1] == [100000, 100000]
    body = s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(pattern(20 * MiB + 5)).digest()
    assert got["big"]["etag"].endswith('-3"')            # 8 + 8 + 4 MiB parts
    loaded = [e[0] for e in got["bigEvents"]]
    assert loaded == sorted(loaded) and len(loaded) >= 3        # rising, at least once per part
    assert got["bigEvents"][-1] == [20 * MiB + 5, 20 * MiB + 5]
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []


def test_cancelled_multipart_upload_is_aborted(page, s3):
    bucket = new_bucket(s3)
    got = page.evaluate(BLOB_JS + """async ([b]) => {
      const controller = new AbortController();
      let parts = 0;
      try {
        await s3.upload(b, "cancelled.bin", blob(24 * 1024 * 1024), { signal: controller.signal,
          onProgress: (loaded) => { if (loaded >= 8 * 1024 * 1024 && !parts++) controller.abort(); } });
        return "completed";
      } catch (e) {
        return e.name;
      }
    }""", [bucket])
    assert got == "AbortError"
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)


def test_presigned_get_and_errors(page, s3):
    bucket = new_bucket(s3)
    s3.put_object(Bucket=bucket, Key="dir/hello world.txt", Body=b"hello")
    got = page.evaluate("""async ([b]) => {
      const url = await s3.presign("GET", b, "dir/hello world.txt", 120);
      const r = await fetch(url);
      const missing = await s3.headObject(b, "nope").catch((e) => [e.name, e.status, e.code]);
      const cors = await s3.getBucketCors(b).catch((e) => [e.code, e.message]);
      const obj = await s3.getObject(b, "dir/hello world.txt", { range: "bytes=1-3" });
      return { url, status: r.status, body: await r.text(), missing, cors,
               range: [obj.status, await obj.text()] };
    }""", [bucket])
    assert "X-Amz-Expires=120" in got["url"] and "X-Amz-Signature=" in got["url"]
    assert (got["status"], got["body"]) == (200, "hello")
    assert got["missing"] == ["S3Error", 404, "HTTP 404"]     # HEAD: a status, no body
    assert got["cors"] == ["NoSuchCORSConfiguration", "The CORS configuration does not exist"]
    assert got["range"] == [206, "ell"]


def test_delete_objects_and_tooling(page, s3):
    bucket = new_bucket(s3)
    for key in ("x", "y<&>", "z"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    got = page.evaluate("""async ([b]) => {
      const deleted = await s3.deleteObjects(b, ["x", { key: "y<&>" }]);
      const health = await s3.tooling("/_s3mock/health");
      return { deleted, health: health.status };
    }""", [bucket])
    assert sorted(got["deleted"]["deleted"]) == ["x", "y<&>"] and got["deleted"]["errors"] == []
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["z"]
    assert got["health"] == "ok"


def test_sign_in_form_is_the_only_way_in(context, strict):
    """Without keys the page asks for them (no request is made as anyone)."""
    page = open_console(context, strict)
    assert page.locator("[data-test=signin-form]").is_visible()
    sign_in(page, "test", SECRET)
    page.wait_for_selector("[data-test=bucket-table], [data-test=no-buckets]")
