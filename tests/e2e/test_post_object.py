"""POST Object (browser form uploads) against live servers, lenient and strict.

Forms come from boto3's generate_presigned_post (SigV4 and SigV2) or are built by hand, and are
posted with `requests` exactly as a browser's FormData would (fields first, then `file`).
Expected answers are S3's: AWS docs (RESTObjectPOST, sigv4-HTTPPOSTConstructPolicy) and the
responses LocalStack recorded against AWS (TestS3PresignedPost) and other captures.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from urllib.parse import parse_qsl, urlsplit

import boto3
import pytest
import requests
from botocore.config import Config
from lxml import etree

from support import ACCESS_KEY, SECRET_KEY, start_server

DATA = b"hello, form upload"
OTHER = ("other", "other-secret")          # a second user (strict server)
TIMEOUT = 30


def v4(endpoint: str, keys: tuple[str, str] = (ACCESS_KEY, SECRET_KEY)):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=keys[0],
                        aws_secret_access_key=keys[1], region_name="us-east-1",
                        config=Config(signature_version="s3v4"))


def v2(endpoint: str):
    return boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                        config=Config(signature_version="s3"))


def post(url: str, fields, file=("file.txt", DATA), after=(), headers=None) -> requests.Response:
    """A form in the given order: fields, `file` (filename None: no filename parameter), then
    fields after the file. `file=None` sends no file part."""
    parts = [(k, (None, v)) for k, v in (fields.items() if isinstance(fields, dict) else fields)]
    if file is not None:
        parts.append(("file", file))
    parts += [(k, (None, v)) for k, v in after]
    return requests.post(url, files=parts, headers=headers, timeout=TIMEOUT, allow_redirects=False)


def error(resp: requests.Response) -> dict[str, str]:
    doc = etree.fromstring(resp.content)
    assert doc.tag == "Error"
    return {el.tag: el.text or "" for el in doc}


def assert_error(resp, status: int, code: str, message: str | None = None, **fields) -> dict:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"] == "application/xml"
    err = error(resp)
    assert err["Code"] == code
    if message is not None:
        assert err["Message"] == message
    for name, value in fields.items():
        assert err[name] == str(value)
    return err


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def absent(s3, bucket: str, key: str) -> bool:
    return s3.list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount") == 0


@pytest.fixture
def signed(endpoint):
    """A SigV4 client for generate_presigned_post (boto3's default for POST is SigV2)."""
    return v4(endpoint)


# ---------------------------------------------------------------- success

def test_presigned_post_v4_with_conditions_and_fields_stores_object(s3, signed, bucket):
    p = signed.generate_presigned_post(
        bucket, "uploads/photo.txt",
        Fields={"Content-Type": "text/plain", "x-amz-meta-owner": "Ada", "Cache-Control": "max-age=60",
                "Content-Disposition": 'attachment; filename="p.txt"', "Expires": "Thu, 01 Dec 2094 16:00:00 GMT"},
        Conditions=[["content-length-range", 1, 1024], ["starts-with", "$key", "uploads/"],
                    ["eq", "$Content-Type", "text/plain"], {"x-amz-meta-owner": "Ada"},
                    ["starts-with", "$Cache-Control", "max-age"], ["starts-with", "$Content-Disposition", ""],
                    {"Expires": "Thu, 01 Dec 2094 16:00:00 GMT"}])
    assert p["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    r = post(p["url"], p["fields"])
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert r.headers["ETag"] == f'"{md5(DATA)}"'
    assert r.headers["Location"] == f"{p['url']}/uploads%2Fphoto.txt"
    assert "Content-Type" not in r.headers
    assert r.headers["x-amz-checksum-type"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=bucket, Key="uploads/photo.txt", ChecksumMode="ENABLED")
    assert got["Body"].read() == DATA
    assert got["ETag"] == f'"{md5(DATA)}"'
    assert got["ContentType"] == "text/plain"
    assert got["Metadata"] == {"owner": "Ada"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == 'attachment; filename="p.txt"'
    assert got["ResponseMetadata"]["HTTPHeaders"]["expires"] == "Thu, 01 Dec 2094 16:00:00 GMT"
    assert got["ChecksumCRC64NVME"] == r.headers["x-amz-checksum-crc64nvme"]


def test_presigned_post_v2(s3, endpoint, bucket):
    p = v2(endpoint).generate_presigned_post(bucket, "v2.txt")
    assert "AWSAccessKeyId" in p["fields"] and "signature" in p["fields"]
    r = post(p["url"], p["fields"])
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key="v2.txt")["Body"].read() == DATA


def test_default_content_type_and_file_part_type_ignored(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "typed")
    r = post(p["url"], p["fields"], file=("a.png", DATA, "image/png"))
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=bucket, Key="typed")["ContentType"] == "binary/octet-stream"


def test_large_file_streams_exact_bytes(s3, signed, bucket):
    data = (uuid.uuid4().bytes * (3 * 65536 + 7))[: 3 * 1024 * 1024 + 101]
    p = signed.generate_presigned_post(bucket, "big", Conditions=[["content-length-range", 0, 4 * 1024 * 1024]])
    r = post(p["url"], p["fields"], file=("big.bin", data))
    assert r.status_code == 204, r.text
    assert r.headers["ETag"] == f'"{md5(data)}"'
    assert s3.get_object(Bucket=bucket, Key="big")["Body"].read() == data


@pytest.mark.parametrize("filename, key", [("photo.jpg", "user/photo.jpg"),
                                           ("C:\\Users\\me\\photo.jpg", "user/photo.jpg"),
                                           ("dir/sub/photo.jpg", "user/photo.jpg"),
                                           ("", "user/")])
def test_filename_variable_in_key(s3, signed, bucket, filename, key):
    p = signed.generate_presigned_post(bucket, "user/${filename}")
    assert json.loads(base64.b64decode(p["fields"]["policy"]))["conditions"][1] == ["starts-with", "$key", "user/"]
    r = post(p["url"], p["fields"], file=(filename, DATA))
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == DATA


def test_filename_variable_kept_without_filename_parameter(s3, signed, bucket):
    """Recorded by LocalStack against AWS: no filename parameter, ${filename} stays literal."""
    p = signed.generate_presigned_post(bucket, "f-${filename}")
    r = post(p["url"], p["fields"], file=(None, DATA))
    assert r.status_code == 204, r.text
    assert s3.get_object(Bucket=bucket, Key="f-${filename}")["Body"].read() == DATA


@pytest.mark.parametrize("value, status", [("200", 200), ("204", 204), ("404", 204), ("bogus", 204)])
def test_success_action_status_empty_bodies(signed, bucket, value, status):
    p = signed.generate_presigned_post(bucket, "s", Fields={"success_action_status": value},
                                       Conditions=[{"success_action_status": value}])
    r = post(p["url"], p["fields"])
    assert r.status_code == status, r.text
    assert r.content == b""
    assert r.headers["ETag"] == f'"{md5(DATA)}"'
    assert r.headers["Location"] == f"{p['url']}/s"


def test_success_action_status_201_post_response(signed, bucket):
    key = "dir/ké y.txt"
    p = signed.generate_presigned_post(bucket, key, Fields={"success_action_status": "201"},
                                       Conditions=[{"success_action_status": "201"}])
    r = post(p["url"], p["fields"])
    assert r.status_code == 201, r.text
    assert r.headers["Content-Type"] == "application/xml"
    location = f"{p['url']}/dir%2Fk%C3%A9%20y.txt"
    assert r.headers["Location"] == location
    doc = etree.fromstring(r.content)
    assert doc.tag == "PostResponse"       # no namespace, as S3 sends it
    assert [(el.tag, el.text) for el in doc] == [
        ("Location", location), ("Bucket", bucket), ("Key", key), ("ETag", f'"{md5(DATA)}"')]
    assert r.headers["ETag"] == f'"{md5(DATA)}"'


@pytest.mark.parametrize("redirect, sep", [("http://app.example/done", "?"),
                                           ("https://app.example/done?next=a%20b", "&")])
def test_success_action_redirect_303(s3, signed, bucket, redirect, sep):
    p = signed.generate_presigned_post(bucket, "up/a b.txt", Fields={"success_action_redirect": redirect},
                                       Conditions=[["starts-with", "$success_action_redirect", redirect]])
    r = post(p["url"], p["fields"])
    assert r.status_code == 303, r.text
    assert r.content == b""
    etag = md5(DATA)
    assert r.headers["Location"] == f"{redirect}{sep}bucket={bucket}&key=up%2Fa+b.txt&etag=%22{etag}%22"
    query = dict(parse_qsl(urlsplit(r.headers["Location"]).query))
    assert (query["bucket"], query["key"], query["etag"]) == (bucket, "up/a b.txt", f'"{etag}"')
    assert s3.get_object(Bucket=bucket, Key="up/a b.txt")["Body"].read() == DATA


def test_relative_redirect_is_ignored(signed, bucket):
    """Recorded: a redirect S3 cannot interpret acts as if the field were absent (204)."""
    p = signed.generate_presigned_post(bucket, "rel", Fields={"success_action_redirect": "/done"},
                                       Conditions=[{"success_action_redirect": "/done"}])
    r = post(p["url"], p["fields"])
    assert r.status_code == 204, r.text


def test_field_names_are_case_insensitive(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "cased", Fields={"Content-Type": "text/csv"},
                                       Conditions=[{"content-type": "text/csv"}])
    fields = {("Policy" if k == "policy" else k.upper() if k.startswith("x-amz") else k): v
              for k, v in p["fields"].items()}
    r = post(p["url"], fields)
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=bucket, Key="cased")["ContentType"] == "text/csv"


