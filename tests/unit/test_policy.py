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
    (doc(st(Principal=None, NotPrincipal={"AWS": "111122223333"})), "Invalid principal in policy"),
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
    (doc(st(Condition={"ForAnyValue:Nope": {"aws:UserAgent": "x"}})), "Invalid Condition type : ForAnyValue:Nope"),
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


def decide(statements: list[dict], who: Who, action: str, resource: str, keys=NO_KEYS):
    return P.evaluate(P.parse(doc(*statements), B), who, action, resource, keys)


ALL = ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]
MATCHING = [
    # (statement fields, who, action, resource, applies)
    (dict(), ANONYMOUS_WHO, "s3:GetObject", OBJ, True),
    (dict(), OWNER, "s3:GetObject", OBJ, True),
    (dict(Principal={"AWS": "*"}), ANONYMOUS_WHO, "s3:GetObject", OBJ, True),
    (dict(Principal={"AWS": "111122223333"}), OWNER, "s3:GetObject", OBJ, True),
    (dict(Principal={"AWS": "111122223333"}), OTHER, "s3:GetObject", OBJ, False),
    (dict(Principal={"AWS": "111122223333"}), ANONYMOUS_WHO, "s3:GetObject", OBJ, False),
    (dict(Principal={"AWS": "arn:aws:iam::111122223333:root"}), OWNER, "s3:GetObject", OBJ, True),
    (dict(Principal={"AWS": ["arn:aws:iam::444455556666:root"]}), OWNER, "s3:GetObject", OBJ, False),
    (dict(Principal={"AWS": "arn:aws:iam::111122223333:user/alice"}), OWNER, "s3:GetObject", OBJ, False),
    (dict(Principal={"CanonicalUser": "c" * 64}), OWNER, "s3:GetObject", OBJ, True),
    (dict(Principal={"CanonicalUser": "c" * 64}), OTHER, "s3:GetObject", OBJ, False),
    (dict(Principal={"Service": "logging.s3.amazonaws.com"}), OWNER, "s3:GetObject", OBJ, False),
    # actions: case-insensitive, * and ?
    (dict(Action="S3:getobject"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Action="s3:Get*"), OWNER, "s3:GetObjectTagging", OBJ, True),
    (dict(Action="s3:Get*"), OWNER, "s3:PutObject", OBJ, False),
    (dict(Action="s3:?etObject"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Action="*"), OWNER, "s3:DeleteObject", OBJ, True),
    (dict(Action=["s3:PutObject", "s3:GetObject"]), OWNER, "s3:GetObject", OBJ, True),
    (dict(Action="s3:GetObject"), OWNER, "s3:GetObjectVersion", OBJ, False),
    # resources: case-sensitive, * crosses '/', ?
    (dict(Resource="arn:aws:s3:::b/k"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Resource="arn:aws:s3:::b/K"), OWNER, "s3:GetObject", OBJ, False),
    (dict(Resource="arn:aws:s3:::b/dir/*"), OWNER, "s3:GetObject", "arn:aws:s3:::b/dir/a/b", True),
    (dict(Resource="arn:aws:s3:::b/dir/*"), OWNER, "s3:GetObject", "arn:aws:s3:::b/dirx", False),
    (dict(Resource="arn:aws:s3:::b/?"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Resource="arn:aws:s3:::b/*"), OWNER, "s3:GetObject", BUCKET, False),
    (dict(Action="s3:ListBucket", Resource=BUCKET), OWNER, "s3:ListBucket", BUCKET, True),
    (dict(Action="s3:*", Resource=ALL), OWNER, "s3:ListBucket", BUCKET, True),
    # Not* elements
    (dict(Action=None, NotAction="s3:DeleteObject"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Action=None, NotAction="s3:Delete*"), OWNER, "s3:DeleteObject", OBJ, False),
    (dict(Resource=None, NotResource="arn:aws:s3:::b/private/*"), OWNER, "s3:GetObject", OBJ, True),
    (dict(Resource=None, NotResource="arn:aws:s3:::b/private/*"), OWNER, "s3:GetObject",
     "arn:aws:s3:::b/private/x", False),
    # policy variables (Version 2012-10-17)
    (dict(Resource="arn:aws:s3:::b/${aws:username}/*"), OWNER, "s3:GetObject", "arn:aws:s3:::b/alice/x", True),
    (dict(Resource="arn:aws:s3:::b/${aws:username}/*"), OWNER, "s3:GetObject", "arn:aws:s3:::b/bob/x", False),
]


