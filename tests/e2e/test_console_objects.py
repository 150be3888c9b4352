"""The web console's objects browser (issue 23) in headless Chromium against a live lenient server.

The page is the console itself (http://127.0.0.1:PORT/_s3mock/console/#/b/<bucket>/<prefix>);
buckets are seeded and checked with boto3, so every assertion is about what a user sees in the
page or what the store really holds: listing pages and breadcrumbs, search, uploads (progress, a
multipart 20 MiB file, several dropped files, a cancel), downloads, deletes, presigned URLs that
work outside the browser, previews, the side panel, and a hostile key rendered as text.

Needs Debian's `chromium` and `pip install playwright`; skips without them, fails when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import os
import struct
import uuid
import zlib

import pytest
import requests
from botocore.exceptions import ClientError
try:
    from playwright.sync_api import expect
except ImportError:         # the shared `browser` fixture (tests/e2e/conftest.py) skips or fails
    expect = None

from support import client, start_server
from tests.e2e import browser_helpers as bh
from tests.e2e.console_helpers import s3, server  # noqa: F401 (fixtures)

MIB = 1024 * 1024
LIST = '[data-test="object-list"]'
ROW = '[data-test="object-row"]'
HOSTILE = "<img src=x onerror=alert(1)>"

# Records every value any progress bar takes (the view sets progress.value, which reflects to the
# attribute), so the test sees intermediate progress without racing the upload.
WATCH_PROGRESS_JS = """() => {
  window.__progress = [];
  new MutationObserver((records) => {
    for (const r of records) {
      const t = r.target;
      if (t.localName === "progress") window.__progress.push([Number(t.value), Number(t.max)]);
    }
  }).observe(document.body, {subtree: true, attributes: true, attributeFilter: ["value", "max"]});
}"""

# A DataTransfer holding files made in the page, for a synthetic drop on the drop zone.
DROP_JS = """(files) => {
  const dt = new DataTransfer();
  for (const [name, text, type] of files) dt.items.add(new File([text], name, {type: type}));
  return dt;
}"""


@pytest.fixture
def bucket(s3) -> str:
    name = f"console-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


class Console:
    """A page of the console with what the tests observe: dialogs raised, list requests sent."""

    def __init__(self, page, server):
        self.page, self.server = page, server
        self.dialogs: list[str] = []
        self.js_errors: list[str] = []
        self.list_urls: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: self.js_errors.append(str(e)))
        page.on("request", lambda r: self.list_urls.append(r.url) if "list-type=2" in r.url else None)

    def open(self, bucket: str, prefix: str = "") -> None:
        from urllib.parse import quote
        self.page.goto(f"{self.server.endpoint}/_s3mock/console/#/b/{quote(bucket)}/{quote(prefix)}")
        self.ready()

    def ready(self) -> None:
        expect(self.page.locator(f'{LIST}[data-state="ready"]')).to_have_count(1)

    def rows(self):
        return self.page.locator(ROW)

    def keys(self) -> list[str]:
        return self.rows().evaluate_all("rows => rows.map(r => r.getAttribute('data-key'))")

    def open_panel(self, key: str):
        self.page.locator(f'{ROW}[data-key="{key}"] [data-test="object-name"]').click()
        panel = self.page.locator('[data-test="side-panel"]')
        expect(panel).to_have_attribute("data-state", "ready")
        expect(panel).to_have_attribute("data-key", key)
        return panel


@pytest.fixture
def console(browser, server):
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.endpoint)
    expect.set_options(timeout=bh.ACTION_TIMEOUT_MS)      # a shared 2-core machine can be slow
    try:
        console = Console(context.new_page(), server)
        yield console
        assert console.js_errors == [], console.js_errors       # no uncaught error in the page
    finally:
        context.close()


def png(width: int, height: int) -> bytes:
    """A valid RGB PNG of one colour, made by hand (no imaging library needed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x10\x80\xf0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def missing(s3, bucket: str, key: str) -> bool:
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as e:
        return e.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    return False


def test_browse_breadcrumbs_and_paging(console, s3, bucket):
    for i in range(150):
        s3.put_object(Bucket=bucket, Key=f"many/k{i:04d}", Body=b"x")
    for key in ("docs/2024/report.txt", "docs/readme.txt", "top.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    page = console.page
    console.open(bucket)
    prefixes = page.locator('[data-test="prefix-row"]')
    expect(prefixes).to_have_count(2)
    assert prefixes.evaluate_all("rs => rs.map(r => r.getAttribute('data-prefix'))") == ["docs/", "many/"]
    assert console.keys() == ["top.txt"]

    page.locator('[data-test="prefix-link"]', has_text="many/").click()
    expect(page.locator('[data-test="crumb"]')).to_have_text(["Buckets", bucket, "many"])
    console.ready()
    expect(console.rows()).to_have_count(100)
    assert console.keys() == [f"many/k{i:04d}" for i in range(100)]
    expect(page.locator('[data-test="page-prev"]')).to_be_disabled()
    page.locator('[data-test="page-next"]').click()
    console.ready()
    expect(console.rows()).to_have_count(50)
    assert console.keys() == [f"many/k{i:04d}" for i in range(100, 150)]
    expect(page.locator('[data-test="page-next"]')).to_be_disabled()
    expect(page.locator('[data-test="page-number"]')).to_have_text("Page 2")
    page.locator('[data-test="page-prev"]').click()
    console.ready()
    expect(console.rows()).to_have_count(100)
    assert console.keys()[0] == "many/k0000"
    # Never the whole bucket: every listing asked for one page of 100 with the "/" delimiter.
    assert console.list_urls and all("max-keys=100" in u and "delimiter=%2F" in u for u in console.list_urls)

    console.open(bucket, "docs/2024/")
    expect(page.locator('[data-test="crumb"]')).to_have_text(["Buckets", bucket, "docs", "2024"])
    assert console.keys() == ["docs/2024/report.txt"]
    page.locator('[data-test="crumb"]', has_text="docs").click()
    expect(page.locator('[data-test="crumb"]')).to_have_text(["Buckets", bucket, "docs"])
    console.ready()
    expect(console.rows()).to_have_count(1)
    assert console.keys() == ["docs/readme.txt"]
    expect(page.locator('[data-test="prefix-row"]')).to_have_count(1)


def test_search_by_prefix(console, s3, bucket):
    for i in range(120):
        s3.put_object(Bucket=bucket, Key=f"logs/k{i:04d}", Body=b"x")
    console.open(bucket, "logs/")
    page = console.page
    page.locator('[data-test="search"]').fill("k01")
    page.locator('[data-test="search"]').press("Enter")
    expect(console.rows()).to_have_count(20)
    assert console.keys() == [f"logs/k{i:04d}" for i in range(100, 120)]
    page.locator('[data-test="search"]').fill("nothing")
    page.locator('[data-test="search"]').press("Enter")
    expect(page.locator('[data-test="list-empty"]')).to_have_count(1)
    expect(console.rows()).to_have_count(0)


def test_upload_20_mib_file_with_progress(console, s3, bucket, tmp_path):
    data = os.urandom(20 * MIB)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    console.open(bucket, "up/")
    page = console.page
    page.evaluate(WATCH_PROGRESS_JS)
    page.locator('[data-test="file-input"]').set_input_files(str(path))
    row = page.locator('[data-test="upload-row"][data-key="up/big.bin"]')
    expect(row).to_have_attribute("data-state", "done", timeout=60_000)
    seen = page.evaluate("window.__progress")
    assert any(0 < value < 20 * MIB for value, _ in seen), seen[:20]
    assert seen[-1][0] == 20 * MIB
    got = s3.get_object(Bucket=bucket, Key="up/big.bin")
    assert got["Body"].read() == data
    assert got["ETag"].endswith('-3"')          # multipart: 8 + 8 + 4 MiB parts
    expect(console.rows()).to_have_count(1)      # the listing refreshed once the batch ended


def test_drop_several_files(console, s3, bucket):
    console.open(bucket)
    page = console.page
    files = [["a.txt", "alpha", "text/plain"], ["b.json", '{"b": 2}', "application/json"],
             ["c.csv", "x,y\n1,2\n", "text/csv"]]
    page.locator('[data-test="drop-zone"]').dispatch_event(
        "drop", {"dataTransfer": page.evaluate_handle(DROP_JS, files)})
    for name, _, _ in files:
        expect(page.locator(f'[data-test="upload-row"][data-key="{name}"]')).to_have_attribute("data-state", "done")
    expect(console.rows()).to_have_count(3)
    for name, text, ctype in files:
        got = s3.get_object(Bucket=bucket, Key=name)
        assert got["Body"].read() == text.encode()
        assert got["ContentType"] == ctype


# (size, cancel once this much is sent): a multipart upload cancelled after its first 8 MiB part
# was stored, and a single PUT cancelled mid-body.
@pytest.mark.parametrize("size, after", [(40 * MIB, 9 * MIB), (12 * MIB, 3 * MIB)], ids=["multipart", "put"])
def test_cancel_upload_stores_nothing(console, s3, bucket, tmp_path, size, after):
    path = tmp_path / "huge.bin"
    path.write_bytes(os.urandom(size))
    console.open(bucket)
    page = console.page
    # Slow the page's uploads down so the cancel lands mid-transfer.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "downloadThroughput": -1, "uploadThroughput": 6 * MIB})
    page.evaluate(WATCH_PROGRESS_JS)
    page.locator('[data-test="file-input"]').set_input_files(str(path))
    row = page.locator('[data-test="upload-row"][data-key="huge.bin"]')
    page.wait_for_function("(after) => window.__progress.some(([v]) => v > after)", arg=after, timeout=60_000)
    if size > 16 * MIB:     # the first part is stored: there is a multipart upload to abort
        assert len(s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])) == 1
    row.locator('[data-test="upload-cancel"]').click()
    expect(row).to_have_attribute("data-state", "cancelled", timeout=30_000)
    assert max(v for v, _ in page.evaluate("window.__progress")) < size     # stopped mid-way
    assert missing(s3, bucket, "huge.bin")
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []   # aborted, not left
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


