"""A bucket policy deciding browser uploads, proven in a real browser (issue 22).

Headless Chromium loads a page from http://127.0.0.1:PORT_A; its JavaScript PUTs files to s3mock
(strict mode) at http://localhost:PORT_B with presigned URLs signed by a second user, who has no
ACL grant on the bucket: only the policy lets it write. The bucket's CORS rule allows the page's
origin, so the page can read every answer, refusals included.

The policy: "AppUploads" allows the second user to PUT under uploads/ when aws:Referer is the
page's origin (Chromium sends the origin as Referer on a cross-origin fetch: the default
strict-origin-when-cross-origin policy); "DenyPublicUploads" refuses any PUT asking for a
public-read ACL. So one upload is allowed by a condition, one is refused by the Deny, and one
(no Referer) is refused because no statement allows it. The explainer names the Deny by its Sid.

Needs Debian's `chromium` and `pip install playwright`; skips without them, fails when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json

import pytest

from support import start_server
from test_acl_access import KEYS, USER_ARGS, make_client
from test_bucket_policy import SECOND, arn, new_bucket, statement
from test_bucket_policy_access import explain
from tests.e2e import browser_helpers as bh
from tests.e2e.browser_helpers import pattern, put_cors, rule

SIZE = 32 * 1024

# fetch() with the page's pattern(n) body and a chosen referrerPolicy ("" is the default).
PUT_JS = """async ([url, headers, size, referrerPolicy]) => {
  try {
    const r = await fetch(url, {method: "PUT", headers: headers, body: new Blob([pattern(size)]),
                                cache: "no-store", referrerPolicy: referrerPolicy,
                                signal: AbortSignal.timeout(%d)});
    return {ok: true, status: r.status, etag: r.headers.get("ETag"), body: await r.text()};
  } catch (e) {
    return {ok: false, error: e.name, message: String(e.message)};
  }
}""" % bh.REQUEST_TIMEOUT_MS


@pytest.fixture(scope="module")
def page_server():
    srv = bh.PageServer({"/upload.html": bh.UPLOAD_PAGE})
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("browser-policy"), "--auth", "strict", *USER_ARGS)
    yield srv
    srv.stop()


@pytest.fixture
def page(browser, page_server):
    context = browser.new_context()
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        pw_page = context.new_page()
        pw_page.goto(page_server.origin + "/upload.html")
        yield pw_page
    finally:
        context.close()


def test_policy_allows_one_browser_upload_and_denies_another(page, page_server, strict):
    owner = make_client(strict.endpoint, "owner")
    # BucketOwnerPreferred: an upload with bucket-owner-full-control becomes the owner's, so the
    # owner can read what the second user wrote.
    bucket = new_bucket(owner, ObjectOwnership="BucketOwnerPreferred")
    origin = page_server.origin
    put_cors(owner, bucket, rule([origin], ["PUT"], headers=["x-amz-acl"], expose=["ETag"]))
    owner.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        statement("Allow", {"AWS": SECOND.arn}, ["s3:PutObject", "s3:PutObjectAcl"], arn(bucket, "uploads/*"),
                  {"StringLike": {"aws:Referer": f"{origin}/*"}}, sid="AppUploads"),
        statement("Deny", "*", "s3:PutObject", arn(bucket, "*"),
                  {"StringEquals": {"s3:x-amz-acl": "public-read"}}, sid="DenyPublicUploads"),
    ]}))
    urls = bh.Urls(strict.port, *KEYS["second"])          # presigned by the second user

    def put(key: str, acl: str = "bucket-owner-full-control", referrer_policy: str = "") -> dict:
        params = {"Bucket": bucket, "Key": key, "ACL": acl}
        url = urls.s3.generate_presigned_url("put_object", Params=params, ExpiresIn=urls.EXPIRES)
        # x-amz-acl is a signed header: the page sends it exactly as signed
        return page.evaluate(PUT_JS, [url, {"x-amz-acl": acl}, SIZE, referrer_policy])

    allowed = put("uploads/photo.bin")
    assert allowed["ok"] and allowed["status"] == 200, allowed
    got = owner.get_object(Bucket=bucket, Key="uploads/photo.bin")
    assert got["Body"].read() == pattern(SIZE)
    assert allowed["etag"] == got["ETag"]

    refused = put("uploads/public.bin", acl="public-read")
    assert refused["ok"] and refused["status"] == 403, refused      # readable: the CORS rule matched
    assert "<Code>AccessDenied</Code>" in refused["body"]

    no_referer = put("uploads/hidden.bin", referrer_policy="no-referrer")
    assert no_referer["ok"] and no_referer["status"] == 403, no_referer
    keys = [o["Key"] for o in owner.list_objects_v2(Bucket=bucket)["Contents"]]
    assert keys == ["uploads/photo.bin"]

    why = explain(strict.endpoint, {
        "principal": KEYS["second"][0], "action": "s3:PutObject", "bucket": bucket,
        "key": "uploads/public.bin", "s3:x-amz-acl": "public-read", "aws:Referer": f"{origin}/"})
    assert why.status_code == 200, why.text
    why = why.json()
    assert why["decision"] == "denied"
    assert why["decided_by"]["kind"] == "policy"
    assert (why["decided_by"]["statement"], why["decided_by"]["sid"]) == (1, "DenyPublicUploads")
    assert "DenyPublicUploads" in why["reason"]
    assert [s["sid"] for s in why["statements"] if s["applies"]] == ["AppUploads", "DenyPublicUploads"]

    why = explain(strict.endpoint, {
        "principal": KEYS["second"][0], "action": "s3:PutObject", "bucket": bucket,
        "key": "uploads/hidden.bin", "s3:x-amz-acl": "bucket-owner-full-control"}).json()
    assert why["decision"] == "denied" and why["decided_by"]["kind"] == "none"
