"""The web console's shell in real headless Chromium against live servers (issue 23): it loads
under its CSP, lists, creates and deletes buckets, edits CORS as PutBucketCors checks it, changes
a bucket's canned ACL, signs in strict mode with S3's own refusal for a wrong secret, renders
hostile names as text, and is unreachable when off, from other origins and through path tricks.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from support import client, start_server
from tests.e2e import browser_helpers as bh
from tests.e2e.console_helpers import CSP, context, open_console, sign_in  # noqa: F401

STRICT_SECRET = "console-secret-3f9a"
CORS_XML = ("<CORSConfiguration><CORSRule><AllowedOrigin>http://localhost:5173</AllowedOrigin>"
            "<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>"
            "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>"
            "</CORSConfiguration>")
HOSTILE = '<img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def lenient(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("console-lenient"))
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("console-strict"), "--auth", "strict",
                       "--secret-key", STRICT_SECRET)
    yield srv
    srv.stop()


def s3_of(server, secret: str = "test"):
    s3 = client(server.endpoint)
    s3._request_signer._credentials.secret_key = secret     # noqa: SLF001 (one client, this secret)
    return s3


def new_bucket(s3) -> str:
    name = f"c-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def row(page, bucket: str):
    return page.locator(f"[data-test=bucket-row][data-bucket='{bucket}']")


def test_console_loads_under_its_csp(context, lenient):
    page = open_console(context, lenient)
    assert page.response.status == 200
    assert page.response.headers["content-security-policy"] == CSP
    assert page.locator("[data-test=topbar]").is_visible()
    assert page.inner_text("[data-test=auth-mode]") == "lenient"
    # The policy is in force: an injected inline script is refused and never runs.
    violated = page.evaluate("""() => new Promise((resolve) => {
      document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), {once: true});
      const s = document.createElement("script");
      s.textContent = "window.__inlineRan = true";
      document.body.append(s);
      setTimeout(() => resolve("no violation"), 3000);
    })""")
    assert violated.startswith("script-src")
    assert page.evaluate("() => window.__inlineRan === undefined")
    assert page.js_errors == []


def test_lenient_mode_lists_buckets_as_the_default_user(context, lenient):
    s3 = s3_of(lenient)
    names = [new_bucket(s3) for _ in range(2)]
    page = open_console(context, lenient)
    for name in names:
        assert row(page, name).locator("[data-test=bucket-link]").inner_text() == name
    assert page.inner_text("[data-test=signed-in-as]") == "test"
    assert page.locator("[data-test=signin-form]").count() == 0


def test_create_bucket_with_a_canned_acl_then_delete_it(context, lenient):
    s3 = s3_of(lenient)
    name = f"c-{uuid.uuid4().hex[:16]}"
    page = open_console(context, lenient)
    page.fill("[data-test=create-name]", name)
    page.select_option("[data-test=create-acl]", "public-read")
    page.click("[data-test=create-submit]")
    row(page, name).wait_for()
    grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"},
            "Permission": "READ"} in grants

    # S3's refusal is shown as S3 gave it.
    page.fill("[data-test=create-name]", "Not_A_Bucket")
    page.click("[data-test=create-submit]")
    page.wait_for_selector("[data-test=create-error]:not([hidden])")
    assert page.inner_text("[data-test=create-error]") == (
        "InvalidBucketName: The specified bucket is not valid. (HTTP 400)")

    row(page, name).locator("[data-test=bucket-delete]").click()
    dialog = page.locator("[data-test=confirm-dialog]")
    assert f"“{name}”" in dialog.locator("h2").inner_text()
    assert page.inner_text("[data-test=confirm-count]") == f"Bucket “{name}” holds 0 objects."
    page.click("[data-test=confirm-ok]")
    row(page, name).wait_for(state="detached")
    with pytest.raises(ClientError) as err:
        s3.head_bucket(Bucket=name)
    assert err.value.response["Error"]["Code"] == "404"


def test_delete_a_non_empty_bucket_offers_to_empty_it(context, lenient):
    s3 = s3_of(lenient)
    name = new_bucket(s3)
    keys = ["a.txt", "dir/b.txt", "dir/c.txt"]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=b"x")
    page = open_console(context, lenient)
    row(page, name).locator("[data-test=bucket-delete]").click()
    assert page.inner_text("[data-test=confirm-count]") == f"Bucket “{name}” holds 3 objects."
    listed = page.locator("[data-test=confirm-keys] li").all_inner_texts()
    assert listed == keys
    assert page.inner_text("[data-test=confirm-ok]") == "Empty and delete"
    page.click("[data-test=confirm-cancel]")            # cancel: nothing happens
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == keys

    row(page, name).locator("[data-test=bucket-delete]").click()
    page.click("[data-test=confirm-ok]")
    row(page, name).wait_for(state="detached")
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert page.js_errors == []


def test_cors_editor_saves_a_valid_document_and_shows_s3s_error_for_another(context, lenient):
    s3 = s3_of(lenient)
    name = new_bucket(s3)
    page = open_console(context, lenient, f"#/b/{name}?settings")
    editor = page.locator("[data-test=cors-editor]")
    editor.fill(CORS_XML)
    page.click("[data-test=cors-save]")
    page.wait_for_selector("[data-test=cors-status]:has-text('Saved.')")
    rules = s3.get_bucket_cors(Bucket=name)["CORSRules"]
    assert rules == [{"AllowedOrigins": ["http://localhost:5173"], "AllowedMethods": ["GET", "PUT"],
                      "AllowedHeaders": ["*"], "MaxAgeSeconds": 60}]

    editor.fill("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>")
    page.click("[data-test=cors-save]")
    page.wait_for_selector("[data-test=cors-error]:not([hidden])")
    assert page.inner_text("[data-test=cors-error]").startswith("MalformedXML: The XML you provided")
    assert s3.get_bucket_cors(Bucket=name)["CORSRules"] == rules      # unchanged

    page.reload()
    page.wait_for_selector("body[data-ready='1']")
    assert "http://localhost:5173" in page.locator("[data-test=cors-editor]").input_value()


def test_bucket_settings_show_acl_versioning_tags_and_policy(context, lenient):
    s3 = s3_of(lenient)
    name = new_bucket(s3)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "team", "Value": "web"}]})
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "ReadAll", "Effect": "Allow", "Principal": "*",
                                                      "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{name}/*"}]}
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    page = open_console(context, lenient, f"#/b/{name}?settings")
    assert page.inner_text("[data-test=bucket-title]") == name
    assert page.inner_text("[data-test=versioning-status]") == "Enabled"
    page.wait_for_selector("[data-test=bucket-tags] dt")      # each section loads on its own
    assert page.locator("[data-test=bucket-tags] dt").all_inner_texts() == ["team"]
    assert page.locator("[data-test=bucket-tags] dd").all_inner_texts() == ["web"]
    page.wait_for_selector("[data-test=policy-public]")
    assert json.loads(page.input_value("[data-test=policy-editor]")) == json.loads(
        s3.get_bucket_policy(Bucket=name)["Policy"])
    assert page.locator("[data-test=acl-select]").input_value() == "private"

    page.select_option("[data-test=acl-select]", "public-read")
    page.click("[data-test=acl-apply]")
    page.wait_for_selector("[data-test=acl-grant]:has-text('AllUsers')")
    grants = s3.get_bucket_acl(Bucket=name)["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("/AllUsers") and g["Permission"] == "READ" for g in grants)
    assert page.locator("[data-test=acl-select]").input_value() == "public-read"


def test_a_bucket_without_tags_or_policy_says_so(context, lenient):
    name = new_bucket(s3_of(lenient))
    page = open_console(context, lenient, f"#/b/{name}?settings")
    assert page.inner_text("[data-test=versioning-status]") == "Never enabled"
    assert page.inner_text("[data-test=tags-section] [data-test=none]") == "No tags."
    assert page.inner_text("[data-test=policy-section] [data-test=none]") == "No bucket policy."


def test_hostile_key_and_tags_render_as_text(context, lenient):
    s3 = s3_of(lenient)
    name = new_bucket(s3)
    s3.put_object(Bucket=name, Key=HOSTILE, Body=b"x")
    s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "<b>k</b>", "Value": HOSTILE}]})
    page = open_console(context, lenient)
    row(page, name).locator("[data-test=bucket-delete]").click()
    page.locator("[data-test=confirm-keys] li").first.wait_for()     # listed after a request
    assert page.locator("[data-test=confirm-keys] li").all_inner_texts() == [HOSTILE]
    assert page.locator("[data-test=confirm-dialog] img").count() == 0
    page.click("[data-test=confirm-cancel]")

    page.goto(f"{lenient.endpoint}/_s3mock/console/#/b/{name}?settings")
    page.wait_for_selector("[data-test=bucket-tags] dt")
    assert page.locator("[data-test=bucket-tags] dt").all_inner_texts() == ["<b>k</b>"]
    assert page.locator("[data-test=bucket-tags] dd").all_inner_texts() == [HOSTILE]
    assert page.locator("[data-test=bucket-tags] img, [data-test=bucket-tags] b").count() == 0
    assert page.dialogs == [] and page.js_errors == []


def test_strict_mode_sign_in_refuses_a_wrong_secret_with_s3s_error(context, strict):
    name = new_bucket(s3_of(strict, STRICT_SECRET))
    page = open_console(context, strict)
    assert page.inner_text("[data-test=auth-mode]") == "strict"
    assert page.locator("[data-test=bucket-row]").count() == 0
    sign_in(page, "test", "not-the-secret")
    page.wait_for_selector("[data-test=signin-error]:not([hidden])")
    assert page.inner_text("[data-test=signin-error]").startswith(
        "SignatureDoesNotMatch: The request signature we calculated does not match the signature you provided.")
    assert page.locator("[data-test=bucket-row]").count() == 0

    sign_in(page, "test", STRICT_SECRET)
    row(page, name).wait_for()
    assert page.inner_text("[data-test=signed-in-as]") == "test"
    # The secret lives in the page's memory only.
    stored = page.evaluate("() => JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage), document.cookie])")
    assert STRICT_SECRET not in stored

    # Signed requests with a body (PutBucketCors needs an integrity header in strict mode).
    page.click(f"[data-test=bucket-row][data-bucket='{name}'] [data-test=bucket-settings]")
    page.locator("[data-test=cors-editor]").fill(CORS_XML)
    page.click("[data-test=cors-save]")
    page.wait_for_selector("[data-test=cors-status]:has-text('Saved.')")
    assert s3_of(strict, STRICT_SECRET).get_bucket_cors(Bucket=name)["CORSRules"][0]["MaxAgeSeconds"] == 60

    page.click("[data-test=sign-out]")
    page.wait_for_selector("[data-test=signin-form]")


def test_console_off_answers_404(tmp_path):
    srv = start_server(tmp_path, "--console", "off")
    try:
        for path in ("/_s3mock/console/", "/_s3mock/console", "/_s3mock/console/app.js",
                     "/_s3mock/console/config.json"):
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(srv.endpoint + path, timeout=10)
            assert err.value.code == 404, path
        with urllib.request.urlopen(srv.endpoint + "/_s3mock/health", timeout=10) as resp:
            assert resp.status == 200         # the rest of the tooling is still there
    finally:
        srv.stop()


def test_another_origin_cannot_read_the_console(context, lenient):
    """No CORS on /_s3mock/: a page elsewhere cannot read the console's files or configuration."""
    other = bh.PageServer()
    try:
        page = context.new_page()
        page.goto(other.url)
        for path in ("/_s3mock/console/config.json", "/_s3mock/console/s3.js"):
            answer = page.evaluate("([url]) => doFetch(url)", [lenient.endpoint + path])
            assert answer == {"ok": False, "error": "TypeError", "message": "Failed to fetch"}, path
    finally:
        other.close()
    # And the same request sent by hand gets no Access-Control-* header.
    req = urllib.request.Request(lenient.endpoint + "/_s3mock/console/config.json",
                                 headers={"Origin": "http://127.0.0.1:1"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")]


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """GET with the request target exactly as written (no client normalises it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode())
        data = b""
        for _ in range(1000):           # bounded: the server closes after its answer
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


@pytest.mark.parametrize("target", [
    "/_s3mock/console/../../etc/passwd",
    "/_s3mock/console/%2e%2e/%2e%2e/etc/passwd",
    "/_s3mock/console/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/_s3mock/console/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/_s3mock/console/%252e%252e/%252e%252e/etc/passwd",
    "/_s3mock/console/..\\..\\..\\etc\\passwd",
    "/_s3mock/console/....//....//etc/passwd",
    "/_s3mock/console/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/_s3mock/console/views/../../console.py",
    "/_s3mock/console/views/..%2f..%2fconsole.py",
    "/_s3mock/console//etc/passwd",
    "/_s3mock/console/app.js%00.html",
])
def test_path_tricks_get_404(lenient, target):
    status, body = raw_get(lenient.port, target)
    assert status == 404, target
    assert body == b"Not Found\n"