def test_fields_after_file_are_ignored(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "after")
    r = post(p["url"], p["fields"], after=[("x-amz-meta-late", "1"), ("submit", "Upload")])
    assert r.status_code == 204, r.text
    assert s3.head_object(Bucket=bucket, Key="after")["Metadata"] == {}


def test_x_ignore_fields_need_no_condition(signed, bucket):
    p = signed.generate_presigned_post(bucket, "ign")
    r = post(p["url"], {**p["fields"], "x-ignore-tracker": "1"})
    assert r.status_code == 204, r.text


def test_checksum_field(s3, signed, bucket):
    value = base64.b64encode(hashlib.sha256(DATA).digest()).decode()
    p = signed.generate_presigned_post(bucket, "ck", Fields={"x-amz-checksum-sha256": value},
                                       Conditions=[{"x-amz-checksum-sha256": value}])
    r = post(p["url"], p["fields"])
    assert r.status_code == 204, r.text
    assert r.headers["x-amz-checksum-sha256"] == value
    assert s3.head_object(Bucket=bucket, Key="ck", ChecksumMode="ENABLED")["ChecksumSHA256"] == value


def test_wrong_checksum_is_bad_digest_and_nothing_stored(s3, signed, bucket):
    value = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    p = signed.generate_presigned_post(bucket, "ck", Fields={"x-amz-checksum-sha256": value},
                                       Conditions=[{"x-amz-checksum-sha256": value}])
    r = post(p["url"], p["fields"])
    assert_error(r, 400, "BadDigest", "The SHA256 you specified did not match the calculated checksum.")
    assert absent(s3, bucket, "ck")