@pytest.mark.parametrize("name", ["data.bin", "a b+c%25&d=e;f.bin"])
def test_download_via_presigned_link(console, s3, bucket, name):
    body = os.urandom(300_000)
    s3.put_object(Bucket=bucket, Key=f"dl/{name}", Body=body)
    console.open(bucket, "dl/")
    page = console.page
    with page.expect_download() as info:
        page.locator(ROW).filter(has_text=name).locator('[data-test="object-download"]').click()
    download = info.value
    assert download.suggested_filename == name
    assert "X-Amz-Signature=" in download.url
    with open(download.path(), "rb") as f:
        assert f.read() == body


def test_delete_several_with_confirmation(console, s3, bucket):
    keys = [f"d/{n}.txt" for n in ("a", "b", "c", "d")]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    console.open(bucket, "d/")
    page = console.page
    delete = page.locator('[data-test="delete-selected"]')
    expect(delete).to_be_disabled()
    page.locator('[data-test="select-all"]').check()
    expect(delete).to_have_text("Delete 4")
    page.locator('[data-test="select-all"]').uncheck()
    expect(delete).to_be_disabled()
    for key in keys[:3]:
        page.locator(f'{ROW}[data-key="{key}"] [data-test="object-select"]').check()
    expect(delete).to_have_text("Delete 3")
    delete.click()
    dialog = page.locator('[data-test="confirm-dialog"]')
    expect(dialog.locator('[data-test="confirm-key"]')).to_have_text(keys[:3])
    dialog.locator('[data-test="confirm-cancel"]').click()           # cancel deletes nothing
    expect(dialog).to_have_count(0)
    assert all(not missing(s3, bucket, k) for k in keys)
    delete.click()
    page.locator('[data-test="confirm-ok"]').click()
    console.ready()
    expect(console.rows()).to_have_count(1)
    assert console.keys() == ["d/d.txt"]
    assert [missing(s3, bucket, k) for k in keys] == [True, True, True, False]


