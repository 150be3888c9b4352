"""Browser uploads proven in a real browser (issue 4, "Browser uploads").

Headless Chromium loads a page from http://127.0.0.1:PORT_A; its JavaScript uploads to s3mock at
http://localhost:PORT_B with a presigned PUT URL and with POST-policy forms from boto3's
generate_presigned_post (SigV4 and SigV2 forms), through fetch(), XMLHttpRequest (upload progress
observed) and a real <form> submitted by clicking. Buckets are private (ACLs are enforced), so
every upload is authorised by what boto3 signed. Each test asserts what the page's script could
observe, and with boto3 what was stored.

CORS is enforced by the browser: a preflighted upload (PUT; an XHR with an upload listener) is
never sent without a matching rule, while a simple one (fetch POST of a FormData) is processed by
the server and only its answer is hidden from the page ("CORS never blocks an actual request",
spec/cors.md A2/A3). S3's errors (expired URL, EntityTooLarge) are readable when a rule matches
(A5).

Isolation: one browser per module, a fresh context per test. Needs Debian's `chromium` and
`pip install playwright`; when they are missing these tests skip, or fail when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import datetime
import sys
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
import pytest
from botocore.exceptions import ClientError

from support import ACCESS_KEY, SECRET_KEY, client, start_server
from tests.e2e import browser_helpers as bh
from tests.e2e.browser_helpers import pattern, put_cors, rule

MiB = 1024 * 1024
BIG = 3 * MiB                 # big enough for the browser to report upload progress
SMALL = 64 * 1024
LIMIT = 4 * MiB               # the policies' content-length-range maximum
BLOCKED = {"fetch": "TypeError", "xhr": "NetworkError"}   # a CORS refusal, as the script sees it


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def page_server():
    srv = bh.PageServer({"/upload.html": bh.UPLOAD_PAGE, "/done.html": bh.LANDING_PAGE})
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def s3(endpoint):
    """One boto3 client for the module (overrides the per-test `s3`, which `bucket` then uses)."""
    return client(endpoint)


@pytest.fixture(scope="module")
def urls(server) -> bh.Urls:
    return bh.Urls(server.port, ACCESS_KEY, SECRET_KEY)


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    """A server of our own in `--auth strict` mode: only there is a presigned URL's expiry checked."""
    srv = start_server(tmp_path_factory.mktemp("s3mock-strict"), "--auth", "strict")
    yield srv
    srv.stop()


class Page:
    """The upload page in a fresh browser context, and what its JavaScript observed."""

    def __init__(self, pw_page, origin: str):
        self.pw = pw_page
        self.origin = origin
        self.console: list[str] = []
        pw_page.on("console", lambda msg: self.console.append(msg.text))

    def fetch(self, url: str, method: str, **opts) -> dict:
        return self.pw.evaluate("([u, o]) => fetchUpload(u, o)", [url, {"method": method, **opts}])

    def xhr(self, url: str, method: str, **opts) -> dict:
        return self.pw.evaluate("([u, o]) => xhrUpload(u, o)", [url, {"method": method, **opts}])

    def assert_blocked(self, api: str, result: dict, url: str, why: str) -> None:
        """The script got nothing but a network error, and Chromium says CORS was the cause."""
        assert result["ok"] is False, result
        assert result["error"] == BLOCKED[api], result
        assert result.get("status", 0) == 0, result

        def says_cors(text: str) -> bool:
            return "blocked by CORS policy" in text and url in text and why in text

        if any(says_cors(m) for m in self.console):
            return
        # Console events may trail the script's result by a moment: wait for one, bounded.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.pw.wait_for_event("console", predicate=lambda m: says_cors(m.text),
                                   timeout=bh.ACTION_TIMEOUT_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"no CORS refusal ({why}) reported for {url}; "
                                 f"console: {self.console}") from None


@pytest.fixture
def page(browser, page_server):
    context = browser.new_context()
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        pw_page = context.new_page()
        p = Page(pw_page, page_server.origin)
        pw_page.goto(page_server.origin + "/upload.html")
        assert pw_page.evaluate("location.origin") == page_server.origin
        yield p
    finally:
        context.close()


# --------------------------------------------------------------------------- helpers

def stored(s3, bucket: str, k: str) -> dict | None:
    """The object as boto3 sees it, or None when it does not exist."""
    try:
        obj = s3.get_object(Bucket=bucket, Key=k)
    except ClientError as err:
        assert err.response["Error"]["Code"] == "NoSuchKey", err.response
        return None
    return {"body": obj["Body"].read(), "content_type": obj["ContentType"], "etag": obj["ETag"]}


