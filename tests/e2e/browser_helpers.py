"""Helpers for the real-browser CORS tests: a static page on one origin, headless Chromium driven
by Playwright, and the URLs the page calls on the s3mock origin.

The page is served from http://127.0.0.1:PORT_A; the server is addressed as http://localhost:PORT_B,
so every call the page makes is cross-origin and the browser enforces CORS exactly as it would
against Amazon S3. The page's JavaScript reports what it could see (status, readable headers, body,
or the error thrown); nothing here inspects the server's raw responses.
"""

from __future__ import annotations

import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from botocore.config import Config
import boto3

CHROMIUM = os.environ.get("S3MOCK_CHROMIUM", "/usr/bin/chromium")
# Flags known to work on this kind of machine; without the background-networking ones Chromium
# keeps trying to reach Google's hosts through a closed network.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 15_000
# Every fetch/XHR made by the page gives up after this long (well below ACTION_TIMEOUT_MS), so a
# hung request is reported as a TimeoutError, never mistaken for a CORS refusal (TypeError).
REQUEST_TIMEOUT_MS = 8_000

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>s3mock CORS page</title></head>
<body><p>s3mock cross-origin test page</p>
<script>
const TIMEOUT_MS = %(timeout)d;

function readable(headers) {
  // Iterating a cross-origin response's Headers yields only safelisted and exposed headers.
  const out = {};
  for (const [k, v] of headers) out[k] = v;
  return out;
}

// fetch(): resolves to what the page could observe; a CORS refusal is a TypeError.
window.doFetch = async function (url, opts) {
  opts = opts || {};
  const init = {
    method: opts.method || "GET",
    headers: opts.headers || {},
    credentials: opts.credentials || "same-origin",
    cache: "no-store",
    signal: AbortSignal.timeout(TIMEOUT_MS),
  };
  if (opts.body !== undefined) init.body = opts.body;
  try {
    const r = await fetch(url, init);
    const body = await r.text();
    return {ok: true, status: r.status, etag: r.headers.get("ETag"),
            headers: readable(r.headers), body: body};
  } catch (e) {
    return {ok: false, error: e.name, message: String(e.message)};
  }
};

// XMLHttpRequest: a CORS refusal fires onerror with status 0.
window.doXhr = function (url, opts) {
  opts = opts || {};
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open(opts.method || "GET", url, true);
    xhr.timeout = TIMEOUT_MS;
    xhr.withCredentials = !!opts.withCredentials;
    for (const [k, v] of Object.entries(opts.headers || {})) xhr.setRequestHeader(k, v);
    xhr.onload = () => {
      // getAllResponseHeaders() lists only safelisted and exposed headers, names lower-cased.
      const headers = {};
      for (const line of xhr.getAllResponseHeaders().trim().split(/[\\r\\n]+/)) {
        const i = line.indexOf(":");
        if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ok: true, status: xhr.status, etag: xhr.getResponseHeader("ETag"),
               headers: headers, body: xhr.responseText});
    };
    xhr.onerror = () => resolve({ok: false, error: "NetworkError", status: xhr.status});
    xhr.ontimeout = () => resolve({ok: false, error: "TimeoutError", status: xhr.status});
    xhr.send(opts.body === undefined ? null : opts.body);
  });
};
</script></body></html>
""" % {"timeout": REQUEST_TIMEOUT_MS}


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        if self.path.split("?", 1)[0] in ("/", "/index.html"):
            body, status, ctype = PAGE.encode(), 200, "text/html; charset=utf-8"
        else:
            body, status, ctype = b"not found", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class PageServer:
    """The page's origin: a static server on http://127.0.0.1:<ephemeral port>."""

    def __init__(self):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + "/index.html"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright)"
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        return f"chromium not found at {CHROMIUM} (apt-get install chromium)"
    return None


def launch(playwright):
    """Headless Debian Chromium with the flags known to work here. Playwright starts it with a new
    empty temporary profile (it refuses an explicit --user-data-dir) and gives each new_context()
    an incognito-like context with its own HTTP cache and CORS preflight cache."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS)


class Urls:
    """The URLs the page calls, on the server's `localhost` origin.

    The one place that decides how a browser is authorised. Today (lenient auth, no ACLs yet) any
    request would do; these are presigned by the owner, which stays valid once ACLs are enforced
    (issue 4) because a presigned request acts as the signer, whatever the bucket's ACL. Headers
    named in `headers` are signed, so the page must send them with exactly these values.
    """

    EXPIRES = 600

    def __init__(self, port: int, access_key: str, secret_key: str):
        self.origin = f"http://localhost:{port}"
        self.s3 = boto3.client(
            "s3", endpoint_url=self.origin, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, region_name="us-east-1",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def _sign(self, op: str, params: dict) -> str:
        url = self.s3.generate_presigned_url(op, Params=params, ExpiresIn=self.EXPIRES)
        assert url.startswith(self.origin + "/"), url
        return url

    def get(self, bucket: str, key: str) -> str:
        return self._sign("get_object", {"Bucket": bucket, "Key": key})

    def head(self, bucket: str, key: str) -> str:
        return self._sign("head_object", {"Bucket": bucket, "Key": key})

    def delete(self, bucket: str, key: str) -> str:
        return self._sign("delete_object", {"Bucket": bucket, "Key": key})

    def put(self, bucket: str, key: str, content_type: str | None = None,
            metadata: dict[str, str] | None = None) -> str:
        params: dict = {"Bucket": bucket, "Key": key}
        if content_type is not None:
            params["ContentType"] = content_type
        if metadata:
            params["Metadata"] = metadata
        return self._sign("put_object", params)


def rule(origins, methods, headers=(), expose=(), max_age=None) -> dict:
    """One boto3 CORSRule."""
    out: dict = {"AllowedOrigins": list(origins), "AllowedMethods": list(methods)}
    if headers:
        out["AllowedHeaders"] = list(headers)
    if expose:
        out["ExposeHeaders"] = list(expose)
    if max_age is not None:
        out["MaxAgeSeconds"] = max_age
    return out


def put_cors(s3, bucket: str, *rules: dict) -> None:
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": list(rules)})
