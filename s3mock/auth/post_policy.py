"""Browser form uploads (POST Object): who signed the form, the policy document, its signature,
and its conditions. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-authentication-HTTPPOST.html
Errors: S3's recorded answers (LocalStack's AWS-validated TestS3PresignedPost snapshots, issue
captures); texts S3 was never recorded giving are marked UNVERIFIED.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Mapping

from s3mock.auth import sigv4
from s3mock.errors import S3Error

# Form fields that need no condition (besides x-ignore-*): SigV4 and SigV2 lists of the docs.
EXEMPT = frozenset({"file", "policy", "x-amz-signature", "signature", "awsaccesskeyid"})
# Fields S3 lets a policy constrain with starts-with (the SigV4 table); others are exact-match only.
# `tagging`: ceph s3-tests (run against AWS) constrain it with starts-with.
STARTS_WITH_OK = frozenset({"key", "acl", "cache-control", "content-type", "content-disposition",
                            "content-encoding", "expires", "success_action_redirect", "redirect",
                            "tagging"})
# Required form fields, in the order S3 names the first one missing (LocalStack recording:
# algorithm before credential; signature).
V4_FIELDS = (("x-amz-algorithm", "X-Amz-Algorithm"), ("x-amz-credential", "X-Amz-Credential"),
             ("x-amz-date", "X-Amz-Date"), ("x-amz-signature", "X-Amz-Signature"))
V2_FIELDS = (("awsaccesskeyid", "AWSAccessKeyId"), ("signature", "Signature"))
_EXPIRATION = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")


@dataclass
class Policy:
    expiration: float
    conditions: list


@dataclass(frozen=True)
class Signer:
    """Who signed a form: SigV4 (credential set) or SigV2 (credential None)."""
    access_key: str
    signature: str
    credential: sigv4.Credential | None = None


def _invalid(message: str) -> S3Error:
    return S3Error("InvalidPolicyDocument", f"Invalid Policy: {message}")


def _missing(name: str) -> S3Error:
    # S3 quirk: two spaces after the first sentence.
    return S3Error("InvalidArgument", f"Bucket POST must contain a field named '{name}'.  If it is "
                   "specified, please check the order of the fields.", ArgumentName=name, ArgumentValue="")


def signer(fields: Mapping[str, str]) -> Signer | None:
    """The form's signer, or None for an anonymous form (no policy, or no signature fields).
    `fields`: lower-case names. Raises InvalidArgument for a half-signed form."""
    if "policy" not in fields:
        return None
    for required in (V4_FIELDS, V2_FIELDS):
        if any(name in fields for name, _ in required):
            for name, shown in required:
                if name not in fields:
                    raise _missing(shown)
            break
    else:
        return None      # a policy and nothing else: anonymous (LocalStack recording: AccessDenied)
    if "awsaccesskeyid" in fields and "x-amz-credential" not in fields:
        return Signer(fields["awsaccesskeyid"], fields["signature"])
    value = fields["x-amz-credential"]

    def bad(message: str) -> S3Error:
        return S3Error("InvalidArgument", message, ArgumentName="X-Amz-Credential", ArgumentValue=value)

    if fields["x-amz-algorithm"] != sigv4.ALGORITHM:   # UNVERIFIED text (presigned URL's)
        raise S3Error("InvalidArgument", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"',
                      ArgumentName="X-Amz-Algorithm", ArgumentValue=fields["x-amz-algorithm"])
    if value.startswith("/"):
        raise bad("a non-empty Access Key (AKID) must be provided in the credential.")
    cred = sigv4.parse_credential(value, bad)
    if not _AMZ_DATE.match(fields["x-amz-date"]):
        raise S3Error("InvalidArgument", "X-Amz-Date must be formated via ISO8601 Long format",  # sic
                      ArgumentName="X-Amz-Date", ArgumentValue=fields["x-amz-date"])
    return Signer(cred.access_key, fields["x-amz-signature"], cred)


def mismatch(access_key: str, policy_b64: str, provided: str) -> S3Error:
    """S3's SignatureDoesNotMatch for a form: the string to sign is the policy as sent."""
    return S3Error("SignatureDoesNotMatch", AWSAccessKeyId=access_key, StringToSign=policy_b64,
                   SignatureProvided=provided,
                   StringToSignBytes=" ".join(f"{b:02x}" for b in policy_b64.encode()))


def verify(who: Signer, secret: str, policy_b64: str) -> None:
    """The signature over the policy text as received (checked before it is decoded)."""
    if who.credential is not None:
        expected = signature_v4(sigv4.signing_key(secret, who.credential), policy_b64)
    else:
        expected = signature_v2(secret, policy_b64)
    if not hmac.compare_digest(expected.encode(), who.signature.encode()):
        raise mismatch(who.access_key, policy_b64, who.signature)


def _no_constants(name: str):
    raise ValueError(name)