def test_replaces_existing_object(s3, signed, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    p = signed.generate_presigned_post(bucket, "k")
    assert post(p["url"], p["fields"]).status_code == 204
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == DATA


# ---------------------------------------------------------------- policy failures

def test_content_length_range_bounds_inclusive_and_errors(s3, signed, bucket):
    s3.put_object(Bucket=bucket, Key="sized", Body=b"keep me")
    p = signed.generate_presigned_post(bucket, "sized", Conditions=[["content-length-range", 5, 10]])
    r = post(p["url"], p["fields"], file=("f", b"x" * 12))
    assert_error(r, 400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                 ProposedSize=12, MaxSizeAllowed=10)
    r = post(p["url"], p["fields"], file=("f", b"x"))
    assert_error(r, 400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size",
                 ProposedSize=1, MinSizeAllowed=5)
    assert s3.get_object(Bucket=bucket, Key="sized")["Body"].read() == b"keep me"
    for size in (5, 10):
        assert post(p["url"], p["fields"], file=("f", b"y" * size)).status_code == 204
        assert s3.get_object(Bucket=bucket, Key="sized")["Body"].read() == b"y" * size


def test_starts_with_key_violated(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "uploads/${filename}")
    fields = {**p["fields"], "key": "elsewhere/x"}
    r = post(p["url"], fields)
    assert_error(r, 403, "AccessDenied",
                 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/"]')
    assert absent(s3, bucket, "elsewhere/")


def test_eq_content_type_violated(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "ct", Fields={"Content-Type": "image/png"},
                                       Conditions=[["eq", "$Content-Type", "image/png"]])
    r = post(p["url"], {**p["fields"], "Content-Type": "text/html"})
    assert_error(r, 403, "AccessDenied",
                 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]')
    assert absent(s3, bucket, "ct")


def test_simple_condition_shown_as_eq(signed, bucket):
    p = signed.generate_presigned_post(bucket, "exact")
    r = post(p["url"], {**p["fields"], "key": "other"})
    assert_error(r, 403, "AccessDenied",
                 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "exact"]')


def test_extra_input_field(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "extra")
    r = post(p["url"], {**p["fields"], "x-custom": "1"})
    assert_error(r, 403, "AccessDenied", "Invalid according to Policy: Extra input fields: x-custom")
    assert absent(s3, bucket, "extra")


def test_expired_policy(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "late", ExpiresIn=-60)
    r = post(p["url"], p["fields"])
    assert_error(r, 403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    assert absent(s3, bucket, "late")


def test_wrong_bucket(s3, signed, bucket):
    other = f"b-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=other)
    p = signed.generate_presigned_post(bucket, "wb")
    url = p["url"].rsplit("/", 1)[0] + "/" + other
    r = post(url, p["fields"])
    assert_error(r, 403, "AccessDenied",
                 f'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "{bucket}"]')


LENIENT_ONLY = pytest.mark.skipif(os.environ.get("S3MOCK_TEST_AUTH") == "strict",
                                  reason="lenient mode only: strict mode refuses an unsigned policy first")


@LENIENT_ONLY
def test_invalid_policy_document(signed, endpoint, bucket):
    p = signed.generate_presigned_post(bucket, "bad")
    fields = {**p["fields"], "policy": base64.b64encode(b"{not json").decode()}
    r = post(p["url"], fields)     # lenient: the signature is not checked, the document is
    assert_error(r, 400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.")


@LENIENT_ONLY
def test_lenient_accepts_a_wrong_signature(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "lenient")
    r = post(p["url"], {**p["fields"], "x-amz-signature": "0" * 64})
    assert r.status_code == 204, r.text


# ---------------------------------------------------------------- malformed forms

def test_missing_key_field_when_key_comes_after_file(s3, signed, bucket):
    p = signed.generate_presigned_post(bucket, "k-after")
    fields = {k: v for k, v in p["fields"].items() if k != "key"}
    r = post(p["url"], fields, after=[("key", "k-after")])
    assert_error(r, 400, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is "
                 "specified, please check the order of the fields.", ArgumentName="key", ArgumentValue="")
    assert absent(s3, bucket, "k-after")


def test_no_file(signed, bucket):
    p = signed.generate_presigned_post(bucket, "nofile")
    r = post(p["url"], p["fields"], file=None)
    assert_error(r, 400, "InvalidArgument", "POST requires exactly one file upload per request.",
                 ArgumentName="file", ArgumentValue=0)


def test_missing_signature_field(signed, bucket):
    p = signed.generate_presigned_post(bucket, "nosig")
    fields = {k: v for k, v in p["fields"].items() if k != "x-amz-signature"}
    r = post(p["url"], fields)
    assert_error(r, 400, "InvalidArgument", "Bucket POST must contain a field named 'X-Amz-Signature'.  "
                 "If it is specified, please check the order of the fields.",
                 ArgumentName="X-Amz-Signature", ArgumentValue="")


def test_not_multipart_is_412(endpoint, bucket):
    r = requests.post(f"{endpoint}/{bucket}", data={"key": "k"}, timeout=TIMEOUT)
    assert_error(r, 412, "PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                 Condition="Bucket POST must be of the enclosure-type multipart/form-data")


def test_multipart_without_boundary(endpoint, bucket):
    r = requests.post(f"{endpoint}/{bucket}", data=b"--x\r\n", timeout=TIMEOUT,
                      headers={"Content-Type": "multipart/form-data"})
    assert_error(r, 400, "MalformedPOSTRequest",
                 "The body of your POST request is not well-formed multipart/form-data.")


def test_fields_before_file_over_20kb(signed, bucket):
    p = signed.generate_presigned_post(bucket, "pre")
    r = post(p["url"], {**p["fields"], "x-ignore-pad": "x" * 20480})
    assert_error(r, 400, "MaxPostPreDataLengthExceeded",
                 "Your POST request fields preceeding the upload file was too large.",
                 MaxPostPreDataLengthBytes=20480)


def test_no_such_bucket(signed):
    name = f"b-{uuid.uuid4().hex[:20]}"
    p = signed.generate_presigned_post(name, "k")
    assert_error(post(p["url"], p["fields"]), 404, "NoSuchBucket", BucketName=name)


# ---------------------------------------------------------------- ACLs and anonymous forms

def test_acl_field_public_read_then_anonymous_get(s3, endpoint, signed, bucket):
    p = signed.generate_presigned_post(bucket, "pub", Fields={"acl": "public-read"},
                                       Conditions=[{"acl": "public-read"}])
    assert post(p["url"], p["fields"]).status_code == 204
    got = requests.get(f"{endpoint}/{bucket}/pub", timeout=TIMEOUT)
    assert (got.status_code, got.content) == (200, DATA)
    p = signed.generate_presigned_post(bucket, "priv")
    assert post(p["url"], p["fields"]).status_code == 204
    assert requests.get(f"{endpoint}/{bucket}/priv", timeout=TIMEOUT).status_code == 403


def test_anonymous_post_to_public_read_write_bucket(s3, endpoint, bucket):
    s3.put_bucket_acl(Bucket=bucket, ACL="public-read-write")
    r = post(f"{endpoint}/{bucket}", {"key": "anon.txt", "acl": "public-read", "Content-Type": "text/plain"})
    assert r.status_code == 204, r.text
    got = requests.get(f"{endpoint}/{bucket}/anon.txt", timeout=TIMEOUT)
    assert (got.status_code, got.content, got.headers["Content-Type"]) == (200, DATA, "text/plain")


def test_anonymous_post_to_private_bucket_denied(s3, endpoint, bucket):
    r = post(f"{endpoint}/{bucket}", {"key": "anon.txt"})
    assert_error(r, 403, "AccessDenied", "Access Denied")
    assert absent(s3, bucket, "anon.txt")


def test_policy_without_signature_fields_is_anonymous(s3, signed, bucket):
    """Recorded by LocalStack against AWS: only key and policy -> 403 Access Denied."""
    p = signed.generate_presigned_post(bucket, "half")
    r = post(p["url"], {"key": "half", "policy": p["fields"]["policy"]})
    assert_error(r, 403, "AccessDenied", "Access Denied")


# ---------------------------------------------------------------- CORS

def test_cors_headers_on_success_and_error(s3, signed, bucket):
    origin = "http://app.example"
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [origin], "AllowedMethods": ["POST"], "ExposeHeaders": ["ETag", "Location"]}]})
    p = signed.generate_presigned_post(bucket, "cors")
    ok = post(p["url"], p["fields"], headers={"Origin": origin})
    assert ok.status_code == 204
    assert ok.headers["Access-Control-Allow-Origin"] == origin
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
    bad = post(p["url"], {**p["fields"], "x-custom": "1"}, headers={"Origin": origin})
    assert bad.status_code == 403
    assert bad.headers["Access-Control-Allow-Origin"] == origin
    other = post(p["url"], p["fields"], headers={"Origin": "http://evil.example"})
    assert other.status_code == 204
    assert "Access-Control-Allow-Origin" not in other.headers
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": [origin], "AllowedMethods": ["GET", "PUT"]}]})
    put_only = post(p["url"], p["fields"], headers={"Origin": origin})
    assert put_only.status_code == 204
    assert "Access-Control-Allow-Origin" not in put_only.headers


# ---------------------------------------------------------------- strict mode

@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("post-strict"), "--auth", "strict",
                       "--user", f"{OTHER[0]}:{OTHER[1]}")
    yield srv
    srv.stop()


