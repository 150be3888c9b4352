"""Who sent a request, and (in strict mode) proof of it: SigV4 or SigV2, in the Authorization
header or a presigned query. Pure: no aiohttp, no I/O.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Mapping
from urllib.parse import unquote

from s3mock.auth import sigv2, sigv4
from s3mock.auth.identity import ANONYMOUS, Principal, User
from s3mock.errors import S3Error


@dataclass
class Request:
    method: str
    raw_path: str          # as sent, percent-encoded, without the query
    raw_query: str
    headers: Mapping[str, str]
    host: str
    bucket: str | None
    virtual_host: bool


@dataclass
class Result:
    principal: Principal
    chunks: sigv4.ChunkVerifier | None = None


# urllib's unquote is pure Python; the same escaped values (a presigned URL's credential) come
# back on every request.
_unquote = functools.lru_cache(maxsize=4096)(unquote)


def query_pairs(raw_query: str) -> list[tuple[str, str]]:
    pairs = []
    for item in raw_query.split("&"):
        if item:
            k, _, v = item.partition("=")
            pairs.append((_unquote(k) if "%" in k else k, _unquote(v) if "%" in v else v))
    return pairs


def _user(key: str, users: Mapping[str, User], default: User, strict: bool) -> User:
    user = users.get(key)
    if user is None:
        if strict:
            raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=key)
        return default
    return user


class HeaderPrincipals:
    """Lenient mode's answer to a SigV4 Authorization header, remembered by the header without
    its signature: lenient mode checks only that the header is well-formed, and an SDK sends the
    same credential and signed headers on request after request, and parsing the header again
    costs several times the look-up."""

    LIMIT = 1024

    def __init__(self, users: Mapping[str, User], default: User) -> None:
        self.users = users
        self.default = default
        self._known: dict[str, Principal] = {}

    def get(self, headers: Mapping[str, str]) -> Principal | None:
        """The principal of a request with no query, or None when its Authorization is not a
        SigV4 header (authenticate() answers those). Raises S3's error for a malformed one."""
        auth = headers.get("Authorization")
        if auth is None or not auth.startswith(sigv4.ALGORITHM):
            return None
        unsigned, sep, signature = auth.rpartition(", Signature=")
        known = self._known.get(unsigned)
        if known is not None and "," not in signature and signature[-1:].isalnum() and (
                headers.get("x-amz-date")):
            return known
        signed = sigv4.parse_header(auth, headers)
        principal = Principal(_user(signed.credential.access_key, self.users, self.default, False))
        if sep and len(self._known) < self.LIMIT:
            self._known[unsigned] = principal
        return principal


def authenticate(req: Request, users: Mapping[str, User], default: User, strict: bool,
                 now: float) -> Result:
    h, pairs = req.headers, query_pairs(req.raw_query) if req.raw_query else []
    query = dict(pairs) if pairs else {}
    # An empty Authorization is no signature: S3 answers it as an anonymous request (403 on a
    # private bucket: storj/edge#142 and apache/ozone#2999 recorded it on AWS).
    auth = h.get("Authorization") or None
    if auth is not None and ("X-Amz-Credential" in query or "AWSAccessKeyId" in query):
        raise S3Error("InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm "
                      "query parameter, Signature query string parameter or the Authorization header "
                      "should be specified", ArgumentName="Authorization", ArgumentValue=auth)
    if auth is not None:
        if auth.startswith(sigv4.ALGORITHM):
            signed = sigv4.parse_header(auth, h)
            return _v4(req, pairs, signed, users, default, strict, now)
        if auth.startswith("AWS "):
            key, signature = sigv2.parse_header(auth)
            user = _user(key, users, default, strict)
            if strict:
                sigv2.check_date(h, now)
                sts = sigv2.string_to_sign(req.method, h, _v2_resource(req), pairs)
                sigv2.verify(key, user.secret_key, signature, sts)
            return Result(Principal(user))
        raise S3Error("InvalidArgument", "Unsupported Authorization Type",
                      ArgumentName="Authorization", ArgumentValue=auth)
    if "X-Amz-Algorithm" in query or "X-Amz-Credential" in query:
        return _v4(req, pairs, sigv4.parse_query(query), users, default, strict, now)
    if "AWSAccessKeyId" in query or "Signature" in query:
        if not all(k in query for k in ("AWSAccessKeyId", "Signature", "Expires")):
            raise S3Error("AccessDenied", "Query-string authentication requires the Signature, "
                          "Expires and AWSAccessKeyId parameters")
        user = _user(query["AWSAccessKeyId"], users, default, strict)
        if strict:
            sigv2.check_expires(query["Expires"], now)
            rest = [(k, v) for k, v in pairs if k not in ("AWSAccessKeyId", "Signature", "Expires")]
            sts = sigv2.string_to_sign(req.method, h, _v2_resource(req), rest, expires=query["Expires"])
            sigv2.verify(query["AWSAccessKeyId"], user.secret_key, query["Signature"], sts)
        return Result(Principal(user))
    return Result(ANONYMOUS)


def _v4(req: Request, pairs, signed: sigv4.Signed, users, default, strict, now) -> Result:
    user = _user(signed.credential.access_key, users, default, strict)
    if not strict:
        return Result(Principal(user))
    key = sigv4.verify(req.method, req.raw_path, pairs, req.headers, signed, user.secret_key,
                       req.host, now)
    chunks = None
    if req.headers.get("x-amz-content-sha256", "").startswith("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"):
        chunks = sigv4.ChunkVerifier(key, signed)
    return Result(Principal(user), chunks)


def _v2_resource(req: Request) -> str:
    if req.virtual_host and req.bucket:
        return f"/{req.bucket}{req.raw_path}"
    if req.bucket and req.raw_path == f"/{req.bucket}":
        return req.raw_path + "/"      # a bucket's resource is "/bucket/" (botocore, boto2 sign it so)
    return req.raw_path