def test_presigned_url_copied_works_outside_the_browser(console, s3, bucket):
    s3.put_object(Bucket=bucket, Key="share/report.txt", Body=b"shared bytes")
    console.open(bucket, "share/")
    page = console.page
    panel = console.open_panel("share/report.txt")
    for seconds in ("3600", "604800"):
        panel.locator('[data-test="presign-expiry"]').select_option(seconds)
        panel.locator('[data-test="presign-copy"]').click()
        shown = panel.locator('[data-test="presigned-url"]')
        expect(shown).to_be_visible()
        url = shown.input_value()
        assert url.startswith(f"{console.server.endpoint}/{bucket}/share/report.txt?")
        assert f"X-Amz-Expires={seconds}" in url
        assert page.evaluate("navigator.clipboard.readText()") == url
        got = requests.get(url, timeout=10)                      # a plain client, no credentials
        assert got.status_code == 200 and got.content == b"shared bytes"


def test_previews_text_json_png(console, s3, bucket):
    doc = {"name": "<b>not bold</b>", "list": [1, 2, {"deep": True}]}
    image = png(7, 5)
    s3.put_object(Bucket=bucket, Key="notes.txt", Body=b"line one\n<script>alert(1)</script>\n",
                  ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key="data.json", Body=json.dumps(doc, separators=(",", ":")).encode(),
                  ContentType="application/json")
    s3.put_object(Bucket=bucket, Key="pic.png", Body=image, ContentType="image/png")
    console.open(bucket)
    panel = console.open_panel("notes.txt")
    expect(panel.locator('[data-test="preview-text"]')).to_have_text("line one\n<script>alert(1)</script>\n")
    panel = console.open_panel("data.json")
    assert panel.locator('[data-test="preview-json"]').text_content() == json.dumps(doc, indent=2)
    panel = console.open_panel("pic.png")
    img = panel.locator('[data-test="preview-image"]')
    expect(img).to_have_attribute("data-loaded", "true")
    assert img.get_attribute("src").startswith("blob:")
    assert img.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [7, 5]
    assert console.dialogs == []


