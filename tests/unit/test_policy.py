"""auth/policy.py, the pure bucket-policy module, as tables: validation with S3's exact
MalformedPolicy messages, matching (principal x action x resource x condition), Deny over Allow,
the Not* elements, every condition operator with absent keys, and S3's "public" policies.

Evidence for messages: versity/versitygw auth/bucket_policy.go and issues #645-#650 (answers
recorded from AWS), aws/aws-cli#2779, hashicorp/terraform#28688.
"""

from __future__ import annotations

import json
import timeit

import pytest

from s3mock.auth import policy as P
from s3mock.auth.policy import ANONYMOUS_WHO, Who
from s3mock.errors import S3Error

B = "b"
OWNER = Who("c" * 64, "111122223333", "arn:aws:iam::111122223333:root")
OTHER = Who("d" * 64, "444455556666", "arn:aws:iam::444455556666:root")
OBJ = "arn:aws:s3:::b/k"
BUCKET = "arn:aws:s3:::b"


def st(**fields) -> dict:
    base = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    base.update(fields)
    return {k: v for k, v in base.items() if v is not None}


def doc(*statements, **top) -> bytes:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements), **top}).encode()


def keys_of(values: dict[str, list[str]]):
    return lambda key: values.get(key)


NO_KEYS = keys_of({})


def message(document: bytes) -> str:
    with pytest.raises(S3Error) as exc:
        P.parse(document, B)
    assert exc.value.code == "MalformedPolicy" and exc.value.status == 400
    return exc.value.message


MALFORMED = [
    (b"", "Policies must be valid JSON and the first byte must be '{'"),
    (b' {"Statement": []}', "Policies must be valid JSON and the first byte must be '{'"),
    (b"[1]", "Policies must be valid JSON and the first byte must be '{'"),
    (b"{not json", "This policy contains invalid Json"),
    (json.dumps({"Version": "2012-10-17"}).encode(), "Missing required field Statement"),
    (doc(), "Could not parse the policy: Statement is empty!"),
    (doc(st(), Version="2012-10-18"), "The policy must contain a valid version string"),
    (doc(st(Effect=None)), "Missing required field Effect"),
    (doc(st(Effect="hello")), "Invalid effect: hello"),
    (doc(st(Principal=None)), "Missing required field Principal"),
    (doc(st(Action=None)), "Missing required field Action"),
    (doc(st(Resource=None)), "Missing required field Resource"),
    (doc(st(Principal={"AWS": "user"})), "Invalid principal in policy"),
    (doc(st(Principal={"AWS": "arn:aws:iam::s3tenant1:root"})), "Invalid principal in policy"),
    (doc(st(Principal={"AWS": []})), "Invalid principal in policy"),
    (doc(st(Principal={"Bogus": "x"})), "Invalid principal in policy"),
    (doc(st(Principal="everyone")), "Invalid principal in policy"),
    (doc(st(Action="invalid_action")), "Policy has invalid action"),
    (doc(st(Action="s3:GetObjekt")), "Policy has invalid action"),
    (doc(st(Action="iam:PassRole")), "Policy has invalid action"),
    (doc(st(Action="s3:Nothing*")), "Policy has invalid action"),
    (doc(st(Resource="arn:aws:s3:::other/*")), "Policy has invalid resource"),
    (doc(st(Resource="*")), "Policy has invalid resource"),
    (doc(st(Resource="b/*")), "Policy has invalid resource"),
    (doc(st(Action="s3:PutObject", Resource=BUCKET)), "Action does not apply to any resource(s) in statement"),
    (doc(st(Action="s3:ListBucket", Resource="arn:aws:s3:::b/*")), "Action does not apply to any resource(s) in statement"),
    (doc(st(Action="s3:ListAllMyBuckets")), "Action does not apply to any resource(s) in statement"),
    (doc(st(Condition={"StringEqualz": {"aws:UserAgent": "x"}})), "Invalid Condition type : StringEqualz"),
    (doc(st(Condition={"stringequals": {"aws:UserAgent": "x"}})), "Invalid Condition type : stringequals"),
    (doc(st(Condition={"NullIfExists": {"aws:UserAgent": "true"}})), "Invalid Condition type : NullIfExists"),
    (doc(st(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.300/8"}})), "Invalid IP address in Conditions"),
    (doc(st(Condition={"StringEquals": {"s3:nonsense": "x"}})), "Policy has an invalid condition key"),
    (doc(st(Condition={"StringEquals": {"ec2:Region": "x"}})), "Policy has an invalid condition key"),
    (doc(st(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})), "Invalid value in Conditions for operator NumericLessThan"),
    (doc(st(Condition={"DateLessThan": {"aws:CurrentTime": "soon"}})), "Invalid value in Conditions for operator DateLessThan"),
    (doc(st(Bogus="x")), "Unknown field Bogus"),
    (doc(st(), Bogus="x"), "Unknown field Bogus"),
    (doc(st(NotPrincipal={"AWS": "111122223333"})), "Invalid policy syntax."),
    (doc(st(Action=5)), "Policy has invalid action"),
    (doc("x"), "Invalid policy syntax."),
    (doc(st(Resource=["arn:aws:s3:::b/*"] * 2000)),
     "Normalized policy document exceeds the maximum allowed size of 20480 bytes"),
]


@pytest.mark.parametrize("document, expected", MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_policy_messages(document, expected):
    assert message(document) == expected


VALID = [
    doc(st(), Version="2008-10-17", Id="x"),
    json.dumps({"Statement": st()}).encode(),                       # one statement, no Version
    doc(st(Principal={"AWS": "*"})),
    doc(st(Principal={"AWS": ["111122223333", "arn:aws:iam::444455556666:root"]})),
    doc(st(Principal={"AWS": "arn:aws:iam::111122223333:user/alice"})),
    doc(st(Principal={"CanonicalUser": "c" * 64})),
    doc(st(Principal={"Service": "logging.s3.amazonaws.com"})),
    doc(st(Action="*", Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"])),
    doc(st(Action="s3:*", Resource=BUCKET)),
    doc(st(Action=["s3:getobject", "S3:LISTBUCKET"], Resource=["arn:aws:s3:::b", "arn:aws:s3:::b/*"])),
    doc(st(Resource="arn:aws:s3:::*")),
    doc(st(Resource="arn:aws:s3:::?/*")),
    doc(st(Action=None, NotAction="s3:PutObject", Resource=BUCKET)),
    doc(st(Effect="Deny", Principal=None, NotPrincipal={"AWS": "111122223333"})),
    doc(st(Sid="dup"), st(Sid="dup")),                                # S3 allows repeated Sids
    doc(st(Condition={"Bool": {"aws:SecureTransport": False}, "NumericLessThan": {"s3:max-keys": 10}})),
    doc(st(Resource="arn:aws:s3:::b/${aws:username}/*")),
]


@pytest.mark.parametrize("document", VALID)
def test_valid_policies_parse(document):
    policy = P.parse(document, B)
    assert policy.text == document.decode() and policy.statements