def decode(policy_b64: str) -> Policy:
    try:
        doc = json.loads(base64.b64decode(policy_b64, validate=False), parse_constant=_no_constants)
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        raise _invalid("Invalid JSON.") from None
    if not isinstance(doc, dict):
        raise _invalid("Invalid JSON.")
    for name in doc:
        if name not in ("expiration", "conditions"):
            raise _invalid(f"Unexpected: '{name.lower()}'")
    if "expiration" not in doc:
        raise _invalid("Policy missing expiration.")
    if "conditions" not in doc:
        raise _invalid("Policy missing conditions.")
    if not isinstance(doc["conditions"], list):
        raise _invalid("Invalid 'conditions' value: must be a List.")
    raw = doc["expiration"]
    if not isinstance(raw, str) or not _EXPIRATION.match(raw):
        # S3 refuses offsets and a space for the T (recorded "Invalid 'expiration' value: '...'").
        raise _invalid(f"Invalid 'expiration' value: '{raw}'")
    try:
        when = datetime.strptime(raw[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    except ValueError:
        raise _invalid(f"Invalid 'expiration' value: '{raw}'") from None
    fraction = float("0" + raw[19:-1]) if len(raw) > 20 else 0.0
    return Policy(when.timestamp() + fraction, doc["conditions"])


def signature_v4(signing_key: bytes, policy_b64: str) -> str:
    return hmac.new(signing_key, policy_b64.encode(), hashlib.sha256).hexdigest()


def signature_v2(secret: str, policy_b64: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), policy_b64.encode(), hashlib.sha1).digest()).decode()


def _shown(condition: list) -> str:
    return json.dumps(condition, separators=(", ", ": "), ensure_ascii=False)


def _failed(condition: list) -> S3Error:
    return S3Error("AccessDenied", f"Invalid according to Policy: Policy Condition failed: {_shown(condition)}")


def _bound(value: object, cond: list) -> int:
    """A content-length-range bound: a JSON integer or a string of digits (recorded: "5" works,
    "test" fails the condition, a float is "Invalid JSON.")."""
    if isinstance(value, bool):
        raise _failed(cond)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        raise _invalid("Invalid JSON.")
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise _failed(cond)


def _normalise(cond: object) -> list:
    """A condition as a list: simple conditions {"name": "value"} become ["eq", "$name", value]."""
    if isinstance(cond, dict):
        if len(cond) != 1:
            raise _invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
        name, expected = next(iter(cond.items()))
        if expected is None:
            raise _invalid("Invalid JSON.")
        if not isinstance(expected, str):
            raise _invalid("Invalid Simple-Condition: value must be a string.")
        return ["eq", "$" + name, expected]
    if not isinstance(cond, list):
        raise _invalid("Invalid condition test: must be a List or Object.")
    if not cond:
        raise _invalid("Invalid Condition: missing operation identifier.")
    return cond


def check(policy: Policy, fields: Mapping[str, str], bucket: str, now: float,
          names: Mapping[str, str] | None = None) -> tuple[int, int] | None:
    """Check expiry, every condition, and that every form field is covered. `fields`: lower-case
    names, values after ${filename} expansion; `names`: lower-case -> as sent (for messages).
    Returns the content-length-range (min, max), if any."""
    if now > policy.expiration:
        raise S3Error("AccessDenied", "Invalid according to Policy: Policy expired.")
    values = dict(fields)
    values["bucket"] = bucket        # the bucket of the URL, whatever a `bucket` field says
    covered: set[str] = set()
    length_range = None
    for raw in policy.conditions:
        cond = _normalise(raw)
        op = cond[0].lower() if isinstance(cond[0], str) else cond[0]
        if op == "content-length-range":
            if len(cond) != 3:
                raise _invalid("Invalid content-length-range: wrong number of arguments.")
            lo, hi = _bound(cond[1], cond), _bound(cond[2], cond)
            length_range = (lo, hi) if length_range is None else (max(lo, length_range[0]),
                                                                  min(hi, length_range[1]))
            continue
        if op not in ("eq", "starts-with"):
            raise _invalid(f"Invalid Condition: unknown operation '{cond[0]}'.")   # UNVERIFIED text
        if len(cond) != 3:
            raise _invalid(f"Invalid {op}: wrong number of arguments.")           # UNVERIFIED text
        if not isinstance(cond[1], str) or not isinstance(cond[2], str):
            raise _invalid("Invalid JSON.")
        if not cond[1].startswith("$"):
            raise _failed(cond)      # recorded: a name without `$` fails the condition
        name = cond[1][1:].lower()
        covered.add(name)
        actual = values.get(name)
        if actual is None:
            raise _failed(cond)      # recorded: even ["starts-with", "$x", ""] needs the field
        if op == "eq" and actual != cond[2]:
            raise _failed(cond)
        if op == "starts-with":
            if name not in STARTS_WITH_OK and not name.startswith("x-amz-meta-"):
                raise _failed(cond)
            # Only Content-Type is a comma-separated list; every member must match.
            items = [i.strip() for i in actual.split(",")] if name == "content-type" else [actual]
            if not all(i.startswith(cond[2]) for i in items):
                raise _failed(cond)
    extra = [(names or {}).get(n, n) for n in fields
             if n not in covered and n not in EXEMPT and not n.startswith("x-ignore-")]
    if extra:
        raise S3Error("AccessDenied", "Invalid according to Policy: Extra input fields: " + ", ".join(extra))
    return length_range
