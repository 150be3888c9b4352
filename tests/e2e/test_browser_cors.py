"""Bucket CORS proven in a real browser (issue 3, "Real-browser tests"; shared/spec/cors.md).

Headless Chromium loads a page from http://127.0.0.1:PORT_A and its JavaScript calls the s3mock
server as http://localhost:PORT_B with fetch() and XMLHttpRequest, so the browser itself runs the
CORS protocol (preflights, Access-Control-* checks, credentials, exposed headers). Each test asserts
what the page's JavaScript could observe, and with boto3 whether the object was stored.

Isolation: one browser per module, a fresh browser context (own HTTP and preflight caches) per
test, fetch() with cache:'no-store', and a distinct URL (key) whenever a preflighted request is
repeated after a configuration change, because Chromium caches a preflight for 5 s when
Access-Control-Max-Age is absent.

Needs Debian's `chromium` and `pip install playwright`; when they are missing these tests skip,
or fail when S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError

from support import ACCESS_KEY, SECRET_KEY, client
from tests.e2e import browser_helpers as bh
from tests.e2e.browser_helpers import put_cors, rule

APIS = ["fetch", "xhr"]
BLOCKED = {"fetch": "TypeError", "xhr": "NetworkError"}   # what a CORS refusal looks like in JS
META_HEADERS = {"Content-Type": "application/json", "x-amz-meta-color": "blue"}
META_BODY = '{"hello": "browser"}'


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def page_server():
    srv = bh.PageServer()
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def s3(endpoint):
    """One boto3 client (default configuration) for the module: making one costs ~0.3 s.
    Overrides the per-test `s3` of tests/conftest.py, which `bucket` then uses."""
    return client(endpoint)


@pytest.fixture(scope="module")
def urls(server) -> bh.Urls:
    return bh.Urls(server.port, ACCESS_KEY, SECRET_KEY)


class Page:
    """The test page in a fresh browser context, and what its JavaScript observed."""

    def __init__(self, pw_page, origin: str):
        self.pw = pw_page
        self.origin = origin
        self.console: list[str] = []
        pw_page.on("console", lambda msg: self.console.append(msg.text))

    def call(self, api: str, url: str, method: str = "GET", headers: dict | None = None,
             body: str | None = None, credentials: bool = False) -> dict:
        """One request made by the page's JavaScript; returns what the script could see:
        {ok, status, etag, headers (readable ones, lower-case names), body} or {ok: False, error}."""
        opts: dict = {"method": method, "headers": headers or {}}
        if body is not None:
            opts["body"] = body
        if api == "fetch":
            if credentials:
                opts["credentials"] = "include"
            return self.pw.evaluate("([u, o]) => doFetch(u, o)", [url, opts])
        opts["withCredentials"] = credentials
        return self.pw.evaluate("([u, o]) => doXhr(u, o)", [url, opts])

    def assert_blocked(self, api: str, result: dict, url: str, why: str = "") -> None:
        """The script got nothing but a network error, and Chromium says CORS was the cause."""
        assert result["ok"] is False, result
        assert result["error"] == BLOCKED[api], result
        assert result.get("status", 0) == 0, result

        def says_cors(text: str) -> bool:
            return "blocked by CORS policy" in text and url in text and why in text

        if any(says_cors(m) for m in self.console):
            return
        # Console events may trail the script's result by a moment: wait for it, bounded.
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        try:
            self.pw.wait_for_event("console", predicate=lambda m: says_cors(m.text),
                                   timeout=bh.ACTION_TIMEOUT_MS)
        except PlaywrightTimeout:
            raise AssertionError(f"no CORS refusal{f' ({why})' if why else ''} reported for "
                                 f"{url}; console: {self.console}") from None


@pytest.fixture
def page(browser, page_server, urls):
    context = browser.new_context()
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    context.set_default_navigation_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        pw_page = context.new_page()
        p = Page(pw_page, page_server.origin)
        pw_page.goto(page_server.url)
        # The page and the server really are different origins.
        assert pw_page.evaluate("location.origin") == page_server.origin
        assert urls.origin.startswith("http://localhost:") and urls.origin != page_server.origin
        yield p
    finally:
        context.close()


def ok(got: dict, status: int = 200) -> dict:
    """The script received a response with this status."""
    assert got["ok"] is True, got
    assert got["status"] == status, got
    return got


def key(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}.txt"


def stored(s3, bucket: str, k: str) -> dict | None:
    """The object as boto3 sees it, or None when it does not exist."""
    try:
        obj = s3.get_object(Bucket=bucket, Key=k)
    except ClientError as err:
        assert err.response["Error"]["Code"] == "NoSuchKey", err.response
        return None
    return {"body": obj["Body"].read(), "content_type": obj["ContentType"],
            "metadata": obj["Metadata"], "etag": obj["ETag"]}


# --------------------------------------------------------------------------- simple GET

@pytest.mark.parametrize("api", APIS)
def test_simple_get_allowed_by_wildcard_rule_blocked_without_configuration(api, page, s3, bucket, urls):
    before, after = key("before"), key("after")
    s3.put_object(Bucket=bucket, Key=before, Body=b"hello before", ContentType="text/plain")
    s3.put_object(Bucket=bucket, Key=after, Body=b"hello after", ContentType="text/plain")

    # No CORS configuration: the server answers 200, but without Access-Control-Allow-Origin.
    url = urls.get(bucket, before)
    page.assert_blocked(api, page.call(api, url), url, "No 'Access-Control-Allow-Origin' header")

    put_cors(s3, bucket, rule(["*"], ["GET"]))
    got = page.call(api, urls.get(bucket, after))
    ok(got)
    assert got["body"] == "hello after"
    assert got["headers"]["content-type"] == "text/plain"       # safelisted: always readable
    assert got["headers"]["content-length"] == str(len(b"hello after"))
    assert got["etag"] is None and "etag" not in got["headers"]  # not exposed by this rule


# --------------------------------------------------------------------------- PUT with preflight

@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("allowed_headers", [["*"], ["x-amz-*", "Content-Type"]],
                         ids=["star", "x-amz-star+content-type"])
def test_put_with_metadata_preflighted_and_allowed(api, allowed_headers, page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["PUT"], headers=allowed_headers))
    k = key("put")
    got = page.call(api, urls.put(bucket, k, "application/json", {"color": "blue"}),
                    method="PUT", headers=META_HEADERS, body=META_BODY)
    ok(got)
    obj = stored(s3, bucket, k)
    assert obj is not None
    assert obj["body"] == META_BODY.encode()
    assert obj["content_type"] == "application/json"
    assert obj["metadata"] == {"color": "blue"}


@pytest.mark.parametrize("api", APIS)
def test_put_with_metadata_blocked_by_rule_listing_only_content_type(api, page, s3, bucket, urls):
    put_cors(s3, bucket, rule([page.origin], ["PUT"], headers=["content-type"]))

    # The same rule does allow a PUT whose only non-safelisted header is Content-Type ...
    plain = key("plain")
    got = page.call(api, urls.put(bucket, plain, "application/json"), method="PUT",
                    headers={"Content-Type": "application/json"}, body=META_BODY)
    ok(got)
    assert stored(s3, bucket, plain)["body"] == META_BODY.encode()

    # ... but x-amz-meta-color is not allowed: the preflight fails, so the PUT is never sent.
    k = key("meta")
    url = urls.put(bucket, k, "application/json", {"color": "blue"})
    result = page.call(api, url, method="PUT", headers=META_HEADERS, body=META_BODY)
    page.assert_blocked(api, result, url, "preflight")
    assert stored(s3, bucket, k) is None


# --------------------------------------------------------------------------- exposed headers

@pytest.mark.parametrize("api", APIS)
def test_etag_readable_only_when_exposed(api, page, s3, bucket, urls):
    hidden, shown = key("hidden"), key("shown")
    for k in (hidden, shown):
        s3.put_object(Bucket=bucket, Key=k, Body=b"etag me", Metadata={"color": "red"})
    etag = s3.head_object(Bucket=bucket, Key=shown)["ETag"]

    put_cors(s3, bucket, rule([page.origin], ["GET"]))
    got = page.call(api, urls.get(bucket, hidden))
    ok(got)
    assert got["etag"] is None
    assert "etag" not in got["headers"] and "x-amz-meta-color" not in got["headers"]

    put_cors(s3, bucket, rule([page.origin], ["GET"], expose=["ETag", "x-amz-meta-color"]))
    got = page.call(api, urls.get(bucket, shown))
    ok(got)
    assert got["etag"] == etag
    assert got["headers"]["etag"] == etag
    assert got["headers"]["x-amz-meta-color"] == "red"


@pytest.mark.parametrize("api", APIS)
def test_put_response_etag_readable_when_exposed(api, page, s3, bucket, urls):
    # A browser uploader (e.g. multipart) needs the ETag of what it just uploaded.
    put_cors(s3, bucket, rule([page.origin], ["PUT"], headers=["*"], expose=["ETag"]))
    k = key("upload")
    got = page.call(api, urls.put(bucket, k, "application/json", {"color": "blue"}),
                    method="PUT", headers=META_HEADERS, body=META_BODY)
    ok(got)
    assert got["etag"] == stored(s3, bucket, k)["etag"]


# --------------------------------------------------------------------------- credentials

@pytest.mark.parametrize("api", APIS)
def test_credentialed_request_needs_explicit_origin(api, page, s3, bucket, urls):
    keys = [key(n) for n in ("anon", "star", "explicit")]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())

    put_cors(s3, bucket, rule(["*"], ["GET"]))
    got = page.call(api, urls.get(bucket, keys[0]))                      # no credentials: fine
    assert ok(got)["body"] == keys[0]
    url = urls.get(bucket, keys[1])
    page.assert_blocked(api, page.call(api, url, credentials=True), url, "wildcard '*'")

    # An explicit origin is echoed with Access-Control-Allow-Credentials: true (spec section 5).
    put_cors(s3, bucket, rule([page.origin], ["GET"]))
    got = page.call(api, urls.get(bucket, keys[2]), credentials=True)
    assert ok(got)["body"] == keys[2]


# --------------------------------------------------------------------------- DELETE and HEAD

@pytest.mark.parametrize("api", APIS)
def test_delete_allowed_or_blocked_by_method(api, page, s3, bucket, urls):
    kept, gone = key("kept"), key("gone")
    for k in (kept, gone):
        s3.put_object(Bucket=bucket, Key=k, Body=b"delete me?")

    put_cors(s3, bucket, rule([page.origin], ["GET", "PUT", "HEAD", "POST"], headers=["*"]))
    url = urls.delete(bucket, kept)
    page.assert_blocked(api, page.call(api, url, method="DELETE"), url, "preflight")
    assert stored(s3, bucket, kept)["body"] == b"delete me?"

    put_cors(s3, bucket, rule([page.origin], ["DELETE"]))
    got = page.call(api, urls.delete(bucket, gone), method="DELETE")
    ok(got, 204)
    assert stored(s3, bucket, gone) is None


@pytest.mark.parametrize("api", APIS)
def test_head_allowed_or_blocked_by_method(api, page, s3, bucket, urls):
    # HEAD is a simple method: no preflight, the actual response decides (spec A7).
    blocked, allowed = key("blocked"), key("allowed")
    for k in (blocked, allowed):
        s3.put_object(Bucket=bucket, Key=k, Body=b"twelve bytes", ContentType="text/plain")

    put_cors(s3, bucket, rule([page.origin], ["GET"]))
    url = urls.head(bucket, blocked)
    page.assert_blocked(api, page.call(api, url, method="HEAD"), url,
                        "No 'Access-Control-Allow-Origin' header")

    put_cors(s3, bucket, rule([page.origin], ["GET", "HEAD"]))
    got = page.call(api, urls.head(bucket, allowed), method="HEAD")
    assert ok(got)["body"] == ""
    assert got["headers"]["content-length"] == "12"
    assert got["headers"]["content-type"] == "text/plain"


# --------------------------------------------------------------------------- rule order

@pytest.mark.parametrize("api", APIS)
def test_later_rule_used_when_earlier_matches_origin_but_not_method(api, page, s3, bucket, urls):
    put_cors(s3, bucket,
             rule(["http://elsewhere.example"], ["PUT"], headers=["*"]),    # origin differs
             rule([page.origin], ["GET", "HEAD"], headers=["*"]),          # method differs
             rule([page.origin], ["PUT"], headers=["*"], expose=["ETag"]))
    k = key("third-rule")
    got = page.call(api, urls.put(bucket, k, "application/json", {"color": "blue"}),
                    method="PUT", headers=META_HEADERS, body=META_BODY)
    ok(got)
    obj = stored(s3, bucket, k)
    assert obj["body"] == META_BODY.encode() and obj["metadata"] == {"color": "blue"}
    # The ETag is exposed only by the third rule: the actual response carried its headers.
    assert got["etag"] == obj["etag"]


@pytest.mark.parametrize("api", APIS)
def test_later_rule_used_when_earlier_matches_origin_and_method_but_not_headers(api, page, s3, bucket, urls):
    put_cors(s3, bucket,
             rule([page.origin], ["PUT"], headers=["content-type"]),
             rule([page.origin], ["PUT"], headers=["content-type", "x-amz-meta-*"]))
    k = key("second-rule")
    got = page.call(api, urls.put(bucket, k, "application/json", {"color": "blue"}),
                    method="PUT", headers=META_HEADERS, body=META_BODY)
    ok(got)
    obj = stored(s3, bucket, k)
    assert obj["body"] == META_BODY.encode() and obj["metadata"] == {"color": "blue"}


# --------------------------------------------------------------------------- runtime changes

def test_configuration_replaced_and_deleted_at_runtime(page, s3, bucket, urls):
    s3.put_object(Bucket=bucket, Key="doc.txt", Body=b"v1")
    get = urls.get(bucket, "doc.txt")      # the same URL each time: fetch() uses cache:'no-store'

    put_cors(s3, bucket, rule([page.origin], ["GET"]))
    assert ok(page.call("fetch", get))["body"] == "v1"

    # Replaced by a rule for another origin: the very next request is refused.
    put_cors(s3, bucket, rule(["http://elsewhere.example"], ["GET"]))
    page.assert_blocked("fetch", page.call("fetch", get), get)

    # Replaced by one that allows uploads with metadata (a new URL: no cached preflight).
    put_cors(s3, bucket, rule([page.origin], ["GET", "PUT"], headers=["*"]))
    assert ok(page.call("fetch", get))["body"] == "v1"
    k1 = key("while-allowed")
    got = page.call("fetch", urls.put(bucket, k1, "application/json", {"color": "blue"}),
                    method="PUT", headers=META_HEADERS, body=META_BODY)
    ok(got)
    assert stored(s3, bucket, k1)["body"] == META_BODY.encode()

    # Deleted: GET and the preflighted PUT are both refused, nothing is written.
    s3.delete_bucket_cors(Bucket=bucket)
    page.assert_blocked("fetch", page.call("fetch", get), get)
    k2 = key("after-delete")
    put = urls.put(bucket, k2, "application/json", {"color": "blue"})
    page.assert_blocked("fetch", page.call("fetch", put, method="PUT", headers=META_HEADERS,
                                           body=META_BODY), put, "preflight")
    assert stored(s3, bucket, k2) is None

    # Configured again: effective immediately.
    put_cors(s3, bucket, rule(["*"], ["GET"]))
    assert ok(page.call("fetch", get))["body"] == "v1"


# --------------------------------------------------------------------------- error responses

@pytest.mark.parametrize("api", APIS)
def test_error_response_readable_when_rule_matches(api, page, s3, bucket, urls):
    # CORS headers are on error responses too (spec A5): the page sees S3's 404 and its XML.
    put_cors(s3, bucket, rule([page.origin], ["GET"]))
    missing = key("missing")
    got = page.call(api, urls.get(bucket, missing))
    ok(got, 404)
    assert got["headers"]["content-type"] == "application/xml"
    assert "<Code>NoSuchKey</Code>" in got["body"]
    assert f"<Key>{missing}</Key>" in got["body"]

    # Without a matching rule the page cannot even see that it was a 404.
    put_cors(s3, bucket, rule(["http://elsewhere.example"], ["GET"]))
    url = urls.get(bucket, key("missing-too"))
    page.assert_blocked(api, page.call(api, url), url, "No 'Access-Control-Allow-Origin' header")
