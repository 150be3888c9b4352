"""The console's tools in real headless Chromium against a live server: the CORS playground
(explaining a refusal rule by rule, an allowed request, and the replay as a real browser
preflight), the access explainer naming a Deny statement, and live requests (a boto3 request
streaming in, the filters, a 404's error body, hostile paths and headers shown as text).

Needs Debian's `chromium` and `pip install playwright`; skips without them, fails when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import socket

import pytest

from support import client, start_server
from tests.e2e.console_helpers import context, open_console, sign_in, s3, server  # noqa: F401 (fixtures)

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def console(context, server):
    """open(hash) -> a page on the console at 127.0.0.1, in this test's fresh context (its own
    preflight cache); at the end, no JavaScript error and no dialog (an alert() would be an
    injection) on it."""
    pages = []

    def open_(hash_: str):
        pages.append(open_console(context, server, hash_))
        return pages[-1]
    yield open_
    for p in pages:
        assert p.js_errors == [] and p.dialogs == []


def cors_bucket(s3, name: str, console_origin: str) -> str:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
        {"ID": "app-uploads", "AllowedOrigins": ["http://app.example"], "AllowedMethods": ["PUT"],
         "AllowedHeaders": ["content-type"]},
        {"ID": "reads", "AllowedOrigins": ["*"], "AllowedMethods": ["GET"]},
        {"ID": "console", "AllowedOrigins": [console_origin], "AllowedMethods": ["PUT"],
         "AllowedHeaders": ["x-amz-meta-*"], "ExposeHeaders": ["ETag"]},
    ]})
    return name


def ask_cors(page, bucket: str, origin: str, method: str, headers: str, key: str = "") -> None:
    page.fill("[data-test=cors-bucket]", bucket)
    page.fill("[data-test=cors-origin]", origin)
    page.select_option("[data-test=cors-method]", method)
    page.fill("[data-test=cors-headers-input]", headers)
    page.fill("[data-test=cors-key]", key)


def explain_cors(page, *args) -> None:
    ask_cors(page, *args)
    page.click("[data-test=cors-explain]")
    page.wait_for_selector("[data-test=cors-decision]")


def rule_results(page) -> list[str]:
    return page.locator("[data-test=cors-rule-result]").all_inner_texts()


def test_cors_playground_explains_a_refusal_rule_by_rule(console, server, s3):
    bucket = cors_bucket(s3, "tools-cors-refused", server.endpoint)
    page = console("#/cors")
    explain_cors(page, bucket, "http://app.example", "PUT", "content-type, x-custom", "k.txt")
    decision = page.locator("[data-test=cors-decision]")
    assert decision.get_attribute("data-decision") == "refused"
    assert "no rule matched" in decision.inner_text()
    # each rule and why it did not match: the first one only for the header it does not allow
    assert rule_results(page) == ["no headers x-custom", "no method / headers content-type,x-custom",
                                  "no origin / headers content-type,x-custom"]
    rows = page.locator("[data-test=cors-rule]")
    assert "app-uploads" in rows.nth(0).inner_text()
    assert "403 AccessForbidden" in page.locator("[data-test=cors-error]").inner_text()
    assert "none" in page.locator("[data-test=cors-headers]").inner_text()


def test_cors_playground_explains_an_allowed_request(console, server, s3):
    bucket = cors_bucket(s3, "tools-cors-allowed", server.endpoint)
    page = console("#/cors")
    explain_cors(page, bucket, "http://app.example", "PUT", "Content-Type", "k.txt")
    decision = page.locator("[data-test=cors-decision]")
    assert decision.get_attribute("data-decision") == "allowed"
    assert "(rule 0)" in decision.inner_text()
    assert rule_results(page) == ["matched"]        # the first match decides; later rules unchecked
    headers = page.locator("[data-test=cors-headers]").inner_text()
    assert "Access-Control-Allow-Origin" in headers and "http://app.example" in headers
    assert "PUT" in headers and "content-type" in headers


def replay(page) -> str:
    page.click("[data-test=cors-replay]")
    page.wait_for_selector("[data-test=replay-outcome]")
    return page.locator("[data-test=replay-outcome]").get_attribute("data-outcome")


def test_replay_sends_a_real_preflight_from_the_browser(console, server, s3):
    """The page at 127.0.0.1 sends the request to the server as localhost: Chromium itself sends
    the preflight, with the console's origin; what came back is read from the request log."""
    bucket = cors_bucket(s3, "tools-cors-replay", server.endpoint)
    page = console("#/cors")
    ask_cors(page, bucket, server.endpoint, "PUT", "x-amz-meta-note", "replayed.txt")
    assert replay(page) == "passed"
    status = page.locator("[data-test=replay-status]").inner_text()
    assert "OPTIONS /tools-cors-replay/replayed.txt: HTTP 200, CORS rule:2" == status
    sent = page.locator("[data-test=replay-request-headers]").inner_text()
    assert server.endpoint in sent and "PUT" in sent and "x-amz-meta-note" in sent
    answered = page.locator("[data-test=replay-response-headers]").inner_text()
    assert "Access-Control-Allow-Origin" in answered and server.endpoint in answered
    # the browser then sent the PUT itself, unsigned: anonymous may not write here
    assert "HTTP 403" in page.locator("[data-test=replay-outcome]").inner_text()
    assert "replayed.txt" not in [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

    ask_cors(page, bucket, server.endpoint, "DELETE", "", "replayed.txt")
    assert replay(page) == "blocked"
    assert page.locator("[data-test=replay-status]").inner_text().endswith("HTTP 403, CORS refused")
    assert "<Code>AccessForbidden</Code>" in page.locator("[data-test=replay-error-body]").inner_text()


def test_access_explainer_names_the_deny_statement(console, s3):
    bucket = "tools-access"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublicReads", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Sid": "NoDeletes", "Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
    page = console("#/access")
    page.fill("[data-test=access-principal]", "test")
    page.fill("[data-test=access-operation]", "DeleteObject")
    page.fill("[data-test=access-bucket]", bucket)
    page.fill("[data-test=access-key]", "a.txt")
    page.click("[data-test=access-explain]")
    decision = page.locator("[data-test=access-decision]")
    assert decision.get_attribute("data-decision") == "denied"
    assert "HTTP 403" in decision.inner_text()
    assert page.locator("[data-test=access-decided-by]").inner_text() == 'policy statement 2 (index 1, Sid "NoDeletes")'
    rows = page.locator("[data-test=access-statement]")
    assert [rows.nth(i).get_attribute("data-applies") for i in range(2)] == ["false", "true"]
    assert rows.nth(1).get_attribute("data-sid") == "NoDeletes"

    # an action and a condition key: anonymous reads of a stored object are allowed by the first
    s3.put_object(Bucket=bucket, Key="a.txt", Body=b"a")
    page.fill("[data-test=access-principal]", "anonymous")
    page.fill("[data-test=access-operation]", "s3:GetObject")
    page.fill("[data-test=access-conditions]", "aws:SourceIp=10.0.0.1")
    page.click("[data-test=access-explain]")
    page.wait_for_selector("[data-test=access-decision][data-decision=allowed]")
    assert 'Sid "PublicReads"' in page.locator("[data-test=access-decided-by]").inner_text()


def row_with(page, text: str):
    return page.locator("[data-test=request-row]", has_text=text)


def test_live_requests_stream_filter_and_show_an_error_body(console, s3):
    bucket = "tools-live"
    s3.create_bucket(Bucket=bucket)
    page = console("#/requests")
    s3.put_object(Bucket=bucket, Key="live/hello.txt", Body=b"hi")
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key="live/missing.txt")
    put = row_with(page, "/tools-live/live/hello.txt")
    put.first.wait_for()           # polled in within a second or two
    assert put.first.get_attribute("data-op") == "PutObject"
    assert "test" in put.first.inner_text() and "200" in put.first.inner_text()
    missing = row_with(page, "/tools-live/live/missing.txt")
    missing.first.wait_for()
    # the console's own polling is hidden by default, shown on demand
    assert row_with(page, "/_s3mock/requests").count() == 0
    page.uncheck("[data-test=requests-hide-console]")
    row_with(page, "/_s3mock/requests").first.wait_for()
    page.check("[data-test=requests-hide-console]")

    page.fill("[data-test=requests-filter]", "missing.txt")
    assert page.locator("[data-test=request-row]").count() == 1
    page.fill("[data-test=requests-filter]", "")
    page.select_option("[data-test=requests-status]", "4xx")
    statuses = page.locator("[data-test=request-row]").evaluate_all("rs => rs.map(r => r.dataset.status)")
    assert statuses and all(s.startswith("4") for s in statuses)
    page.select_option("[data-test=requests-status]", "")
    page.select_option("[data-test=requests-op]", "PutObject")
    ops = page.locator("[data-test=request-row]").evaluate_all("rs => rs.map(r => r.dataset.op)")
    assert ops and set(ops) == {"PutObject"}
    page.select_option("[data-test=requests-op]", "")

    missing.first.click()
    body = page.locator("[data-test=request-error-body]")
    body.wait_for()
    assert "<Code>NoSuchKey</Code>" in body.inner_text()
    assert "<Key>live/missing.txt</Key>" in body.inner_text()
    headers = page.locator("[data-test=request-headers]").inner_text()
    assert "Signature=<redacted>" in headers and "Credential=test/" in headers


