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


# The upload page (tests/e2e/test_browser_uploads.py): presigned PUTs and POST-policy forms sent
# with fetch() and XMLHttpRequest, and a real <form> submitted by clicking. File bodies are made in
# the page by pattern(n) (byte i is i % 251), so the test can rebuild them to check what was stored.
UPLOAD_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>s3mock upload page</title></head>
<body><p>s3mock browser upload page</p>
<script>
const TIMEOUT_MS = %(timeout)d;

function pattern(n) {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = i %% 251;
  return a;
}

// opts.form = {fields: [[name, value]...], size, filename, type}: FormData with the fields first
// (S3 ignores fields after the file) and the file last; opts.size: a bare body of that many bytes.
function makeBody(opts) {
  if (opts.form) {
    const f = opts.form, fd = new FormData();
    for (const [k, v] of f.fields) fd.append(k, v);
    fd.append("file", new Blob([pattern(f.size)], {type: f.type || "application/octet-stream"}),
              f.filename);
    return fd;
  }
  return opts.size === undefined ? null : new Blob([pattern(opts.size)]);
}

// An XML body as the script reads it: {root, children: {name: text}}, or null.
function readXml(text) {
  if (!text) return null;
  const doc = new DOMParser().parseFromString(text, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return null;
  const out = {root: doc.documentElement.nodeName, children: {}};
  for (const el of doc.documentElement.children) out.children[el.nodeName] = el.textContent;
  return out;
}

function readable(headers) {
  const out = {};
  for (const [k, v] of headers) out[k] = v;
  return out;
}

window.fetchUpload = async function (url, opts) {
  const init = {method: opts.method, headers: opts.headers || {}, cache: "no-store",
                signal: AbortSignal.timeout(TIMEOUT_MS), body: makeBody(opts)};
  try {
    const r = await fetch(url, init);
    const body = await r.text();
    return {ok: true, status: r.status, etag: r.headers.get("ETag"), headers: readable(r.headers),
            body: body, xml: readXml(body)};
  } catch (e) {
    return {ok: false, error: e.name, message: String(e.message)};
  }
};

// XMLHttpRequest with xhr.upload.onprogress observed. Registering an upload listener makes even a
// simple POST a preflighted request (Fetch: "use-CORS-preflight flag").
window.xhrUpload = function (url, opts) {
  return new Promise((resolve) => {
    const progress = [];
    let uploaded = false;
    const xhr = new XMLHttpRequest();
    xhr.open(opts.method, url, true);
    xhr.timeout = TIMEOUT_MS;
    for (const [k, v] of Object.entries(opts.headers || {})) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => progress.push(
      {loaded: e.loaded, total: e.total, lengthComputable: e.lengthComputable});
    xhr.upload.onload = () => { uploaded = true; };
    xhr.onload = () => resolve({ok: true, status: xhr.status, etag: xhr.getResponseHeader("ETag"),
                                body: xhr.responseText, xml: readXml(xhr.responseText),
                                progress: progress, uploaded: uploaded});
    xhr.onerror = () => resolve({ok: false, error: "NetworkError", status: xhr.status,
                                 progress: progress, uploaded: uploaded});
    xhr.ontimeout = () => resolve({ok: false, error: "TimeoutError", status: xhr.status,
                                   progress: progress, uploaded: uploaded});
    xhr.send(makeBody(opts));
  });
};

// A real <form method=post enctype=multipart/form-data>: hidden fields, a file input, a button.
window.buildForm = function (action, fields) {
  const form = document.createElement("form");
  form.method = "post";
  form.enctype = "multipart/form-data";
  form.action = action;
  for (const [k, v] of fields) {
    const input = document.createElement("input");
    input.type = "hidden"; input.name = k; input.value = v;
    form.appendChild(input);
  }
  const file = document.createElement("input");
  file.type = "file"; file.name = "file"; file.id = "file";
  const button = document.createElement("button");
  button.type = "submit"; button.id = "send"; button.textContent = "Upload";
  form.append(file, button);
  document.body.appendChild(form);
};
</script></body></html>
""" % {"timeout": REQUEST_TIMEOUT_MS}

# Where success_action_redirect sends the browser after a form upload.
LANDING_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>s3mock upload done</title></head>
<body><p id="done">upload done</p></body></html>
"""


def pattern(n: int) -> bytes:
    """The bytes the upload page's pattern(n) makes."""
    return (bytes(range(251)) * (n // 251 + 1))[:n]


class _PageHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        extra = getattr(self.server, "pages", {})
        if path in ("/", "/index.html"):
            body, status, ctype = PAGE.encode(), 200, "text/html; charset=utf-8"
        elif path in extra:
            body, status, ctype = extra[path].encode(), 200, "text/html; charset=utf-8"
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

    def __init__(self, pages: dict[str, str] | None = None):
        """`pages`: more HTML pages to serve, by path (e.g. {"/upload.html": UPLOAD_PAGE})."""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _PageHandler)
        self.httpd.pages = dict(pages or {})
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
        self.keys = (access_key, secret_key)
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

    def presigned_post(self, bucket: str, key: str, fields: dict | None = None,
                       conditions: list | None = None, sigv4: bool = True,
                       expires: int = EXPIRES) -> dict:
        """boto3's generate_presigned_post: {"url", "fields"}. sigv4=False: boto3's default
        configuration, which builds a SigV2 form (AWSAccessKeyId, signature, policy)."""
        if sigv4:
            s3 = self.s3
        else:
            s3 = boto3.client(
                "s3", endpoint_url=self.origin, region_name="us-east-1",
                aws_access_key_id=self.keys[0], aws_secret_access_key=self.keys[1],
                config=Config(s3={"addressing_style": "path"}))
        form = s3.generate_presigned_post(bucket, key, Fields=fields, Conditions=conditions,
                                          ExpiresIn=expires)
        assert form["url"].rstrip("/") == f"{self.origin}/{bucket}", form["url"]
        return form

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