@pytest.fixture
def strict_bucket(strict) -> str:
    name = f"b-{uuid.uuid4().hex[:20]}"
    v4(strict.endpoint).create_bucket(Bucket=name)
    return name


def test_strict_v4_and_v2_forms_accepted(strict, strict_bucket):
    s3 = v4(strict.endpoint)
    p = s3.generate_presigned_post(strict_bucket, "up/${filename}",
                                   Fields={"Content-Type": "text/plain", "success_action_status": "201"},
                                   Conditions=[["content-length-range", 1, 100], ["starts-with", "$key", "up/"],
                                               ["eq", "$Content-Type", "text/plain"], {"success_action_status": "201"}])
    r = post(p["url"], p["fields"], file=("a.txt", DATA))
    assert r.status_code == 201, r.text
    assert s3.get_object(Bucket=strict_bucket, Key="up/a.txt")["Body"].read() == DATA
    p = v2(strict.endpoint).generate_presigned_post(strict_bucket, "two")
    assert post(p["url"], p["fields"]).status_code == 204


def test_strict_tampered_policy(strict, strict_bucket):
    s3 = v4(strict.endpoint)
    p = s3.generate_presigned_post(strict_bucket, "safe/${filename}")
    doc = json.loads(base64.b64decode(p["fields"]["policy"]))
    doc["conditions"] = [c for c in doc["conditions"] if not (isinstance(c, list) and c[1] == "$key")]
    doc["conditions"].append(["starts-with", "$key", ""])
    forged = base64.b64encode(json.dumps(doc).encode()).decode()
    r = post(p["url"], {**p["fields"], "policy": forged, "key": "anywhere"})
    err = assert_error(r, 403, "SignatureDoesNotMatch", AWSAccessKeyId=ACCESS_KEY, StringToSign=forged,
                       SignatureProvided=p["fields"]["x-amz-signature"])
    assert bytes.fromhex(err["StringToSignBytes"].replace(" ", "")) == forged.encode()
    assert "CanonicalRequest" not in err
    assert absent(s3, strict_bucket, "anywhere")


