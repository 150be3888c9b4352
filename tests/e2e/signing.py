"""Signing helpers for end-to-end auth tests: botocore's own signers (so the server is checked
against an independent implementation), a raw sender that lets a test edit what goes on the wire,
and S3's XML error body read back field by field."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from unittest import mock

import boto3
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from lxml import etree

from support import ACCESS_KEY, SECRET_KEY

TIMEOUT = 15


def boto(endpoint: str, key: str = ACCESS_KEY, secret: str = SECRET_KEY, **config):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key=secret,
                        region_name="us-east-1", config=Config(**config) if config else None)


def hexbytes(text: str) -> str:
    return " ".join(f"{b:02x}" for b in text.encode())


def error_of(resp) -> list[tuple[str, str]]:
    """The <Error> children as (tag, text); RequestId and HostId checked against the headers."""
    assert resp.headers["Content-Type"] == "application/xml"
    root = etree.fromstring(resp.content)
    assert root.tag == "Error"
    children = [(c.tag, c.text or "") for c in root]
    assert children[-2:] == [("RequestId", resp.headers["x-amz-request-id"]),
                             ("HostId", resp.headers["x-amz-id-2"])]
    return children[:-2]


class Recorder(S3SigV4Auth):
    """botocore's S3 signer, keeping the canonical request and string to sign it produced, and
    optionally a fixed payload value (UNSIGNED-PAYLOAD, STREAMING-...)."""

    def __init__(self, credentials, service="s3", region="us-east-1", payload=None):
        super().__init__(credentials, service, region)
        self.fixed_payload = payload
        self.creq = self.sts = ""

    def payload(self, request):
        return self.fixed_payload or super().payload(request)

    def canonical_request(self, request):
        self.creq = super().canonical_request(request)
        return self.creq

    def string_to_sign(self, request, canonical_request):
        self.sts = super().string_to_sign(request, canonical_request)
        return self.sts


def clock(shift: timedelta):
    """botocore signs with this clock (the request's x-amz-date moves, the server's does not)."""
    real = datetime.now(timezone.utc).replace(tzinfo=None)
    return mock.patch("botocore.auth.get_current_datetime", lambda *a, **k: real + shift)


def send(server, method: str, path: str, *, query: str = "", headers: dict | None = None,
         body: bytes = b"", host: str | None = None, key: str = ACCESS_KEY, secret: str = SECRET_KEY,
         payload: str | None = None, service: str = "s3", signer=None, edit=None):
    """Sign (path and query already percent-encoded, as on the wire) and send to 127.0.0.1.
    Returns (response, signer) so a test can compare the server's canonical request with botocore's."""
    host = host or f"127.0.0.1:{server.port}"
    url = f"http://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}), data=body)
    auth = signer or Recorder(Credentials(key, secret), service, payload=payload)
    auth.add_auth(request)
    sent = {k: v for k, v in request.headers.items()}
    sent["Host"] = host
    if edit:
        edit(sent)
    resp = requests.request(method, f"http://127.0.0.1:{server.port}{path}" + (f"?{query}" if query else ""),
                            headers=sent, data=body, timeout=TIMEOUT, allow_redirects=False)
    return resp, auth
