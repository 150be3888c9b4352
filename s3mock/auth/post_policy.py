"""Browser form uploads (POST Object): the policy document, its signature, and its conditions.
Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Mapping

from s3mock.errors import S3Error

# Form fields that need no condition (besides x-ignore-*).
EXEMPT = frozenset({"file", "policy", "x-amz-signature", "signature", "awsaccesskeyid"})
# Fields S3 lets a policy constrain with starts-with; others are exact-match only.
STARTS_WITH_OK = frozenset({"key", "acl", "cache-control", "content-type", "content-disposition",
                            "content-encoding", "expires", "success_action_redirect", "redirect",
                            "x-amz-website-redirect-location"})


@dataclass
class Policy:
    expiration: float
    conditions: list


def _invalid(message: str) -> S3Error:
    return S3Error("InvalidPolicyDocument", f"Invalid Policy: {message}")


def decode(policy_b64: str) -> Policy:
    try:
        doc = json.loads(base64.b64decode(policy_b64, validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _invalid("Invalid JSON.") from None
    if not isinstance(doc, dict):
        raise _invalid("Invalid JSON.")
    if "expiration" not in doc:
        raise _invalid("Policy missing expiration.")
    if "conditions" not in doc or not isinstance(doc["conditions"], list):
        raise _invalid("Policy missing conditions.")
    try:
        expiration = datetime.fromisoformat(str(doc["expiration"]).replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise _invalid("Invalid 'expiration' value: '" + str(doc["expiration"]) + "'") from None
    return Policy(expiration, doc["conditions"])


def signature_v4(signing_key: bytes, policy_b64: str) -> str:
    return hmac.new(signing_key, policy_b64.encode(), hashlib.sha256).hexdigest()


def signature_v2(secret: str, policy_b64: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), policy_b64.encode(), hashlib.sha1).digest()).decode()


def _failed(condition: list) -> S3Error:
    shown = json.dumps(condition, separators=(", ", ": "))
    return S3Error("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {shown}")


def check(policy: Policy, fields: Mapping[str, str], bucket: str, now: float) -> tuple[int, int] | None:
    """Check every condition and that every form field is covered. `fields`: lower-case names.
    Returns the content-length-range, if any."""
    if now > policy.expiration:
        raise S3Error("AccessDenied", "Invalid according to Policy: Policy expired.")
    values = dict(fields)
    values["bucket"] = bucket
    covered: set[str] = set()
    length_range = None
    for cond in policy.conditions:
        if isinstance(cond, dict):
            if len(cond) != 1:
                raise _invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
            name, expected = next(iter(cond.items()))
            cond = ["eq", "$" + name, expected]
        if not isinstance(cond, list) or not cond:
            raise _invalid("Invalid Condition.")
        op = str(cond[0]).lower()
        if op == "content-length-range":
            if len(cond) != 3 or not all(isinstance(v, int) for v in cond[1:]):
                raise _invalid("Invalid content-length-range Condition.")
            length_range = (cond[1], cond[2])
            continue
        if op not in ("eq", "starts-with") or len(cond) != 3 or not isinstance(cond[1], str) \
                or not cond[1].startswith("$") or not isinstance(cond[2], str):
            raise _invalid(f"Invalid Condition: {json.dumps(cond)}")
        name = cond[1][1:].lower()
        covered.add(name)
        actual = values.get(name)
        if actual is None:
            raise _failed(cond)
        if op == "eq" and actual != cond[2]:
            raise _failed(cond)
        if op == "starts-with":
            if name not in STARTS_WITH_OK and not name.startswith("x-amz-meta-"):
                raise _failed(cond)
            items = actual.split(",") if name == "content-type" else [actual]
            if not all(i.strip().startswith(cond[2]) for i in items):
                raise _failed(cond)
    extra = [n for n in fields if n not in covered and n not in EXEMPT and not n.startswith("x-ignore-")]
    if extra:
        raise S3Error("AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}")
    return length_range