def keys(s3, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def upload_form(urls: bh.Urls, bucket: str, sigv4: bool = True, max_size: int = LIMIT,
                extra: dict | None = None) -> dict:
    """A form from boto3's generate_presigned_post: key uploads/${filename}, Content-Type
    image/png, answered by a 201 PostResponse; its policy limits the size and the key prefix."""
    fields = {"Content-Type": "image/png", "success_action_status": "201", **(extra or {})}
    conditions = [["content-length-range", 1, max_size], ["starts-with", "$key", "uploads/"],
                  ["eq", "$Content-Type", "image/png"]]
    conditions += [{name: value} for name, value in fields.items() if name != "Content-Type"]
    return urls.presigned_post(bucket, "uploads/${filename}", fields, conditions, sigv4=sigv4)


def form_body(form: dict, size: int, filename: str = "photo.png") -> dict:
    return {"form": {"fields": list(form["fields"].items()), "size": size,
                     "filename": filename, "type": "image/png"}}


def assert_xml(got: dict, root: str, **children) -> dict:
    assert got["xml"] is not None, got["body"]
    assert got["xml"]["root"] == root, got["xml"]
    for name, value in children.items():
        assert got["xml"]["children"].get(name) == value, got["xml"]
    return got["xml"]["children"]


# --------------------------------------------------------------------------- presigned PUT

def test_presigned_put_with_signed_content_type_allowed_by_put_rule(page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["PUT"], headers=["Content-Type"], expose=["ETag"]))
    url = urls.put(bucket, "photo.png", "image/png")     # Content-Type is signed
    got = page.fetch(url, "PUT", headers={"Content-Type": "image/png"}, size=SMALL)
    assert got["ok"] is True and got["status"] == 200, got
    obj = stored(s3, bucket, "photo.png")
    assert obj is not None and obj["body"] == pattern(SMALL)
    assert obj["content_type"] == "image/png"
    assert got["etag"] == obj["etag"]                       # exposed by the rule


def test_presigned_put_refused_without_cors_rule(page, s3, bucket, urls):
    url = urls.put(bucket, "photo.png", "image/png")
    got = page.fetch(url, "PUT", headers={"Content-Type": "image/png"}, size=SMALL)
    # The preflight fails, so the PUT itself is never sent.
    page.assert_blocked("fetch", got, url, "preflight")
    assert stored(s3, bucket, "photo.png") is None


# --------------------------------------------------------------------------- POST policy, XHR

@pytest.mark.parametrize("sigv4", [True, False], ids=["sigv4-form", "sigv2-form"])
def test_post_form_xhr_progress_and_post_response(sigv4, page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["POST"], expose=["ETag"]))
    form = upload_form(urls, bucket, sigv4=sigv4)
    assert ("x-amz-signature" in form["fields"]) is sigv4
    assert ("signature" in form["fields"]) is not sigv4
    got = page.xhr(form["url"], "POST", **form_body(form, BIG))
    assert got["ok"] is True and got["status"] == 201, got

    # Upload progress: at least one event, sizes known, ending with everything sent.
    events = got["progress"]
    assert events, got
    assert all(e["lengthComputable"] for e in events), events
    assert [e["loaded"] for e in events] == sorted(e["loaded"] for e in events), events
    assert events[-1]["loaded"] == events[-1]["total"] >= BIG, events
    assert got["uploaded"] is True

    # The PostResponse document, read by the script.
    doc = assert_xml(got, "PostResponse", Bucket=bucket, Key="uploads/photo.png")
    assert doc["Location"] == f"{urls.origin}/{bucket}/uploads%2Fphoto.png"
    obj = stored(s3, bucket, "uploads/photo.png")
    assert obj is not None and obj["body"] == pattern(BIG)
    assert obj["content_type"] == "image/png"
    assert doc["ETag"] == obj["etag"] == got["etag"]


def test_post_form_xhr_refused_without_post_rule(page, s3, bucket, urls):
    # The bucket has a CORS configuration, but no rule allows POST: the preflight (forced by the
    # upload listener) fails and the form is never sent.
    put_cors(s3, bucket, rule([page.origin], ["GET", "PUT"], headers=["*"]))
    form = upload_form(urls, bucket)
    got = page.xhr(form["url"], "POST", **form_body(form, SMALL))
    page.assert_blocked("xhr", got, form["url"], "preflight")
    assert keys(s3, bucket) == []


# --------------------------------------------------------------------------- POST policy, fetch

