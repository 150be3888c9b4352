"""The request log: this worker process's last 1,000 requests, for the web console's live view
(GET /_s3mock/requests, /_s3mock/requests/<seq>).

The access logger records each request once its response is sent, reusing the access line's
values: the request path pays one tuple and one deque append. It keeps references, never copies:
to the request's raw headers (a tuple of bytes pairs, which the garbage collector stops tracking,
so a full ring costs the collections nothing; aiohttp's header multidicts would be tracked), and,
for preflights and errors only, to the response's headers and error body. Signatures and session
tokens are redacted when a record is served, not when it is made.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Mapping

from aiohttp import web

SIZE = 1000
LIMIT = 100                 # records per page unless ?limit= says otherwise (at most SIZE)
MAX_ERROR_BODY = 64 * 1024  # an error body is S3's small XML; longer ones are cut when served
REDACTED = "<redacted>"


class RequestLog:
    """A ring of (seq, access-line values, raw target, raw request headers, answer) tuples, seq
    counting from 1 in this process; answer: None, or for a preflight or an error (response
    headers, error body or None)."""
    __slots__ = ("ring", "seq")

    def __init__(self, size: int = SIZE) -> None:
        self.ring: deque[tuple] = deque(maxlen=size)
        self.seq = 0

    def add(self, request, response, v: tuple) -> None:
        """`v`: access_log.values(): time, method, path, op, status, bytes, ms, principal, cors,
        request id."""
        self.seq = seq = self.seq + 1
        status = v[4]
        answer = None
        if status >= 400 or v[1] == "OPTIONS":
            body = getattr(response, "body", None) if status >= 400 else None  # S3's error XML
            answer = (response.headers, body if isinstance(body, bytes) else None)
        self.ring.append((seq, v, request.raw_path, request.raw_headers, answer))

    def page(self, after: int, limit: int) -> dict:
        """The newest `limit` records after seq `after`, oldest first; `last`: the newest seq kept
        (0 when none; less than `after` when the process restarted and counts again)."""
        found = []
        for r in reversed(self.ring):
            if r[0] <= after or len(found) >= limit:
                break
            found.append(summary(r))
        found.reverse()
        return {"requests": found, "last": self.seq}

    def find(self, seq: int) -> tuple | None:
        ring = self.ring
        if not ring:
            return None
        i = seq - ring[0][0]        # seqs in the ring are consecutive
        return ring[i] if 0 <= i < len(ring) else None


REQUEST_LOG = web.AppKey("request_log", RequestLog)


def of(request) -> RequestLog | None:
    """The request log of the request's app (the access loggers keep it: access_log.py)."""
    try:
        return request.app[REQUEST_LOG]
    except (AttributeError, KeyError):      # refused by aiohttp before routing, or no log
        return None


_SIG_V4 = re.compile(r"(Signature=)[^,\s]*")
_SIG_V2 = re.compile(r"^(AWS [^:\s]*:)\S*")
_SECRET_PARAMS = re.compile(r"((?:^|&)(?:X-Amz-Signature|Signature|X-Amz-Security-Token)=)[^&]*",
                            re.IGNORECASE)
_SECRET_HEADERS = frozenset(("x-amz-signature", "x-amz-security-token"))


def redact_query(query: str) -> str:
    """A raw query without presigned URLs' signatures (SigV4's and SigV2's) and session tokens."""
    return _SECRET_PARAMS.sub(r"\1" + REDACTED, query) if query else query


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def redact_header(name: str, value: str) -> str:
    low = name.lower()
    if low == "authorization":
        return _SIG_V2.sub(r"\1" + REDACTED, _SIG_V4.sub(r"\1" + REDACTED, value))
    if low in _SECRET_HEADERS:
        return REDACTED
    return value


def _console(path: str, raw_headers: tuple[tuple[bytes, bytes], ...]) -> bool:
    """Whether the console made the request: a tooling path, or a fetch from a page this server
    served (the console's documents send no Referer, so the browser's Sec-Fetch-Site tells)."""
    if path.startswith("/_s3mock/"):
        return True
    return any(v == b"same-origin" and k.lower() == b"sec-fetch-site" for k, v in raw_headers)


def summary(r: tuple) -> dict:
    seq, v, target, raw_headers = r[0], r[1], r[2], r[3]
    return {"seq": seq, "time": v[0], "method": v[1], "path": v[2],
            "query": redact_query(target.partition("?")[2]), "op": v[3], "status": v[4],
            "bytes": v[5], "ms": v[6], "principal": v[7], "cors": v[8], "request_id": v[9],
            "console": _console(v[2], raw_headers), "fault": v[10]}


def detail(r: tuple) -> dict:
    """A record's summary, its request headers (name-value pairs as sent, redacted), and for a
    preflight or an error its response headers (else null) and error body (text, or null)."""
    answer = r[4]
    response_headers = error = None
    if answer is not None:
        response_headers = [[k, v] for k, v in answer[0].items()]
        if answer[1] is not None:
            error = answer[1][:MAX_ERROR_BODY].decode("utf-8", "replace")
    return {**summary(r),
            "headers": [[_text(k), redact_header(_text(k), _text(v))] for k, v in r[3]],
            "response_headers": response_headers,
            "error": error}


def parse_int(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """A non-negative integer query parameter, clamped to [low, high]; ValueError when malformed."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise ValueError(f"{name} must be a non-negative integer")
    return min(max(int(raw), low), high)
