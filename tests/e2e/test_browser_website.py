"""A single-page app served by the website endpoint, in real headless Chromium (issue 24).

The app's files are in a bucket configured as a website whose error document is the app's
index.html, so a deep link (/users/42) is answered with the app itself, and the app routes on
location.pathname: SPA routing as it is deployed to S3. The page's origin is
http://BUCKET.s3-website.localhost:PORT (Chromium resolves every *.localhost name to 127.0.0.1),
and it fetches JSON from the REST endpoint at http://127.0.0.1:PORT, another origin, which the
data bucket's CORS rule allows; a bucket without a rule for it is refused by the browser.

Needs Debian's `chromium` and `pip install playwright`; skips without them, fails when
S3MOCK_REQUIRE_BROWSER=1 (CI).
"""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e import browser_helpers as bh
from tests.e2e.browser_helpers import put_cors, rule

INDEX_HTML = b"""<!doctype html>
<html><head><title>spa</title><script src="/app.js" defer></script></head>
<body><h1 id="route">loading</h1><pre id="data"></pre></body></html>
"""

APP_JS = b"""const params = new URLSearchParams(location.search);
document.getElementById("route").textContent = "route " + location.pathname;
window.loadData = async (url) => {
  try {
    const r = await fetch(url, {cache: "no-store", signal: AbortSignal.timeout(%d)});
    return {ok: true, status: r.status, body: await r.text()};
  } catch (e) {
    return {ok: false, error: e.name};
  }
};
""" % bh.REQUEST_TIMEOUT_MS


def _public_policy(bucket: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{bucket}/*"},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:ListBucket",
         "Resource": f"arn:aws:s3:::{bucket}"}]})


@pytest.fixture
def app(s3, endpoint):
    """(site origin, data bucket, data bucket without CORS) on the session's server."""
    site, data, closed = (f"{p}-{uuid.uuid4().hex[:12]}" for p in ("site", "data", "closed"))
    for b in (site, data, closed):
        s3.create_bucket(Bucket=b)
        s3.put_bucket_policy(Bucket=b, Policy=_public_policy(b))
    s3.put_bucket_website(Bucket=site, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "index.html"}})
    s3.put_object(Bucket=site, Key="index.html", Body=INDEX_HTML, ContentType="text/html")
    s3.put_object(Bucket=site, Key="app.js", Body=APP_JS, ContentType="text/javascript")
    origin = f"http://{site}.s3-website.localhost:{endpoint.rsplit(':', 1)[1]}"
    for b in (data, closed):
        s3.put_object(Bucket=b, Key="user.json", Body=b'{"name": "Ada"}',
                      ContentType="application/json")
    put_cors(s3, data, rule([origin], ["GET"]))
    return origin, data, closed


@pytest.fixture
def page(browser):
    context = browser.new_context()
    context.set_default_timeout(bh.ACTION_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_spa_from_the_website_endpoint(page, app, endpoint):
    origin, data, closed = app
    home = page.goto(origin + "/")
    assert home is not None and home.status == 200
    page.wait_for_function("document.getElementById('route').textContent !== 'loading'")
    assert page.text_content("#route") == "route /"

    # A deep link: no such key, so the error document (the app) answers with S3's 404, and the
    # app routes on the path it was loaded at.
    deep = page.goto(origin + "/users/42")
    assert deep is not None and deep.status == 404
    assert deep.headers["content-type"] == "text/html"
    page.wait_for_function("document.getElementById('route').textContent !== 'loading'")
    assert page.text_content("#route") == "route /users/42"

    # The REST endpoint, another origin: allowed by the data bucket's CORS rule ...
    got = page.evaluate("url => loadData(url)", f"{endpoint}/{data}/user.json")
    assert got == {"ok": True, "status": 200, "body": '{"name": "Ada"}'}
    # ... and refused by the browser for a bucket without one.
    refused = page.evaluate("url => loadData(url)", f"{endpoint}/{closed}/user.json")
    assert refused == {"ok": False, "error": "TypeError"}