def test_post_form_fetch_allowed_by_post_rule(page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["POST"]))
    form = upload_form(urls, bucket, sigv4=False)
    got = page.fetch(form["url"], "POST", **form_body(form, SMALL, "fetched.png"))
    assert got["ok"] is True and got["status"] == 201, got
    doc = assert_xml(got, "PostResponse", Bucket=bucket, Key="uploads/fetched.png")
    assert got["etag"] is None                        # not exposed by this rule: the XML has it
    obj = stored(s3, bucket, "uploads/fetched.png")
    assert obj is not None and obj["body"] == pattern(SMALL)
    assert doc["ETag"] == obj["etag"]


def test_post_form_fetch_answer_hidden_without_cors_configuration(page, s3, bucket, urls):
    form = upload_form(urls, bucket)
    got = page.fetch(form["url"], "POST", **form_body(form, SMALL, "unseen.png"))
    page.assert_blocked("fetch", got, form["url"], "No 'Access-Control-Allow-Origin' header")
    # A FormData POST is a simple request: no preflight, so S3 processed it; CORS only kept the
    # page from reading the answer.
    obj = stored(s3, bucket, "uploads/unseen.png")
    assert obj is not None and obj["body"] == pattern(SMALL)


# --------------------------------------------------------------------------- S3 errors, readable

def test_expired_presigned_put_refused_with_request_has_expired(page, strict, monkeypatch):
    s3 = client(strict.endpoint)
    bucket = "browser-expired"
    s3.create_bucket(Bucket=bucket)
    put_cors(s3, bucket, rule([page.origin], ["PUT"], headers=["Content-Type"]))
    urls = bh.Urls(strict.port, ACCESS_KEY, SECRET_KEY)
    # Signed an hour ago, valid for EXPIRES (10 minutes): expired 50 minutes ago. botocore's clock
    # is read by its signer (botocore.auth, or botocore.crt.auth when awscrt is installed).
    signed_at = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0) \
        - datetime.timedelta(hours=1)

    def clock(remove_tzinfo: bool = True) -> datetime.datetime:
        return signed_at.replace(tzinfo=None) if remove_tzinfo else signed_at

    for module in (botocore.auth, sys.modules.get("botocore.crt.auth")):
        if module is not None:
            monkeypatch.setattr(module, "get_current_datetime", clock)
    url = urls.put(bucket, "late.png", "image/png")
    monkeypatch.undo()
    assert f"X-Amz-Date={signed_at:%Y%m%dT%H%M%SZ}" in url and f"X-Amz-Expires={urls.EXPIRES}" in url

    got = page.fetch(url, "PUT", headers={"Content-Type": "image/png"}, size=SMALL)
    assert got["ok"] is True and got["status"] == 403, got
    assert got["headers"]["content-type"] == "application/xml"
    expires = signed_at + datetime.timedelta(seconds=urls.EXPIRES)
    err = assert_xml(got, "Error", Code="AccessDenied", Message="Request has expired",
                     **{"X-Amz-Expires": str(urls.EXPIRES), "Expires": f"{expires:%Y-%m-%dT%H:%M:%SZ}"})
    assert err["ServerTime"] > err["Expires"]
    assert stored(s3, bucket, "late.png") is None


def test_file_larger_than_policy_allows_refused_with_entity_too_large(page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["POST"]))
    form = upload_form(urls, bucket, max_size=MiB)
    got = page.xhr(form["url"], "POST", **form_body(form, 2 * MiB, "huge.png"))
    assert got["ok"] is True and got["status"] == 400, got
    assert_xml(got, "Error", Code="EntityTooLarge",
               Message="Your proposed upload exceeds the maximum allowed size",
               ProposedSize=str(2 * MiB), MaxSizeAllowed=str(MiB))
    assert keys(s3, bucket) == []


# --------------------------------------------------------------------------- form navigation

def test_html_form_submit_lands_on_success_action_redirect(page, page_server, s3, bucket, urls):
    landing = page_server.origin + "/done.html"
    form = upload_form(urls, bucket, extra={"success_action_redirect": landing})
    page.pw.evaluate("([a, f]) => buildForm(a, f)", [form["url"], list(form["fields"].items())])
    page.pw.set_input_files("#file", files=[{"name": "clicked.png", "mimeType": "image/png",
                                             "buffer": pattern(SMALL)}])
    with page.pw.expect_navigation(url=lambda u: u.startswith(landing)):
        page.pw.click("#send")
    assert page.pw.text_content("#done") == "upload done"   # the page server's landing page

    query = dict(parse_qsl(urlsplit(page.pw.url).query))
    obj = stored(s3, bucket, "uploads/clicked.png")
    assert obj is not None and obj["body"] == pattern(SMALL)
    assert obj["content_type"] == "image/png"
    assert query == {"bucket": bucket, "key": "uploads/clicked.png", "etag": obj["etag"]}