@pytest.mark.parametrize("field, value", [("x-amz-signature", "0" * 64), ("x-amz-signature", ""),
                                          ("x-amz-date", "20200101T000000Z")])
def test_strict_tampered_signature_fields(strict, strict_bucket, field, value):
    p = v4(strict.endpoint).generate_presigned_post(strict_bucket, "sig")
    fields = {**p["fields"], field: value}
    r = post(p["url"], fields)
    # x-amz-date is covered by the policy: the signature still matches, the condition fails.
    if field == "x-amz-date":
        assert_error(r, 403, "AccessDenied")
        assert "x-amz-date" in error(r)["Message"]
    else:
        assert_error(r, 403, "SignatureDoesNotMatch", SignatureProvided=value)


def test_strict_v2_tampered_signature(strict, strict_bucket):
    p = v2(strict.endpoint).generate_presigned_post(strict_bucket, "sig2")
    r = post(p["url"], {**p["fields"], "signature": base64.b64encode(b"x" * 20).decode()})
    assert_error(r, 403, "SignatureDoesNotMatch", AWSAccessKeyId=ACCESS_KEY)


def test_strict_unknown_access_key(strict, strict_bucket):
    p = v4(strict.endpoint, ("nobody", "secret")).generate_presigned_post(strict_bucket, "who")
    assert_error(post(p["url"], p["fields"]), 403, "InvalidAccessKeyId",
                 "The AWS Access Key Id you provided does not exist in our records.", AWSAccessKeyId="nobody")