def test_side_panel_headers_metadata_checksums_tags_acl(console, s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="meta.txt", Body=b"hello panel", ContentType="text/plain",
                        Metadata={"owner-note": "<b>hi</b>", "team": "data"}, ChecksumAlgorithm="SHA256",
                        Tagging="env=dev&note=%3Cscript%3E", ACL="public-read")
    console.open(bucket)
    panel = console.open_panel("meta.txt")

    def table(name: str) -> dict[str, str]:
        return dict(panel.locator(f'[data-test="{name}-row"]').evaluate_all(
            "rs => rs.map(r => [r.querySelector('th').textContent, r.querySelector('td').textContent])"))

    headers = table("header")
    assert headers["content-type"] == "text/plain"
    assert headers["content-length"] == "11"
    assert headers["etag"] == put["ETag"]
    assert headers["x-amz-meta-team"] == "data"
    assert table("metadata") == {"owner-note": "<b>hi</b>", "team": "data"}
    assert table("checksum")["sha256"] == put["ChecksumSHA256"]
    assert table("tag") == {"env": "dev", "note": "<script>"}
    grants = panel.locator('[data-test="acl-row"]').evaluate_all(
        "rs => rs.map(r => [r.querySelector('th').textContent, r.querySelector('td').textContent])")
    assert ["http://acs.amazonaws.com/groups/global/AllUsers", "READ"] in grants
    assert any(p == "FULL_CONTROL" for _, p in grants)
    expect(panel.locator('[data-test="versions-off"]')).to_have_count(1)


