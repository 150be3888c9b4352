"""Who sent a request: the access key named by SigV4/SigV2 headers or presigned query, or anonymous.

Pure: no aiohttp, no I/O. Signature verification (strict mode) lives in sigv4.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from s3mock.config import User
from s3mock.errors import S3Error


@dataclass(frozen=True)
class Principal:
    user: User | None            # None: anonymous

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def canonical_id(self) -> str | None:
        return self.user.canonical_id if self.user else None


ANONYMOUS = Principal(None)
_V4_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_V2 = re.compile(r"^AWS ([^:\s]+):")


def access_key_of(headers: Mapping[str, str], query: Mapping[str, str]) -> str | None:
    """The access key a request claims, or None if it is unsigned."""
    auth = headers.get("Authorization")
    if auth:
        if auth.startswith("AWS4-HMAC-SHA256"):
            m = _V4_CREDENTIAL.search(auth)
            if not m:
                raise S3Error("AuthorizationHeaderMalformed",
                              "The authorization header is malformed; the Credential is mal-formed; "
                              "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".")
            return m.group(1)
        m = _V2.match(auth)
        if m:
            return m.group(1)
        raise S3Error("InvalidArgument", "Unsupported Authorization Type",
                      ArgumentName="Authorization", ArgumentValue=auth)
    credential = query.get("X-Amz-Credential")
    if credential:
        return credential.split("/", 1)[0]
    return query.get("AWSAccessKeyId") or None


def identify(headers: Mapping[str, str], query: Mapping[str, str], users: Mapping[str, User],
             default: User, strict: bool) -> Principal:
    """Lenient: an unknown key acts as the default user. Strict: unknown keys are refused."""
    key = access_key_of(headers, query)
    if key is None:
        return ANONYMOUS
    user = users.get(key)
    if user is None:
        if strict:
            raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=key)
        user = default
    return Principal(user)