def test_strict_expired_policy(strict, strict_bucket):
    p = v4(strict.endpoint).generate_presigned_post(strict_bucket, "late", ExpiresIn=-1)
    assert_error(post(p["url"], p["fields"]), 403, "AccessDenied", "Invalid according to Policy: Policy expired.")


def test_strict_signer_needs_write_on_bucket(strict, strict_bucket):
    """The policy's signer, not the (anonymous) request, must hold WRITE on the bucket."""
    owner, other = v4(strict.endpoint), v4(strict.endpoint, OTHER)
    p = other.generate_presigned_post(strict_bucket, "by-other")
    assert_error(post(p["url"], p["fields"]), 403, "AccessDenied", "Access Denied")
    assert absent(owner, strict_bucket, "by-other")
    owner_id = owner.get_bucket_acl(Bucket=strict_bucket)["Owner"]["ID"]
    other_id = hashlib.sha256(b"s3mock-user:" + OTHER[0].encode()).hexdigest()
    owner.put_bucket_acl(Bucket=strict_bucket, GrantWrite=f'id="{other_id}"',
                         GrantFullControl=f'id="{owner_id}"')
    assert post(p["url"], p["fields"]).status_code == 204
    # The object belongs to its writer (private by default), as on S3.
    assert other.get_object(Bucket=strict_bucket, Key="by-other")["Body"].read() == DATA
    assert other.get_object_acl(Bucket=strict_bucket, Key="by-other")["Owner"]["ID"] == other_id


