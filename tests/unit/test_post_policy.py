"""POST policy (auth/post_policy.py): AWS's signing vectors, who signed a form, decoding the
document, and every condition rule, as tables of cases with S3's exact errors."""

from __future__ import annotations

import base64
import json

import pytest

from s3mock.auth import post_policy as pp, sigv4
from s3mock.errors import S3Error

AKID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CRED = sigv4.Credential(AKID, "20151229", "us-east-1", "s3")
NOW = 1_700_000_000.0
FUTURE = "2099-01-01T00:00:00Z"

# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html (CRLF line ends)
AWS_EXAMPLE_POLICY = (
    "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1"
    "Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8i"
    "XSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcmVhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDov"
    "L3NpZ3Y0ZXhhbXBsZWJ1Y2tldC5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0"
    "YXJ0cy13aXRoIiwgIiRDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUx"
    "MjM2NTEyNzQifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFy"
    "dHMtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQUlPU0ZP"
    "RE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbXotYWxnb3JpdGht"
    "IjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9")
AWS_EXAMPLE_SIGNATURE = "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e"
# botocore generate_presigned_post("sigv4examplebucket", "user/user1/photo.jpg") at 2015-12-29T00:00Z.
BOTOCORE_POLICY = (
    "eyJleHBpcmF0aW9uIjogIjIwMTUtMTItMjlUMDE6MDA6MDBaIiwgImNvbmRpdGlvbnMiOiBbeyJidWNrZXQiOiAic2lndjRl"
    "eGFtcGxlYnVja2V0In0sIHsia2V5IjogInVzZXIvdXNlcjEvcGhvdG8uanBnIn0sIHsieC1hbXotYWxnb3JpdGhtIjogIkFX"
    "UzQtSE1BQy1TSEEyNTYifSwgeyJ4LWFtei1jcmVkZW50aWFsIjogIkFLSUFJT1NGT0ROTjdFWEFNUExFLzIwMTUxMjI5L3Vz"
    "LWVhc3QtMS9zMy9hd3M0X3JlcXVlc3QifSwgeyJ4LWFtei1kYXRlIjogIjIwMTUxMjI5VDAwMDAwMFoifV19")
BOTOCORE_SIGNATURE = "3364624b39010d9b06f5d9b8c9a18a6e478d261c048159c92f2fd6fa885f14e6"


def b64(doc: object) -> str:
    return base64.b64encode(json.dumps(doc).encode()).decode()


def raises(fn, *args, **kwargs) -> S3Error:
    with pytest.raises(S3Error) as exc:
        fn(*args, **kwargs)
    return exc.value


# ---------------------------------------------------------------- signatures

@pytest.mark.parametrize("policy, signature", [(AWS_EXAMPLE_POLICY, AWS_EXAMPLE_SIGNATURE),
                                               (BOTOCORE_POLICY, BOTOCORE_SIGNATURE)])
def test_sigv4_vectors(policy, signature):
    assert pp.signature_v4(sigv4.signing_key(SECRET, CRED), policy) == signature
    pp.verify(pp.Signer(AKID, signature, CRED), SECRET, policy)


def test_aws_example_policy_decodes_with_milliseconds():
    policy = pp.decode(AWS_EXAMPLE_POLICY)
    assert policy.expiration == 1451476800.0          # 2015-12-30T12:00:00.000Z
    assert policy.conditions[0] == {"bucket": "sigv4examplebucket"}
    assert len(policy.conditions) == 11


def test_tampered_policy_is_signature_does_not_match_with_policy_as_string_to_sign():
    tampered = AWS_EXAMPLE_POLICY[:-4] + "fQ=="
    err = raises(pp.verify, pp.Signer(AKID, AWS_EXAMPLE_SIGNATURE, CRED), SECRET, tampered)
    assert (err.code, err.status) == ("SignatureDoesNotMatch", 403)
    assert list(err.fields) == ["AWSAccessKeyId", "StringToSign", "SignatureProvided", "StringToSignBytes"]
    assert err.fields["StringToSign"] == tampered
    assert err.fields["SignatureProvided"] == AWS_EXAMPLE_SIGNATURE
    assert err.fields["StringToSignBytes"].split(" ")[:2] == [f"{ord('e'):02x}", f"{ord('y'):02x}"]


def test_sigv2_signature():
    sig = pp.signature_v2(SECRET, BOTOCORE_POLICY)
    assert len(base64.b64decode(sig)) == 20
    pp.verify(pp.Signer(AKID, sig), SECRET, BOTOCORE_POLICY)
    assert raises(pp.verify, pp.Signer(AKID, sig), "other", BOTOCORE_POLICY).code == "SignatureDoesNotMatch"


# ---------------------------------------------------------------- who signed

V4 = {"policy": "p", "x-amz-algorithm": "AWS4-HMAC-SHA256",
      "x-amz-credential": f"{AKID}/20151229/us-east-1/s3/aws4_request",
      "x-amz-date": "20151229T000000Z", "x-amz-signature": "abc"}
