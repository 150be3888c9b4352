"""What one request's steps found (route, principal, CORS), kept on the request for the later
steps, the response signal, the tooling endpoints and the access log."""

from __future__ import annotations

from typing import Mapping

from aiohttp import web

from s3mock.auth import sigv4
from s3mock.auth.identity import Principal
from s3mock.operations import Resolved


class Exchange:
    """What the request's steps found, for the later steps, on_prepare and the access log."""
    __slots__ = ("request_id", "host", "path", "query", "route", "principal", "chunks",
                 "cors_headers", "cors_log", "site", "fault")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.host = ""                                      # the target's host (with its port)
        self.path: str | None = None                        # the raw path, without the query
        self.query = ""                                     # the raw query
        self.route: Resolved | None = None
        self.principal: Principal | None = None             # None: authentication failed
        self.chunks: sigv4.ChunkVerifier | None = None
        self.cors_headers: Mapping[str, str] | None = None    # the matched CORS rule's
        self.cors_log = "n/a"                               # none, refused, rule:N
        self.fault: str | None = None                       # the injected faults' labels
        # self.site: the bucket of a website-endpoint request, set by the route step for those
        # only (left unset otherwise, so ordinary requests pay nothing for it)


EXCHANGE = web.RequestKey("exchange", Exchange)