def test_strict_anonymous_public_read_write_and_private(strict, strict_bucket):
    owner = v4(strict.endpoint)
    url = f"{strict.endpoint}/{strict_bucket}"
    assert_error(post(url, {"key": "anon"}), 403, "AccessDenied", "Access Denied")
    owner.put_bucket_acl(Bucket=strict_bucket, ACL="public-read-write")
    assert post(url, {"key": "anon", "acl": "public-read"}).status_code == 204
    assert requests.get(f"{url}/anon", timeout=TIMEOUT).content == DATA


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for sub in ("tmp", "blobs") for p in (root / sub).rglob("*")
            if p.is_file()}


def test_strict_failed_uploads_leave_no_files(strict, strict_bucket):
    """Nothing is stored when a form fails after its file was received (size, checksum), and
    the object already under that key stays intact."""
    s3 = v4(strict.endpoint)
    s3.put_object(Bucket=strict_bucket, Key="keep", Body=b"original")
    before = _files(strict.data_dir)
    value = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    p = s3.generate_presigned_post(strict_bucket, "keep", Fields={"x-amz-checksum-sha256": value},
                                   Conditions=[["content-length-range", 0, 1024 * 1024],
                                               {"x-amz-checksum-sha256": value}])
    assert_error(post(p["url"], p["fields"], file=("f", b"z" * (2 * 1024 * 1024))), 400, "EntityTooLarge",
                 ProposedSize=2 * 1024 * 1024, MaxSizeAllowed=1024 * 1024)
    assert_error(post(p["url"], p["fields"], file=("f", b"z" * 300_000)), 400, "BadDigest")
    assert _files(strict.data_dir) == before
    assert s3.get_object(Bucket=strict_bucket, Key="keep")["Body"].read() == b"original"
