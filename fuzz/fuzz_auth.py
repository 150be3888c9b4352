"""Coverage-guided fuzz target (atheris / libFuzzer) for the authentication parsers.

Every input is one raw HTTP request: a request line, header lines, a blank line and a body, read
the way aiohttp hands them to s3mock (UTF-8 with surrogateescape). It goes through
s3mock.auth.authenticate.authenticate (strict and lenient, so SigV4 and SigV2 in the header and
in presigned queries), s3mock.auth.sigv4.parse_header / parse_query directly, and, with the body
as a POST policy document (JSON), s3mock.auth.post_policy.decode / check with the header lines as
the form's fields. Only S3Error may escape; any other exception is a finding.

    python fuzz/fuzz_auth.py fuzz/corpus/auth -max_total_time=600    # a longer run, on demand
    python fuzz/fuzz_auth.py fuzz/corpus/auth -runs=2000              # what CI runs (test_fuzz_smoke)

The seeds in fuzz/corpus/auth are requests signed (by the `test` user, secret `test`) at NOW, so
the fuzzer starts past the clock checks, right at signature verification.
"""

from __future__ import annotations

import base64
import contextlib
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))    # run from a checkout


def _instrumented():
    """Run as a fuzzer: instrument s3mock's modules as they are imported (instrument_all would
    take most of a minute). Imported by the tests: plain imports."""
    if __name__ == "__main__":
        import atheris
        return atheris.instrument_imports(include=["s3mock"])
    return contextlib.nullcontext()


from multidict import CIMultiDict, CIMultiDictProxy                  # noqa: E402

with _instrumented():                                                # coverage of s3mock only
    from s3mock.auth import post_policy, sigv4
    from s3mock.auth.authenticate import Request, authenticate, query_pairs
    from s3mock.config import make_user
    from s3mock.errors import S3Error

CORPUS = Path(__file__).resolve().parent / "corpus" / "auth"
NOW = 1735732800.0                   # 2025-01-01T12:00:00Z: the seeds' signing time
OWNER = make_user("test", "test")
USERS = {u.access_key: u for u in (OWNER, make_user("second", "second-secret"))}


_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def parse_request(data: bytes) -> tuple[Request, bytes] | None:
    """A raw request as aiohttp presents it to s3mock; None for one aiohttp itself answers with 400
    (a request target that is not ASCII). What aiohttp would refuse in a header line (a name that
    is not a token, a control character in a value) is left out; header values that are not UTF-8
    arrive as surrogates (surrogateescape), as aiohttp decodes them."""
    head, _, body = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    request_line, *header_lines = head.split(b"\n")
    if not request_line.isascii():
        return None
    method, _, rest = request_line.decode().partition(" ")
    target = rest.split(" ", 1)[0] or "/"
    path, _, query = target.partition("?")
    headers: CIMultiDict[str] = CIMultiDict()
    for line in header_lines:
        name, sep, value = line.decode("utf-8", "surrogateescape").partition(":")
        if sep and _TOKEN.fullmatch(name) and not _CONTROL.search(value):
            headers.add(name, value.strip(" \t"))
    host = headers.get("Host", "127.0.0.1:9000")
    bucket = path.lstrip("/").split("/", 1)[0] or None
    return Request(method, path, query, CIMultiDictProxy(headers), host, bucket, False), body


def _expect_s3_error(call) -> object:
    try:
        return call()
    except S3Error:
        return None


def test_one_input(data: bytes) -> None:
    parsed = parse_request(data)
    if parsed is None:
        return
    req, body = parsed
    for strict in (True, False):
        _expect_s3_error(lambda: authenticate(req, USERS, OWNER, strict=strict, now=NOW))
    auth = req.headers.get("Authorization", "")
    if auth.startswith(sigv4.ALGORITHM):
        _expect_s3_error(lambda: sigv4.parse_header(auth, req.headers))
    query = dict(query_pairs(req.raw_query))
    _expect_s3_error(lambda: sigv4.parse_query(query))
    # The body as a POST form's policy (JSON, base64-encoded as a browser sends it), the header
    # lines as the form's fields; and the body as the policy field's raw text.
    # (s3mock decodes form fields with errors="replace": no surrogates there.)
    fields = {k.lower(): v.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
              for k, v in req.headers.items()}
    for policy_b64 in (base64.b64encode(body).decode(), body.decode("utf-8", "replace")):
        who = _expect_s3_error(lambda: post_policy.signer({**fields, "policy": policy_b64}))
        if who is not None and who.access_key in USERS:
            _expect_s3_error(lambda: post_policy.verify(who, USERS[who.access_key].secret_key, policy_b64))
        policy = _expect_s3_error(lambda: post_policy.decode(policy_b64))
        if policy is not None:
            _expect_s3_error(lambda: post_policy.check(policy, fields, req.bucket or "bucket", NOW))


def main(argv: list[str]) -> None:
    import atheris

    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