@pytest.mark.parametrize("fields, who, action, resource, applies", MATCHING)
@pytest.mark.parametrize("effect", ["Allow", "Deny"])
def test_statement_matching(fields, who, action, resource, applies, effect):
    keys = keys_of({"aws:username": ["alice"]})
    got = decide([st(Effect=effect, **fields)], who, action, resource, keys)
    assert got == ((effect, 0, None) if applies else (None, None, None))


@pytest.mark.parametrize("who, denied", [(OWNER, False), (OTHER, True), (ANONYMOUS_WHO, True)])
def test_not_principal_denies_everyone_else(who, denied):
    statements = [st(), st(Effect="Deny", Principal=None, NotPrincipal={"AWS": "111122223333"})]
    assert decide(statements, who, "s3:GetObject", OBJ).effect == ("Deny" if denied else "Allow")


def test_deny_anywhere_wins_over_an_earlier_allow():
    statements = [st(Sid="A1"), st(Sid="A2"), st(Sid="D", Effect="Deny", Principal={"AWS": "111122223333"})]
    assert decide(statements, OWNER, "s3:GetObject", OBJ) == ("Deny", 2, "D")
    assert decide(statements, OTHER, "s3:GetObject", OBJ) == ("Allow", 0, "A1")


def test_a_deny_whose_condition_fails_does_not_apply():
    deny = st(Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}})
    assert decide([st(), deny], OWNER, "s3:GetObject", OBJ, keys_of({"aws:securetransport": ["true"]})) == (
        "Allow", 0, None)
    assert decide([st(), deny], OWNER, "s3:GetObject", OBJ, keys_of({"aws:securetransport": ["false"]})) == (
        "Deny", 1, None)


def test_keys_are_asked_only_when_principal_action_and_resource_match():
    asked = []
    statements = [st(Principal={"AWS": "444455556666"}, Condition={"StringEquals": {"aws:UserAgent": "x"}}),
                  st(Action="s3:PutObject", Condition={"StringEquals": {"aws:Referer": "x"}})]

    def keys(key):
        asked.append(key)
        return None
    assert decide(statements, OWNER, "s3:GetObject", OBJ, keys) == (None, None, None)
    assert asked == []