V2 = {"policy": "p", "awsaccesskeyid": AKID, "signature": "sig"}


def test_signer_v4_and_v2():
    assert pp.signer(V4) == pp.Signer(AKID, "abc", CRED)
    assert pp.signer(V2) == pp.Signer(AKID, "sig", None)


@pytest.mark.parametrize("fields", [{}, {"key": "k"}, {"policy": "p"}, {"x-amz-signature": "s"}])
def test_signer_anonymous(fields):
    """No policy, or a policy and no signature fields: anonymous (recorded: AccessDenied on a
    private bucket, not InvalidArgument)."""
    assert pp.signer(fields) is None


@pytest.mark.parametrize("drop, named", [
    (("x-amz-signature",), "X-Amz-Signature"),
    (("x-amz-algorithm", "x-amz-credential"), "X-Amz-Algorithm"),
    (("x-amz-credential",), "X-Amz-Credential"),
    (("x-amz-date",), "X-Amz-Date"),
])
def test_signer_v4_missing_field(drop, named):
    err = raises(pp.signer, {k: v for k, v in V4.items() if k not in drop})
    assert (err.code, err.status) == ("InvalidArgument", 400)
    assert err.message == (f"Bucket POST must contain a field named '{named}'.  If it is specified, "
                           "please check the order of the fields.")
    assert err.fields == {"ArgumentName": named, "ArgumentValue": ""}


@pytest.mark.parametrize("drop, named", [("awsaccesskeyid", "AWSAccessKeyId"), ("signature", "Signature")])
def test_signer_v2_missing_field(drop, named):
    err = raises(pp.signer, {k: v for k, v in V2.items() if k != drop})
    assert err.fields == {"ArgumentName": named, "ArgumentValue": ""}


