"""The access log (one line per request, written once the response is sent; the request log's
record is made there too) and the log output formats: `text` (key=value) and `json` (one object
per line, for every record).

The command line's access logger formats each line itself and writes the lines of one event-loop
iteration to stderr in one write: `logging`'s per-record machinery costs several times more.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time

from aiohttp.abc import AbstractAccessLogger

from s3mock.request.exchange import EXCHANGE
from s3mock.dates import MILLIS
from s3mock import request_log

ACCESS = logging.getLogger("s3mock.access")
NAMES = ("time", "method", "path", "op", "status", "bytes", "ms", "principal", "cors", "request_id")
TEXT = "%s %s %s op=%s status=%s bytes=%s ms=%s principal=%s cors=%s id=%s"    # % NAMES' values
MESSAGE = TEXT.partition(" ")[2]        # without the time, which the formatter adds

_second: tuple[int, str] = (-1, "")


def _now() -> str:
    """UTC, ISO 8601 with milliseconds; the part up to the second is formatted once a second."""
    global _second
    t = time.time()
    s = int(t)
    if _second[0] != s:
        _second = (s, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)))
    return _second[1] + MILLIS[int((t - s) * 1000)]


def values(request, response, seconds: float) -> tuple:
    """NAMES' values, then the injected faults (None, or their labels: faults_http). NAMES: time,
    method, path (without the query; `/bucket/key` in either addressing style), op (the S3 operation, `-` when none), status, bytes (the response body's length; 0 for
    HEAD), ms, principal (access key, `anonymous`, or `-` when authentication failed), cors (`n/a`,
    `none`, `refused` or `rule:N`), request_id."""
    try:
        ex = request[EXCHANGE]
    except KeyError:            # refused by aiohttp before the steps ran
        ex = None
    if ex is None or ex.principal is None:
        who = "-"
    else:
        user = ex.principal.user
        who = user.access_key if user is not None else "anonymous"
    method = request.method
    route = ex.route if ex is not None else None
    path = ex.path if ex is not None and ex.path is not None else request.raw_path.partition("?")[0]
    if route is not None and route.virtual_host and route.bucket:
        # the bucket named in both addressing styles: /bucket/key
        path = "/" + route.bucket + (path if path != "/" else "")
    return (_now(), method, path, route.op._name_ if route is not None else "-",
            response.status, 0 if method == "HEAD" else response.content_length or 0,
            int(seconds * 100_000 + 0.5) / 100, who, ex.cors_log if ex is not None else "n/a",
            ex.request_id if ex is not None else "-", ex.fault if ex is not None else None)


def text_line(v: tuple) -> str:
    """The text format: `fault=` follows only when a fault was injected."""
    line = TEXT % v[:10]
    return line if v[10] is None else f"{line} fault={v[10]}"


def _fields(v: tuple) -> dict:
    fields = dict(zip(NAMES, v))
    if v[10] is not None:
        fields["fault"] = v[10]
    return fields


def _json_line(v: tuple) -> str:
    return json.dumps(_fields(v), separators=(",", ":"))


class _Batch:
    """Lines written to stderr once per event-loop iteration (at once when no loop runs)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, line: str) -> None:
        lines = self.lines
        lines.append(line)
        if len(lines) == 1:
            try:
                asyncio.get_running_loop().call_soon(self.flush)
            except RuntimeError:
                self.flush()

    def flush(self) -> None:
        if self.lines:
            data = "\n".join(self.lines) + "\n"
            self.lines.clear()
            try:
                sys.stderr.write(data)
                sys.stderr.flush()
            except (OSError, ValueError):      # stderr closed: nowhere to log
                pass


BATCH = _Batch()


class _Recording(AbstractAccessLogger):
    """Records each request in its app's request log. aiohttp makes an access logger per
    connection, so one app's: the log, once found, is kept (request.app and the app's look-up
    are three Python calls a request)."""
    _requests: request_log.RequestLog | None = None

    def record(self, request, response, v: tuple) -> None:
        requests = self._requests
        if requests is None:
            requests = self._requests = request_log.of(request)
            if requests is None:
                return
        requests.add(request, response, v)


class StreamAccessLogger(_Recording):
    """The command line's: `log_format` (aiohttp's access_log_format) is `text` or `json`."""

    def __init__(self, logger: logging.Logger, log_format: str) -> None:
        super().__init__(logger, log_format)
        self._line = _json_line if log_format == "json" else text_line

    def log(self, request, response, time: float) -> None:   # noqa: A002 (aiohttp's name)
        v = values(request, response, time)
        BATCH.add(self._line(v))
        self.record(request, response, v)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


class AccessLogger(_Recording):
    """Through `logging` (the in-process server's): records of the `s3mock.access` logger whose
    message is the text line and whose `access` attribute holds the fields."""

    def log(self, request, response, time: float) -> None:   # noqa: A002
        v = values(request, response, time)
        if self.logger.isEnabledFor(logging.INFO):
            message = MESSAGE % v[1:10] + ("" if v[10] is None else f" fault={v[10]}")
            self.logger.info("%s", message, extra={"access": _fields(v)})
        self.record(request, response, v)

    @property
    def enabled(self) -> bool:
        return True             # the request log records whatever the logger's level


class RequestLogOnly(_Recording):
    """No line: only the request log's record (an in-process server without an access log)."""

    def log(self, request, response, time: float) -> None:   # noqa: A002
        self.record(request, response, values(request, response, time))

    @property
    def enabled(self) -> bool:
        return True


class JsonFormatter(logging.Formatter):
    """Access records as their fields; every other record as time, level, logger, message."""

    def format(self, record: logging.LogRecord) -> str:
        f = getattr(record, "access", None)
        if f is None:
            f = {"time": _now(), "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
            if record.exc_info:
                f["exception"] = self.formatException(record.exc_info)
        return json.dumps(f, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        f = getattr(record, "access", None)
        line = f"{f['time'] if f else _now()} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _Handler(logging.StreamHandler):
    def emit(self, record: logging.LogRecord) -> None:
        BATCH.flush()           # keep the access lines before this record in order
        super().emit(record)


def configure(log_format: str) -> None:
    """The process's logging (the command line's): every record at INFO and above to stderr, in
    the chosen format."""
    handler = _Handler(sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