# (operator, key, policy values, request values (None: absent), holds)
CONDITIONS = [
    ("StringEquals", "aws:UserAgent", ["a", "b"], ["b"], True),
    ("StringEquals", "aws:UserAgent", ["a"], ["A"], False),
    ("StringEquals", "aws:UserAgent", ["a"], None, False),
    ("StringNotEquals", "aws:UserAgent", ["a", "b"], ["c"], True),
    ("StringNotEquals", "aws:UserAgent", ["a", "b"], ["b"], False),
    ("StringNotEquals", "aws:UserAgent", ["a"], None, True),
    ("StringEqualsIgnoreCase", "aws:UserAgent", ["ABC"], ["abc"], True),
    ("StringNotEqualsIgnoreCase", "aws:UserAgent", ["ABC"], ["abc"], False),
    ("StringLike", "s3:prefix", ["home/*", "pub/?"], ["home/x/y"], True),
    ("StringLike", "s3:prefix", ["pub/?"], ["pub/xy"], False),
    ("StringNotLike", "s3:prefix", ["home/*"], ["etc"], True),
    ("StringNotLike", "s3:prefix", ["home/*"], None, True),
    ("StringEqualsIfExists", "aws:UserAgent", ["a"], None, True),
    ("StringEqualsIfExists", "aws:UserAgent", ["a"], ["b"], False),
    ("NumericEquals", "s3:max-keys", ["10"], ["10.0"], True),
    ("NumericNotEquals", "s3:max-keys", ["10"], ["10"], False),
    ("NumericLessThan", "s3:max-keys", [10], ["9"], True),
    ("NumericLessThan", "s3:max-keys", [10], ["10"], False),
    ("NumericLessThanEquals", "s3:max-keys", [10], ["10"], True),
    ("NumericGreaterThan", "s3:max-keys", [10], ["11"], True),
    ("NumericGreaterThanEquals", "s3:max-keys", [10], ["9"], False),
    ("NumericLessThan", "s3:max-keys", [10], ["many"], False),
    ("NumericLessThan", "s3:max-keys", [10], None, False),
    ("NumericLessThanIfExists", "s3:max-keys", [10], None, True),
    ("DateLessThan", "aws:CurrentTime", ["2030-01-01T00:00:00Z"], ["2026-12-07T05:00:00Z"], True),
    ("DateGreaterThan", "aws:CurrentTime", ["2030-01-01"], ["2026-12-07T05:00:00Z"], False),
    ("DateEquals", "aws:EpochTime", ["1700000000"], ["2023-11-14T22:13:20Z"], True),
    ("DateNotEquals", "aws:CurrentTime", ["2030-01-01T00:00:00Z"], ["2030-01-01T01:00:00+01:00"], False),
    ("DateLessThanEquals", "aws:CurrentTime", ["2030-01-01T00:00:00Z"], ["2030-01-01T00:00:00Z"], True),
    ("DateGreaterThanEquals", "aws:CurrentTime", ["2030-01-01T00:00:00Z"], ["2029-12-31T23:59:59Z"], False),
    ("Bool", "aws:SecureTransport", [False], ["false"], True),
    ("Bool", "aws:SecureTransport", ["true"], ["TRUE"], True),
    ("Bool", "aws:SecureTransport", ["false"], None, False),
    ("BoolIfExists", "aws:SecureTransport", ["false"], None, True),
    ("BinaryEquals", "aws:UserAgent", ["QmluYXJ5"], ["QmluYXJ5"], True),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], ["10.1.2.3"], True),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], ["11.1.2.3"], False),
    ("IpAddress", "aws:SourceIp", ["10.0.0.1"], ["10.0.0.1"], True),
    ("IpAddress", "aws:SourceIp", ["2001:db8::/32"], ["2001:db8::1"], True),
    ("IpAddress", "aws:SourceIp", ["2001:db8::/32"], ["10.0.0.1"], False),
    ("IpAddress", "aws:SourceIp", ["10.0.0.0/8"], None, False),
    ("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8", "2001:db8::/32"], ["192.168.0.1"], True),
    ("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8"], ["10.0.0.1"], False),
    ("NotIpAddress", "aws:SourceIp", ["10.0.0.0/8"], None, True),
    ("ArnEquals", "aws:SourceArn", ["arn:aws:s3:::b"], ["arn:aws:s3:::b"], True),
    ("ArnLike", "aws:SourceArn", ["arn:aws:cloudtrail:*:111122223333:trail/*"],
     ["arn:aws:cloudtrail:us-east-1:111122223333:trail/t"], True),
    ("ArnLike", "aws:SourceArn", ["arn:aws:cloudtrail:*:111122223333:trail/*"],
     ["arn:aws:cloudtrail:us-east-1:444455556666:trail/t"], False),
    ("ArnLike", "aws:SourceArn", ["arn:aws:*"], ["arn:aws:s3:us:1:x"], False),   # * stays in its part
    ("ArnNotEquals", "aws:SourceArn", ["arn:aws:s3:::b"], ["arn:aws:s3:::c"], True),
    ("ArnNotLike", "aws:SourceArn", ["arn:aws:s3:::b*"], None, True),
    ("Null", "s3:x-amz-server-side-encryption", ["true"], None, True),
    ("Null", "s3:x-amz-server-side-encryption", [True], ["AES256"], False),
    ("Null", "s3:x-amz-server-side-encryption", ["false"], ["AES256"], True),
    ("Null", "s3:x-amz-server-side-encryption", ["false"], None, False),
    # multivalued keys: qualifiers
    ("ForAnyValue:StringEquals", "s3:RequestObjectTagKeys", ["a", "b"], ["x", "b"], True),
    ("ForAnyValue:StringEquals", "s3:RequestObjectTagKeys", ["a", "b"], ["x"], False),
    ("ForAnyValue:StringEquals", "s3:RequestObjectTagKeys", ["a"], None, False),
    ("ForAnyValue:StringNotEquals", "s3:RequestObjectTagKeys", ["a"], ["a", "x"], True),
    ("ForAnyValue:StringNotEquals", "s3:RequestObjectTagKeys", ["a"], None, False),
    ("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["a", "b"], ["a", "b"], True),
    ("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["a", "b"], ["a", "x"], False),
    ("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["a"], None, True),
    ("ForAllValues:StringEquals", "s3:RequestObjectTagKeys", ["a"], [], True),
    ("ForAllValues:StringNotLike", "s3:RequestObjectTagKeys", ["secret*"], ["a", "b"], True),
    ("ForAllValues:StringNotLike", "s3:RequestObjectTagKeys", ["secret*"], ["a", "secretx"], False),
    ("ForAnyValue:StringLikeIfExists", "s3:RequestObjectTagKeys", ["a*"], None, True),
    # tag keys keep their case after the '/'
    ("StringEquals", "s3:ExistingObjectTag/Project", ["blue"], ["blue"], True),
    # policy variables in values
    ("StringEquals", "aws:UserAgent", ["${aws:username}"], ["alice"], True),
    ("StringLike", "s3:prefix", ["${aws:username}/*"], ["bob/x"], False),
    ("StringEquals", "aws:UserAgent", ["${aws:userid, 'nobody'}"], ["nobody"], True),
]


@pytest.mark.parametrize("operator, key, values, request_values, holds", CONDITIONS,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in CONDITIONS])
def test_condition_operators(operator, key, values, request_values, holds):
    lookup = key.split("/")[0].lower() + ("/" + key.split("/", 1)[1] if "/" in key else "")
    given = {"aws:username": ["alice"]}
    if request_values is not None:
        given[lookup] = request_values
    statement = st(Action="s3:*", Resource=ALL, Condition={operator: {key: values}})
    assert decide([statement], OWNER, "s3:GetObject", OBJ, keys_of(given)).effect == (
        "Allow" if holds else None)


def test_keys_and_operators_are_anded():
    cond = {"StringEquals": {"aws:UserAgent": "ua", "aws:Referer": "r"}, "Bool": {"aws:SecureTransport": "true"}}
    statement = st(Condition=cond)
    full = {"aws:useragent": ["ua"], "aws:referer": ["r"], "aws:securetransport": ["true"]}
    assert decide([statement], OWNER, "s3:GetObject", OBJ, keys_of(full)).effect == "Allow"
    for missing in full:
        partial = {k: v for k, v in full.items() if k != missing}
        assert decide([statement], OWNER, "s3:GetObject", OBJ, keys_of(partial)).effect is None


PUBLIC = [
    # (statement fields, public) per userguide access-control-block-public-access.html
    (dict(), True),
    (dict(Principal={"AWS": "*"}), True),
    (dict(Principal={"AWS": ["111122223333", "*"]}), True),
    (dict(Effect="Deny"), False),
    (dict(Principal={"AWS": "111122223333"}), False),
    (dict(Principal={"CanonicalUser": "c" * 64}), False),
    (dict(Condition={"IpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), False),
    (dict(Condition={"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}), False),
    (dict(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}), True),
    (dict(Condition={"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "::/0"]}}), True),
    (dict(Condition={"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}), True),
    (dict(Condition={"StringEquals": {"aws:SourceVpc": "vpc-91237329"}}), False),
    (dict(Condition={"StringLike": {"aws:SourceVpc": "vpc-*"}}), True),
    (dict(Condition={"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}), False),
    (dict(Condition={"StringEquals": {"aws:SourceAccount": "111122223333"}}), False),
    (dict(Condition={"StringEquals": {"aws:SourceOwner": "111122223333"}}), False),
    (dict(Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:cloudtrail:us-east-1:111122223333:trail/t"}}), False),
    (dict(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:cloudtrail:*:111122223333:trail/*"}}), True),
    (dict(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-123"}}), False),
    (dict(Condition={"StringEquals": {"aws:PrincipalAccount": "111122223333"}}), False),
    (dict(Condition={"StringEquals": {"aws:userid": "AIDAEXAMPLE"}}), False),
    (dict(Condition={"StringLike": {"aws:userid": "AROAEXAMPLE:*"}}), True),
    (dict(Condition={"StringEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:111122223333:key/k"}}), False),
    (dict(Condition={"StringEquals": {"s3:DataAccessPointAccount": "111122223333"}}), False),
    (dict(Condition={"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}), True),
    (dict(Condition={"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}), True),
    (dict(Condition={"ForAllValues:StringEquals": {"aws:SourceVpc": "vpc-1"}}), True),
    (dict(Condition={"StringEquals": {"aws:SourceAccount": "${aws:username}"}}), True),
    (dict(Condition={"Bool": {"aws:SecureTransport": "true"}}), True),
    (dict(Condition={"StringEquals": {"aws:Referer": "https://example.com"}}), True),
]


@pytest.mark.parametrize("fields, public", PUBLIC)
def test_public_policy(fields, public):
    assert P.parse(doc(st(**fields)), B).public is public


def test_public_when_any_statement_is_public():
    assert P.parse(doc(st(Principal={"AWS": "111122223333"}), st()), B).public is True


def test_explain_and_describe():
    policy = P.parse(doc(st(Sid="Read", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
                         st(Sid="DenyHttp", Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}),
                         st(Principal={"AWS": "444455556666"}, Action="s3:PutObject")), B)
    keys = keys_of({"aws:sourceip": ["10.0.0.1"], "aws:securetransport": ["true"]})
    got = P.explain(policy, OWNER, "s3:GetObject", OBJ, keys)
    assert got[0] == {"index": 0, "sid": "Read", "effect": "Allow", "applies": True, "principal": True,
                      "action": True, "resource": True,
                      "conditions": [{"operator": "IpAddress", "key": "aws:SourceIp", "values": ["10.0.0.0/8"],
                                      "request_values": ["10.0.0.1"], "result": True}]}
    assert got[1]["applies"] is False and got[1]["conditions"][0]["result"] is False
    assert got[2] == {"index": 2, "sid": None, "effect": "Allow", "applies": False, "principal": False,
                      "action": False, "resource": True, "conditions": []}
    assert P.describe(policy, 1) == 'statement 2 (Sid "DenyHttp")'
    assert P.describe(policy, 2) == "statement 3"


def test_evaluate_is_fast_enough_for_the_request_path():
    """20 statements, the request matching none but the last: measured, reported, not asserted
    against a time (tests never assert a time); asserts the work is bounded per call."""
    statements = [st(Sid=f"S{i}", Principal={"AWS": f"{i:012d}"}, Action=["s3:GetObject", "s3:Put*"],
                     Resource=f"arn:aws:s3:::b/p{i}/*",
                     Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}) for i in range(19)]
    statements.append(st(Sid="Last", Effect="Deny", Condition={"Bool": {"aws:SecureTransport": "false"}}))
    policy = P.parse(doc(*statements), B)
    keys = keys_of({"aws:securetransport": ["true"], "aws:sourceip": ["10.0.0.1"]})
    assert P.evaluate(policy, OWNER, "s3:GetObject", OBJ, keys) == (None, None, None)
    seconds = min(timeit.repeat(lambda: P.evaluate(policy, OWNER, "s3:GetObject", OBJ, keys),
                                number=2000, repeat=3)) / 2000
    print(f"evaluate, 20 statements: {seconds * 1e6:.1f} us")


def test_bad_input_is_refused_never_crashes():
    """Bounded fuzz: every mutation of a valid policy parses or is MalformedPolicy."""
    import random
    rng = random.Random(22)
    base = doc(st(Sid="S", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
               st(Effect="Deny", Action=["s3:Put*"], Condition={"ForAnyValue:StringLike": {"s3:prefix": "a*"}}))
    junk = [b"", b"0", b"[]", b"{}", b"null", b"\"x\"", b"-1e999", b"true", b"\xff", b"{\"a\":", b"]"]
    for _ in range(2000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[at:at + rng.randint(0, 8)] = rng.choice(junk)
            else:
                data[at] = rng.randrange(256)
        try:
            policy = P.parse(bytes(data), B)
        except S3Error as error:
            assert error.code == "MalformedPolicy"
            continue
        P.evaluate(policy, OWNER, "s3:GetObject", OBJ, keys_of({"aws:sourceip": ["10.0.0.1"]}))
        P.explain(policy, ANONYMOUS_WHO, "s3:PutObject", OBJ, NO_KEYS)