def raw_get(port: int, target: str, headers: dict[str, str]) -> bytes:
    """A request with a path no client would percent-encode for us (bounded by the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}"
                     "Connection: close\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def test_hostile_paths_and_headers_render_as_text(console, server, s3):
    page = console("#/requests")
    target = "/tools-hostile/<img/src=x/onerror=alert(1)>"
    answer = raw_get(server.port, target, {"X-Evil": HOSTILE})
    assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
    row = row_with(page, "onerror=alert(1)")
    row.first.wait_for()
    assert page.locator("[data-test=request-path]", has_text=target).count() == 1
    row.first.click()
    page.locator("[data-test=request-error-body]").wait_for()
    assert HOSTILE in page.locator("[data-test=request-headers]").inner_text()
    # no element was made from them: text only, and no alert() ran
    assert page.locator("[data-test=requests-view] img").count() == 0
    assert page.dialogs == []


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("console-tools-strict"), "--auth", "strict",
                       "--user", "other:other-secret")
    yield srv
    srv.stop()


def test_strict_mode_the_log_is_the_default_users(context, strict_server):
    """Signed in as the default user the log streams in; as another user the server refuses it
    (AccessDenied) and the view says so."""
    s3 = client(strict_server.endpoint)
    page = open_console(context, strict_server, "#/requests")
    sign_in(page, "test", "test")
    s3.create_bucket(Bucket="tools-strict")
    row_with(page, "/tools-strict").first.wait_for()
    page.click("[data-test=sign-out]")

    sign_in(page, "other", "other-secret")
    page.wait_for_selector("[data-test=requests-note]:has-text('AccessDenied')")
    assert page.locator("[data-test=request-row]").count() == 0
    assert page.js_errors == [] and page.dialogs == []