@pytest.mark.parametrize("field, value, argument, message", [
    ("x-amz-credential", "/20151229/us-east-1/s3/aws4_request", "X-Amz-Credential",
     "a non-empty Access Key (AKID) must be provided in the credential."),
    ("x-amz-credential", "AKID/20151229/us-east-1/s3", "X-Amz-Credential",
     "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    ("x-amz-date", "2015-12-29", "X-Amz-Date", "X-Amz-Date must be formated via ISO8601 Long format"),
    ("x-amz-algorithm", "AWS4-HMAC-SHA1", "X-Amz-Algorithm", 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'),
])
def test_signer_malformed_fields(field, value, argument, message):
    err = raises(pp.signer, {**V4, field: value})
    assert (err.code, err.message) == ("InvalidArgument", message)
    assert err.fields == {"ArgumentName": argument, "ArgumentValue": value}


# ---------------------------------------------------------------- the document

@pytest.mark.parametrize("policy_b64, message", [
    (base64.b64encode(b"not json").decode(), "Invalid JSON."),
    ("!!!!", "Invalid JSON."),
    (b64([1, 2]), "Invalid JSON."),
    (b64({"conditions": []}), "Policy missing expiration."),
    (b64({"expiration": FUTURE}), "Policy missing conditions."),
    (b64({"expiration": FUTURE, "conditions": {}}), "Invalid 'conditions' value: must be a List."),
    (b64({"EXPIRATION": FUTURE, "conditions": []}), "Unexpected: 'expiration'"),
    (b64({"expiration": FUTURE, "CONDITIONS": []}), "Unexpected: 'conditions'"),
    (b64({"expiration": "2011-09-13T07:52:58+02:00", "conditions": []}),
     "Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'"),
    (b64({"expiration": "2015-10-17 03:15:59 UTC", "conditions": []}),
     "Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'"),
    (base64.b64encode(b'{"expiration": "2099-01-01T00:00:00Z", "conditions": [["content-length-range", 0, NaN]]}').decode(),
     "Invalid JSON."),
])
def test_decode_errors(policy_b64, message):
    err = raises(pp.decode, policy_b64)
    assert (err.code, err.status, err.message) == ("InvalidPolicyDocument", 400, "Invalid Policy: " + message)


@pytest.mark.parametrize("expiration, ts", [("2099-01-01T00:00:00Z", 4070908800.0),
                                            ("2099-01-01T00:00:00.500Z", 4070908800.5)])
def test_decode_expiration_formats(expiration, ts):
    assert pp.decode(b64({"expiration": expiration, "conditions": []})).expiration == ts


# ---------------------------------------------------------------- conditions

def check(conditions: list, fields: dict, bucket: str = "bkt", now: float = NOW, names=None):
    return pp.check(pp.Policy(NOW + 60, conditions), fields, bucket, now, names)


def failed(shown: str) -> tuple[str, int, str]:
    return ("AccessDenied", 403, f"Invalid according to Policy: Policy Condition failed: {shown}")


PASS = [
    ([{"key": "a/b"}], {"key": "a/b"}),
    ([["eq", "$key", "a/b"]], {"key": "a/b"}),
    ([["starts-with", "$key", "a/"]], {"key": "a/b"}),
    ([["starts-with", "$key", ""]], {"key": "anything"}),
    ([["StArTs-WiTh", "$KeY", "a"], {"AcL": "private"}], {"key": "ab", "acl": "private"}),
    ([{"bucket": "bkt"}], {}),
    ([{"bucket": "bkt"}], {"bucket": "other"}),   # covered; the URL's bucket is the one compared
    ([["starts-with", "$Content-Type", "image/"]], {"content-type": "image/jpg,image/png, image/gif"}),
    ([["starts-with", "$x-amz-meta-tag", ""]], {"x-amz-meta-tag": ""}),
    ([["starts-with", "$success_action_redirect", "http://"]], {"success_action_redirect": "http://x/"}),
    ([{"x-amz-meta-a": "1"}], {"x-amz-meta-a": "1", "x-ignore-b": "2", "policy": "p", "file": "",
                               "x-amz-signature": "s", "signature": "s", "awsaccesskeyid": "k"}),
]


@pytest.mark.parametrize("conditions, fields", PASS)
def test_conditions_pass(conditions, fields):
    assert check(conditions, fields) is None


FAIL = [
    ([{"key": "a/b"}], {"key": "a/c"}, '["eq", "$key", "a/b"]'),
    ([["eq", "$key", "a/b"]], {"key": "A/B"}, '["eq", "$key", "a/b"]'),        # values are case-sensitive
    ([["starts-with", "$key", "a/"]], {"key": "b/a"}, '["starts-with", "$key", "a/"]'),
    ([["starts-with", "$key", "A/"]], {"key": "a/b"}, '["starts-with", "$key", "A/"]'),
    ([{"bucket": "other"}], {}, '["eq", "$bucket", "other"]'),
    ([["starts-with", "$Content-Type", "image/"]], {"content-type": "image/jpg,text/plain"},
     '["starts-with", "$Content-Type", "image/"]'),
    ([["starts-with", "$x-amz-meta-a", ""]], {}, '["starts-with", "$x-amz-meta-a", ""]'),  # absent field
    ([["eq", "key", "k"]], {"key": "k"}, '["eq", "key", "k"]'),                  # no $
    ([["starts-with", "$success_action_status", "2"]], {"success_action_status": "201"},
     '["starts-with", "$success_action_status", "2"]'),                           # exact-only field
    ([["content-length-range", "test", "10"]], {}, '["content-length-range", "test", "10"]'),
    ([{"Content-Disposition": 'filename="a.png"'}], {"content-disposition": "x"},
     '["eq", "$Content-Disposition", "filename=\\"a.png\\""]'),
]


@pytest.mark.parametrize("conditions, fields, shown", FAIL)
def test_conditions_fail(conditions, fields, shown):
    err = raises(check, conditions, fields)
    assert (err.code, err.status, err.message) == failed(shown)


@pytest.mark.parametrize("conditions, message", [
    ([{"bucket": "b", "key": "k"}], "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."),
    ([{}], "Invalid Simple-Condition: Simple-Conditions must have exactly one property specified."),
    ([{"Content-Length": 6199034}], "Invalid Simple-Condition: value must be a string."),
    ([{"success_action_redirect": None}], "Invalid JSON."),
    ([["content-length-range", 0, 512.0]], "Invalid JSON."),
    ([["content-length-range", 0]], "Invalid content-length-range: wrong number of arguments."),
    ([[]], "Invalid Condition: missing operation identifier."),
    (["key"], "Invalid condition test: must be a List or Object."),
    ([["eq", "$key"]], "Invalid eq: wrong number of arguments."),
    ([["matches", "$key", "k"]], "Invalid Condition: unknown operation 'matches'."),
])
def test_invalid_conditions(conditions, message):
    err = raises(check, conditions, {"key": "k"})
    assert (err.code, err.status, err.message) == ("InvalidPolicyDocument", 400, "Invalid Policy: " + message)


@pytest.mark.parametrize("conditions, expected", [
    ([["content-length-range", 5, 10]], (5, 10)),
    ([["content-length-range", "5", "10"]], (5, 10)),
    ([["content-length-range", 0, 100], ["content-length-range", 10, 50]], (10, 50)),
    ([], None),
])
def test_content_length_range(conditions, expected):
    assert check(conditions, {}) == expected


def test_extra_input_fields_named_as_sent():
    err = raises(check, [{"key": "k"}], {"key": "k", "storageclass": "X", "x-custom": "1"},
                 names={"storageclass": "StorageClass"})
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == "Invalid according to Policy: Extra input fields: StorageClass, x-custom"


def test_expired_policy_before_conditions():
    err = raises(pp.check, pp.Policy(NOW - 1, [{"key": "other"}]), {"key": "k"}, "bkt", NOW)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, "Invalid according to Policy: Policy expired.")


def test_policy_valid_until_its_expiration_instant():
    assert pp.check(pp.Policy(NOW, []), {}, "bkt", NOW) is None
