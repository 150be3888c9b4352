"""`--auth strict`: the Authorization, date and presigned-expiry cases of s3-tests' test_headers.py
and test_s3.py, as they reach the wire from current botocore, and Amazon S3's answer to each.

Where the suite disagrees with AWS, AWS wins (the README's s3-tests section lists them):
- botocore deletes any Authorization header before it signs (botocore/auth.py,
  SigV4Auth._modify_request_before_signing and HmacV1Auth._inject_signature), so the suite's
  *_bad_authorization_{empty,none,incorrect,invalid}* send validly signed requests: S3 accepts them.
  Sent raw on the wire (as boto2 did when the suite recorded S3's answers) they are refused here.
- X-Amz-Expires out of range is 400 AuthorizationQueryParametersError on AWS, not the suite's 403:
  "X-Amz-Expires must be non-negative" (noobaa/noobaa-core#8873, checked against AWS), "... must be
  less than a week" (bryanjos/aws_auth#31, minio/minio#5162 quote AWS's bodies).
"""

from __future__ import annotations

import uuid

import pytest
import requests

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from signing import TIMEOUT, boto, error_of
from support import ACCESS_KEY, SECRET_KEY, start_server

INVALID_DATE = "AWS authentication requires a valid Date or x-amz-date header"


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("auth-edges"), "--auth", "strict")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def s3(strict):
    return boto(strict.endpoint, signature_version="s3v4")


@pytest.fixture
def bucket(s3):
    name = f"ae-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    return name


def edited(client, event: str, add: dict | None = None, remove: str | None = None):
    """The client with s3-tests' edit made to the headers before botocore signs."""
    def edit(params, **kw):
        params["headers"].update(add or {})
        params["headers"].pop(remove, None)
    client.meta.events.register(event, edit)
    return client


# -- Authorization --------------------------------------------------------------------------------

@pytest.mark.parametrize("signature_version,add,remove", [
    ("s3v4", {"Authorization": ""}, None),            # test_object_create_bad_authorization_empty
    ("s3v4", None, "Authorization"),                   # ..._none
    ("s3", {"Authorization": "AWS AKIAIGR7ZNNBHC5BKSUB:FWeDfwojDSdS2Ztmpfeubhd9isU="}, None),  # _incorrect_aws2
    ("s3", {"Authorization": "AWS HAHAHA"}, None),     # _invalid_aws2
    ("s3", None, "x-amz-date"),                        # test_object_create_bad_date_none_aws2
], ids=["v4-empty", "v4-none", "v2-incorrect", "v2-invalid", "v2-no-x-amz-date"])
def test_botocore_replaces_the_edited_authorization_so_s3_accepts(strict, bucket, signature_version, add, remove):
    for event in ("before-call.s3.PutObject", "before-call.s3.CreateBucket"):
        client = edited(boto(strict.endpoint, signature_version=signature_version), event, add, remove)
        client.put_object(Bucket=bucket, Key="foo", Body=b"bar")
        client.create_bucket(Bucket=f"{bucket}-b")
        client.delete_bucket(Bucket=f"{bucket}-b")


def test_empty_authorization_on_the_wire_is_anonymous(strict, bucket):
    """An empty Authorization is an anonymous request on AWS: 403 AccessDenied "Access Denied"
    (storj/edge#142, curl against AWS; boto2-era s3-tests recorded the same)."""
    resp = requests.put(f"{strict.endpoint}/{bucket}/foo", data=b"bar", headers={"Authorization": ""},
                        timeout=TIMEOUT)
    assert resp.status_code == 403
    assert error_of(resp)[:2] == [("Code", "AccessDenied"), ("Message", "Access Denied")]


@pytest.mark.parametrize("auth,message", [
    ("AWS HAHAHA", "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature"),
    ("AWS  test:c2lnbmF0dXJl", "Authorization header is invalid -- one and only one ' ' (space) required"),
])
def test_malformed_v2_authorization_on_the_wire(strict, bucket, auth, message):
    resp = requests.put(f"{strict.endpoint}/{bucket}/foo", data=b"bar", timeout=TIMEOUT,
                        headers={"Authorization": auth, "Date": "Tue, 07 Jul 2010 21:53:04 GMT"})
    assert resp.status_code == 400
    assert error_of(resp)[:4] == [("Code", "InvalidArgument"), ("Message", message),
                                  ("ArgumentName", "Authorization"), ("ArgumentValue", auth)]