def test_side_panel_lists_versions(console, s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ids = [s3.put_object(Bucket=bucket, Key="v.txt", Body=body)["VersionId"] for body in (b"one", b"two")]
    s3.put_object(Bucket=bucket, Key="v.txt.bak", Body=b"another key, same prefix")
    console.open(bucket)
    panel = console.open_panel("v.txt")
    rows = panel.locator('[data-test="version-row"]')
    expect(rows).to_have_count(2)
    assert rows.evaluate_all("rs => rs.map(r => r.cells[0].textContent)") == ids[::-1]
    expect(rows.first).to_contain_text("latest")


def test_hostile_key_is_text(console, s3, bucket):
    s3.put_object(Bucket=bucket, Key=HOSTILE, Body=b"<script>alert(2)</script>", ContentType="text/html",
                  Metadata={"x": "<img src=y onerror=alert(3)>"})
    s3.put_object(Bucket=bucket, Key=f"{HOSTILE}/inner.txt", Body=b"x")
    console.open(bucket)
    page = console.page
    expect(console.rows()).to_have_count(1)
    expect(page.locator('[data-test="prefix-link"]')).to_have_text(f"{HOSTILE}/")
    page.locator('[data-test="prefix-link"]').click()         # into the hostile "folder" and back
    expect(page.locator('[data-test="crumb"]')).to_have_text(["Buckets", bucket, HOSTILE])
    console.ready()
    assert console.keys() == [f"{HOSTILE}/inner.txt"]
    page.locator('[data-test="crumb"]', has_text=bucket).click()
    expect(page.locator('[data-test="crumb"]')).to_have_count(2)
    console.ready()
    assert console.keys() == [HOSTILE]
    assert page.locator(f'{ROW} [data-test="object-name"]').text_content() == HOSTILE
    panel = console.open_panel(HOSTILE)
    expect(panel.locator('[data-test="panel-key"]')).to_have_text(HOSTILE)
    expect(panel.locator('[data-test="preview-text"]')).to_have_text("<script>alert(2)</script>")
    assert page.evaluate("document.querySelectorAll('img[src=\"x\"], img[src=\"y\"], script:not([src])').length") == 0
    assert console.dialogs == []


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("console-objects-strict"), "--auth", "strict")
    yield srv
    srv.stop()


def test_strict_mode_signs_every_request(browser, strict, tmp_path):
    """Lenient mode reads who signed without checking; here every request the view makes (list,
    HEAD with checksum mode, ACL, tagging, multipart upload, DeleteObjects, presigned GET) must
    carry a signature S3 accepts, for keys that need percent-encoding too."""
    s3 = client(strict.endpoint)
    bucket = f"strict-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=bucket)
    odd = "dir/a b+c%&=;~é.txt"
    s3.put_object(Bucket=bucket, Key=odd, Body=b"odd key body", ContentType="text/plain",
                  Tagging="k=v", Metadata={"m": "1"})
    data = os.urandom(17 * MIB)                  # just over the multipart threshold: 2 parts
    (tmp_path / "two-parts.bin").write_bytes(data)
    context = browser.new_context(accept_downloads=True)
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        console = Console(context.new_page(), strict)
        page = console.page
        page.goto(f"{strict.endpoint}/_s3mock/console/#/b/{bucket}/dir/")
        page.fill("[data-test=signin-access-key]", "test")
        page.fill("[data-test=signin-secret-key]", "test")
        page.click("[data-test=signin-submit]")
        console.ready()
        assert console.keys() == [odd]
        panel = console.open_panel(odd)
        expect(panel.locator('[data-test="preview-text"]')).to_have_text("odd key body")
        expect(panel.locator('[data-test="tag-row"]')).to_have_count(1)
        expect(panel.locator('[data-test="acl-row"]')).to_have_count(1)
        expect(panel.locator('[data-test="section-error"]')).to_have_count(0)
        with page.expect_download() as info:
            page.locator(f'{ROW} [data-test="object-download"]').click()
        with open(info.value.path(), "rb") as f:
            assert f.read() == b"odd key body"
        page.locator('[data-test="file-input"]').set_input_files(str(tmp_path / "two-parts.bin"))
        row = page.locator('[data-test="upload-row"][data-key="dir/two-parts.bin"]')
        expect(row).to_have_attribute("data-state", "done", timeout=60_000)
        assert s3.get_object(Bucket=bucket, Key="dir/two-parts.bin")["Body"].read() == data
        expect(console.rows()).to_have_count(2)         # the listing refreshed after the upload
        console.ready()
        page.locator('[data-test="select-all"]').check()
        page.locator('[data-test="delete-selected"]').click()
        page.locator('[data-test="confirm-ok"]').click()
        expect(page.locator('[data-test="list-empty"]')).to_have_count(1)
        assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
        assert console.js_errors == [] and console.dialogs == []
    finally:
        context.close()
