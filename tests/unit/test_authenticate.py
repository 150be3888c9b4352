"""Lenient mode's remembered SigV4 headers (HeaderPrincipals): the same answers and errors as a parse."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from s3mock.auth.authenticate import HeaderPrincipals
from s3mock.auth.identity import User
from s3mock.errors import S3Error

ALICE = User("alice", "secret-a", "a" * 64, "alice")
OWNER = User("test", "test", "f" * 64, "owner")
UNSIGNED = "AWS4-HMAC-SHA256 Credential={}/20261128/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date"


def headers(auth: str, date: str | None = "20261128T120000Z") -> CIMultiDict:
    h = CIMultiDict({"Host": "127.0.0.1", "Authorization": auth})
    if date is not None:
        h["x-amz-date"] = date
    return h


@pytest.fixture
def principals() -> HeaderPrincipals:
    return HeaderPrincipals({u.access_key: u for u in (ALICE, OWNER)}, OWNER)


def test_each_signature_of_a_known_header_is_the_same_user(principals):
    for signature in ("0" * 64, "1" * 64, "abc"):
        assert principals.get(headers(f"{UNSIGNED.format('alice')}, Signature={signature}")).user is ALICE
    assert principals.get(headers(f"{UNSIGNED.format('test')}, Signature={'2' * 64}")).user is OWNER


def test_an_unknown_key_acts_as_the_owner_in_lenient_mode(principals):
    assert principals.get(headers(f"{UNSIGNED.format('nobody')}, Signature=00")).user is OWNER


def test_a_remembered_header_is_still_checked_for_its_date(principals):
    auth = f"{UNSIGNED.format('alice')}, Signature={'0' * 64}"
    principals.get(headers(auth))
    with pytest.raises(S3Error) as err:
        principals.get(headers(auth, date=None))
    assert err.value.code == "AccessDenied"


def test_a_remembered_header_with_an_odd_signature_is_parsed_again(principals):
    principals.get(headers(f"{UNSIGNED.format('alice')}, Signature={'0' * 64}"))
    # The general parse reads fields after a comma too: the last Credential wins.
    auth = f"{UNSIGNED.format('alice')}, Signature=00, Credential=test/20261128/us-east-1/s3/aws4_request"
    assert principals.get(headers(auth)).user is OWNER
    with pytest.raises(S3Error) as err:
        principals.get(headers(f"{UNSIGNED.format('alice')}, Signature=00, Credential=x"))
    assert err.value.code == "AuthorizationHeaderMalformed"


def test_other_schemes_are_left_to_authenticate(principals):
    assert principals.get(CIMultiDict({"Host": "h"})) is None
    assert principals.get(headers("AWS alice:c2lnbmF0dXJl")) is None


def test_a_malformed_header_is_never_remembered(principals):
    bad = "AWS4-HMAC-SHA256 Credential=alice/2026/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"
    for _ in range(2):
        with pytest.raises(S3Error) as err:
            principals.get(headers(bad))
        assert err.value.code == "AuthorizationHeaderMalformed"