# -- SigV2 dates ------------------------------------------------------------------------------------

@pytest.mark.parametrize("x_amz_date,code,message", [
    ("", "AccessDenied", INVALID_DATE),                              # test_*_bad_date_empty_aws2
    ("Bad Date", "AccessDenied", INVALID_DATE),                      # _invalid_aws2
    ("Tue, 07 Jul 1950 21:53:04 GMT", "AccessDenied", INVALID_DATE),  # _before_epoch_aws2
    ("Tue, 07 Jul 2010 21:53:04 GMT", "RequestTimeTooSkewed",         # _before_today_aws2
     "The difference between the request time and the current time is too large."),
])
def test_v2_x_amz_date_is_the_request_time_even_beside_a_valid_date(strict, bucket, x_amz_date, code, message):
    """botocore signs a Date header and leaves s3-tests' x-amz-date on the request: S3 reads the
    time from x-amz-date whenever it is sent (RESTAuthentication.html)."""
    client = edited(boto(strict.endpoint, signature_version="s3"), "before-call.s3.PutObject",
                    {"x-amz-date": x_amz_date})
    captured = {}
    client.meta.events.register("after-call.s3", lambda http_response, **kw: captured.update(r=http_response))
    with pytest.raises(Exception):
        client.put_object(Bucket=bucket, Key="foo", Body=b"bar")
    resp = captured["r"]
    assert resp.status_code == 403
    assert error_of(resp)[:2] == [("Code", code), ("Message", message)]


# -- presigned expiry ---------------------------------------------------------------------------------

def presigned(strict, method: str, path: str, expires: int) -> str:
    """botocore's SigV4 query signer, as s3-tests' boto3 (without awscrt) presigns: any
    X-Amz-Expires, zero and negative included (awscrt's signer refuses those)."""
    request = AWSRequest(method=method, url=f"{strict.endpoint}{path}")
    S3SigV4QueryAuth(Credentials(ACCESS_KEY, SECRET_KEY), "s3", "us-east-1", expires=expires).add_auth(request)
    return request.url


@pytest.mark.parametrize("method,expires,message", [
    ("GET", -7, "X-Amz-Expires must be non-negative"),        # ..._x_amz_expires_out_positive_range
    ("PUT", -1000, "X-Amz-Expires must be non-negative"),     # test_object_raw_put_authenticated_expired
    ("GET", 609901, "X-Amz-Expires must be less than a week (in seconds); that is, the given "
                    "X-Amz-Expires must be less than 604800 seconds"),   # ..._out_max_range
])
def test_presigned_expiry_out_of_range_is_400(strict, s3, bucket, method, expires, message):
    s3.put_object(Bucket=bucket, Key="foo", Body=b"bar")
    url = presigned(strict, method, f"/{bucket}/foo", expires)
    resp = requests.request(method, url, data=b"new", timeout=TIMEOUT)
    assert resp.status_code == 400
    assert error_of(resp) == [("Code", "AuthorizationQueryParametersError"), ("Message", message)]
    assert s3.get_object(Bucket=bucket, Key="foo")["Body"].read() == b"bar"


def test_presigned_expiry_of_zero_has_expired(strict, s3, bucket):
    """test_object_raw_get_x_amz_expires_out_range_zero: 403, "Request has expired"."""
    s3.put_object(Bucket=bucket, Key="foo", Body=b"bar")
    resp = requests.get(presigned(strict, "GET", f"/{bucket}/foo", 0), timeout=TIMEOUT)
    assert resp.status_code == 403
    assert error_of(resp)[:3] == [("Code", "AccessDenied"), ("Message", "Request has expired"),
                                  ("X-Amz-Expires", "0")]


def test_presigned_v2_expires_that_is_not_a_number(strict, bucket):
    v2 = boto(strict.endpoint, signature_version="s3")
    url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "foo"}, ExpiresIn=60)
    resp = requests.get(url.replace("Expires=", "Expires=x"), timeout=TIMEOUT)
    assert resp.status_code == 403
    assert error_of(resp)[:1] == [("Code", "AccessDenied")]
    assert error_of(resp)[1][1].startswith("Invalid date (should be seconds since epoch): x")
