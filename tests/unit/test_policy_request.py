"""request/policy_request.py: the IAM actions of every operation (AWS's "Required permissions for
Amazon S3 API operations", userguide/using-with-s3-policy-actions.html, and each API page's
Permissions section), the resource ARN, and the condition keys read from real aiohttp requests."""

from __future__ import annotations

import calendar
import ssl
import subprocess
import time
from urllib.parse import urlsplit

import aiohttp
import botocore.session
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from botocore.config import Config
from botocore.credentials import Credentials

from s3mock.auth.identity import ANONYMOUS, Principal, User
from s3mock.config import Settings
from s3mock.operations import Op, query_names, split_target
from s3mock.request.ctx import Ctx
from s3mock.request.policy_keys import RequestKeys
from s3mock.request.policy_request import (actions, copy_source_actions, keys, policy_who,
                                           post_form_keys, post_object_actions, resource)
from s3mock.storage.base import Bucket, ObjectMeta

ALICE = User("AKALICE", "alice-secret", "111122223333", "alice")
AS_ALICE = Principal(ALICE)
BUCKET_OWNED = Bucket("b", 0.0, "444455556666", "us-east-1")

# The action(s) of a request with no versionId and none of the headers that add actions. Ops not
# in a general purpose bucket's policy language map to their own service's action (directory
# buckets: s3express:, Object Lambda: s3-object-lambda:); the preflight is answered before
# authentication and needs none.
EXPECTED: dict[Op, tuple[str, ...]] = {
    Op.ListBuckets: ("s3:ListAllMyBuckets",),
    Op.ListDirectoryBuckets: ("s3express:ListAllMyDirectoryBuckets",),
    Op.WriteGetObjectResponse: ("s3-object-lambda:WriteGetObjectResponse",),
    Op.CreateBucket: ("s3:CreateBucket",),
    Op.DeleteBucket: ("s3:DeleteBucket",),
    Op.HeadBucket: ("s3:ListBucket",),
    Op.ListObjects: ("s3:ListBucket",),
    Op.ListObjectsV2: ("s3:ListBucket",),
    Op.ListObjectVersions: ("s3:ListBucketVersions",),
    Op.ListMultipartUploads: ("s3:ListBucketMultipartUploads",),
    Op.DeleteObjects: ("s3:DeleteObject",),
    Op.PostObject: ("s3:PutObject",),
    Op.CreateSession: ("s3express:CreateSession",),
    Op.GetBucketAbac: ("s3:GetBucketAbac",),
    Op.PutBucketAbac: ("s3:PutBucketAbac",),
    Op.GetBucketAccelerateConfiguration: ("s3:GetAccelerateConfiguration",),
    Op.PutBucketAccelerateConfiguration: ("s3:PutAccelerateConfiguration",),
    Op.GetBucketAcl: ("s3:GetBucketAcl",),
    Op.PutBucketAcl: ("s3:PutBucketAcl",),
    Op.DeleteBucketAnalyticsConfiguration: ("s3:PutAnalyticsConfiguration",),
    Op.GetBucketAnalyticsConfiguration: ("s3:GetAnalyticsConfiguration",),
    Op.ListBucketAnalyticsConfigurations: ("s3:GetAnalyticsConfiguration",),
    Op.PutBucketAnalyticsConfiguration: ("s3:PutAnalyticsConfiguration",),
    Op.DeleteBucketCors: ("s3:PutBucketCORS",),
    Op.GetBucketCors: ("s3:GetBucketCORS",),
    Op.PutBucketCors: ("s3:PutBucketCORS",),
    Op.GetBucketDefaultStorageClass: ("s3:GetBucketDefaultStorageClass",),
    Op.PutBucketDefaultStorageClass: ("s3:PutBucketDefaultStorageClass",),
    Op.DeleteBucketEncryption: ("s3:PutEncryptionConfiguration",),
    Op.GetBucketEncryption: ("s3:GetEncryptionConfiguration",),
    Op.PutBucketEncryption: ("s3:PutEncryptionConfiguration",),
    Op.DeleteBucketIntelligentTieringConfiguration: ("s3:PutIntelligentTieringConfiguration",),
    Op.GetBucketIntelligentTieringConfiguration: ("s3:GetIntelligentTieringConfiguration",),
    Op.ListBucketIntelligentTieringConfigurations: ("s3:GetIntelligentTieringConfiguration",),
    Op.PutBucketIntelligentTieringConfiguration: ("s3:PutIntelligentTieringConfiguration",),
    Op.DeleteBucketInventoryConfiguration: ("s3:PutInventoryConfiguration",),
    Op.GetBucketInventoryConfiguration: ("s3:GetInventoryConfiguration",),
    Op.ListBucketInventoryConfigurations: ("s3:GetInventoryConfiguration",),
    Op.PutBucketInventoryConfiguration: ("s3:PutInventoryConfiguration",),
    Op.DeleteBucketLifecycle: ("s3:PutLifecycleConfiguration",),
    Op.GetBucketLifecycleConfiguration: ("s3:GetLifecycleConfiguration",),
    Op.PutBucketLifecycleConfiguration: ("s3:PutLifecycleConfiguration",),
    Op.GetBucketLocation: ("s3:GetBucketLocation",),
    Op.GetBucketLogging: ("s3:GetBucketLogging",),
    Op.PutBucketLogging: ("s3:PutBucketLogging",),
    Op.CreateBucketMetadataConfiguration: ("s3:CreateBucketMetadataTableConfiguration",),
    Op.DeleteBucketMetadataConfiguration: ("s3:DeleteBucketMetadataTableConfiguration",),
    Op.GetBucketMetadataConfiguration: ("s3:GetBucketMetadataTableConfiguration",),
    Op.UpdateBucketMetadataAnnotationTableConfiguration:
        ("s3:UpdateBucketMetadataAnnotationTableConfiguration",),
    Op.UpdateBucketMetadataInventoryTableConfiguration:
        ("s3:UpdateBucketMetadataInventoryTableConfiguration",),
    Op.UpdateBucketMetadataJournalTableConfiguration:
        ("s3:UpdateBucketMetadataJournalTableConfiguration",),
    Op.CreateBucketMetadataTableConfiguration: ("s3:CreateBucketMetadataTableConfiguration",),
    Op.DeleteBucketMetadataTableConfiguration: ("s3:DeleteBucketMetadataTableConfiguration",),
    Op.GetBucketMetadataTableConfiguration: ("s3:GetBucketMetadataTableConfiguration",),
    Op.DeleteBucketMetricsConfiguration: ("s3:PutMetricsConfiguration",),
    Op.GetBucketMetricsConfiguration: ("s3:GetMetricsConfiguration",),
    Op.ListBucketMetricsConfigurations: ("s3:GetMetricsConfiguration",),
    Op.PutBucketMetricsConfiguration: ("s3:PutMetricsConfiguration",),
    Op.GetBucketNotificationConfiguration: ("s3:GetBucketNotification",),
    Op.PutBucketNotificationConfiguration: ("s3:PutBucketNotification",),
    Op.GetObjectLockConfiguration: ("s3:GetBucketObjectLockConfiguration",),
    Op.PutObjectLockConfiguration: ("s3:PutBucketObjectLockConfiguration",),
    Op.DeleteBucketOwnershipControls: ("s3:PutBucketOwnershipControls",),
    Op.GetBucketOwnershipControls: ("s3:GetBucketOwnershipControls",),
    Op.PutBucketOwnershipControls: ("s3:PutBucketOwnershipControls",),
    Op.DeleteBucketPolicy: ("s3:DeleteBucketPolicy",),
    Op.GetBucketPolicy: ("s3:GetBucketPolicy",),
    Op.PutBucketPolicy: ("s3:PutBucketPolicy",),
    Op.GetBucketPolicyStatus: ("s3:GetBucketPolicyStatus",),
    Op.DeletePublicAccessBlock: ("s3:PutBucketPublicAccessBlock",),
    Op.GetPublicAccessBlock: ("s3:GetBucketPublicAccessBlock",),
    Op.PutPublicAccessBlock: ("s3:PutBucketPublicAccessBlock",),
    Op.DeleteBucketReplication: ("s3:PutReplicationConfiguration",),
    Op.GetBucketReplication: ("s3:GetReplicationConfiguration",),
    Op.PutBucketReplication: ("s3:PutReplicationConfiguration",),
    Op.GetBucketRequestPayment: ("s3:GetBucketRequestPayment",),
    Op.PutBucketRequestPayment: ("s3:PutBucketRequestPayment",),
    Op.DeleteBucketTagging: ("s3:PutBucketTagging",),
    Op.GetBucketTagging: ("s3:GetBucketTagging",),
    Op.PutBucketTagging: ("s3:PutBucketTagging",),
    Op.GetBucketVersioning: ("s3:GetBucketVersioning",),
    Op.PutBucketVersioning: ("s3:PutBucketVersioning",),
    Op.DeleteBucketWebsite: ("s3:DeleteBucketWebsite",),
    Op.GetBucketWebsite: ("s3:GetBucketWebsite",),
    Op.PutBucketWebsite: ("s3:PutBucketWebsite",),
    Op.PutObject: ("s3:PutObject",),
    Op.CopyObject: ("s3:PutObject",),
    Op.GetObject: ("s3:GetObject",),
    Op.HeadObject: ("s3:GetObject",),
    Op.DeleteObject: ("s3:DeleteObject",),
    Op.RenameObject: ("s3express:CreateSession",),
    Op.GetObjectAcl: ("s3:GetObjectAcl",),
    Op.PutObjectAcl: ("s3:PutObjectAcl",),
    Op.DeleteObjectAnnotation: ("s3:DeleteObjectAnnotation",),
    Op.GetObjectAnnotation: ("s3:GetObjectAnnotation",),
    Op.ListObjectAnnotations: ("s3:ListObjectAnnotations",),
    Op.PutObjectAnnotation: ("s3:PutObjectAnnotation",),
    Op.GetObjectAttributes: ("s3:GetObject", "s3:GetObjectAttributes"),
    Op.UpdateObjectEncryption: ("s3:UpdateObjectEncryption",),
    Op.GetObjectLegalHold: ("s3:GetObjectLegalHold",),
    Op.PutObjectLegalHold: ("s3:PutObjectLegalHold",),
    Op.RestoreObject: ("s3:RestoreObject",),
    Op.GetObjectRetention: ("s3:GetObjectRetention",),
    Op.PutObjectRetention: ("s3:PutObjectRetention",),
    Op.SelectObjectContent: ("s3:GetObject",),
    Op.DeleteObjectTagging: ("s3:DeleteObjectTagging",),
    Op.GetObjectTagging: ("s3:GetObjectTagging",),
    Op.PutObjectTagging: ("s3:PutObjectTagging",),
    Op.GetObjectTorrent: ("s3:GetObjectTorrent",),
    Op.CreateMultipartUpload: ("s3:PutObject",),
    Op.UploadPart: ("s3:PutObject",),
    Op.UploadPartCopy: ("s3:PutObject",),
    Op.CompleteMultipartUpload: ("s3:PutObject",),
    Op.AbortMultipartUpload: ("s3:AbortMultipartUpload",),
    Op.ListParts: ("s3:ListMultipartUploadParts",),
    Op.GetPart: ("s3:GetObject",),
    Op.Preflight: (),
}

# With ?versionId=: every operation that names a version has its own action.
VERSIONED = {
    Op.GetObject: ("s3:GetObjectVersion",),
    Op.HeadObject: ("s3:GetObjectVersion",),
    Op.GetPart: ("s3:GetObjectVersion",),
    Op.DeleteObject: ("s3:DeleteObjectVersion",),
    Op.GetObjectAcl: ("s3:GetObjectVersionAcl",),
    Op.PutObjectAcl: ("s3:PutObjectVersionAcl",),
    Op.GetObjectTagging: ("s3:GetObjectVersionTagging",),
    Op.PutObjectTagging: ("s3:PutObjectVersionTagging",),
    Op.DeleteObjectTagging: ("s3:DeleteObjectVersionTagging",),
    Op.GetObjectAttributes: ("s3:GetObjectVersion", "s3:GetObjectVersionAttributes"),
    Op.GetObjectTorrent: ("s3:GetObjectVersionTorrent",),
}


def make_ctx(op: Op, target: str = "/b/k", headers: dict | None = None,
             principal: Principal = AS_ALICE, store=None, method: str = "GET", **request) -> Ctx:
    """A Ctx as dispatch builds it, over a real aiohttp request for `target` (path and query)."""
    req = make_mocked_request(method, target, headers=headers or {}, **request)
    path, _, raw_query = target.partition("?")
    bucket, key = split_target("127.0.0.1", path, "")
    return Ctx(req, Settings(), store, op, bucket, key, principal, "RID",
               query_names=query_names(raw_query) if raw_query else ())


def test_every_operation_has_its_actions():
    missing = [op.name for op in Op if op not in EXPECTED]
    assert not missing, f"operations with no expected actions: {missing}"
    for op in Op:
        assert actions(make_ctx(op)) == EXPECTED[op], op.name


@pytest.mark.parametrize("op", list(Op), ids=lambda op: op.name)
def test_version_id_names_the_version_action(op):
    assert actions(make_ctx(op, "/b/k?versionId=3HL4kqtJlcpXroDTDmJ")) == VERSIONED.get(op, EXPECTED[op])


def test_common_requests_allocate_nothing():
    """The plain cases answer the table's own tuple: a dict look-up, no tuple built per request."""
    from s3mock.request.policy_request import ACTIONS, VERSION_ACTIONS
    assert actions(make_ctx(Op.GetObject)) is ACTIONS[Op.GetObject]
    assert actions(make_ctx(Op.PutObject)) is ACTIONS[Op.PutObject]
    assert actions(make_ctx(Op.GetObject, "/b/k?versionId=v")) is VERSION_ACTIONS[Op.GetObject]


@pytest.mark.parametrize("op", [Op.PutObject, Op.CopyObject, Op.CreateMultipartUpload])
@pytest.mark.parametrize("headers, expected", [
    ({"x-amz-tagging": "Project=blue"}, ("s3:PutObject", "s3:PutObjectTagging")),
    ({"x-amz-acl": "public-read"}, ("s3:PutObject", "s3:PutObjectAcl")),
    ({"x-amz-grant-read": 'id="111122223333"'}, ("s3:PutObject", "s3:PutObjectAcl")),
    ({"X-Amz-Grant-Full-Control": "id=1"}, ("s3:PutObject", "s3:PutObjectAcl")),
    ({"x-amz-tagging": "a=1", "x-amz-acl": "private"},
     ("s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl")),
    ({"x-amz-meta-tagging": "no", "x-amz-storage-class": "STANDARD"}, ("s3:PutObject",)),
])
def test_object_writes_with_tags_or_acl(op, headers, expected):
    # API_PutObject.html, Permissions: s3:PutObjectAcl to set the ACL, s3:PutObjectTagging the tags
    assert actions(make_ctx(op, headers=headers, method="PUT")) == expected


@pytest.mark.parametrize("headers, expected", [
    ({}, ("s3:CreateBucket",)),
    ({"x-amz-acl": "private"}, ("s3:CreateBucket",)),
    ({"x-amz-acl": "public-read"}, ("s3:CreateBucket", "s3:PutBucketAcl")),
    ({"x-amz-grant-write": "uri=x"}, ("s3:CreateBucket", "s3:PutBucketAcl")),
    ({"x-amz-bucket-object-lock-enabled": "True"},
     ("s3:CreateBucket", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning")),
    ({"x-amz-bucket-object-lock-enabled": "false"}, ("s3:CreateBucket",)),
    ({"x-amz-object-ownership": "BucketOwnerEnforced"},
     ("s3:CreateBucket", "s3:PutBucketOwnershipControls")),
])
def test_create_bucket_headers(headers, expected):
    # API_CreateBucket.html, Permissions
    assert actions(make_ctx(Op.CreateBucket, "/b", headers, method="PUT")) == expected


@pytest.mark.parametrize("op, target, expected", [
    (Op.DeleteObject, "/b/k", ("s3:DeleteObject", "s3:BypassGovernanceRetention")),
    (Op.DeleteObject, "/b/k?versionId=v", ("s3:DeleteObjectVersion", "s3:BypassGovernanceRetention")),
    (Op.DeleteObjects, "/b?delete", ("s3:DeleteObject", "s3:BypassGovernanceRetention")),
    (Op.PutObjectRetention, "/b/k?retention", ("s3:PutObjectRetention", "s3:BypassGovernanceRetention")),
])
def test_governance_bypass_needs_its_own_action(op, target, expected):
    # API_PutObjectRetention.html: "Bypassing a Governance Retention configuration requires the
    # s3:BypassGovernanceRetention permission"
    bypass = {"x-amz-bypass-governance-retention": "true"}
    assert actions(make_ctx(op, target, bypass)) == expected
    assert actions(make_ctx(op, target)) == expected[:1]


def test_copy_source_and_post_form():
    assert copy_source_actions(False) == ("s3:GetObject",)
    assert copy_source_actions(True) == ("s3:GetObjectVersion",)
    assert post_object_actions({"key": "k", "policy": "p"}) == ("s3:PutObject",)
    assert post_object_actions({"Key": "k", "acl": "public-read", "Tagging": "<Tagging/>"}) == (
        "s3:PutObject", "s3:PutObjectTagging", "s3:PutObjectAcl")


def test_resource_arns():
    assert resource("b", None) == "arn:aws:s3:::b"
    assert resource("b", "a/b c.txt") == "arn:aws:s3:::b/a/b c.txt"
    assert resource("b", "") == "arn:aws:s3:::b/"
    assert resource(None, None) == "*"


def test_policy_who():
    assert policy_who(ANONYMOUS) == (None, None, None)
    assert policy_who(AS_ALICE) == ("111122223333", "111122223333", "arn:aws:iam::111122223333:root")


# ---- condition keys ---------------------------------------------------------------------------

def ask(ctx: Ctx, *names: str, obj=None, **kw) -> dict:
    k = keys(ctx, obj, **kw)
    return {name: k(name) for name in names}


def _answer_keys(names: tuple[str, ...]):
    async def handler(request: web.Request) -> web.Response:
        ctx = Ctx(request, Settings(), None, Op.GetObject, "b", "k", ANONYMOUS, "RID")
        k = keys(ctx, None)
        return web.json_response({name: k(name) for name in names})
    return handler


NETWORK = ("aws:sourceip", "aws:securetransport", "s3:tlsversion", "aws:useragent", "aws:referer")


async def test_keys_over_plain_http(aiohttp_server):
    # aws:SecureTransport "is always included in the request context": "false" over HTTP
    app = web.Application()
    app.router.add_get("/{tail:.*}", _answer_keys(NETWORK))
    server = await aiohttp_server(app, host="127.0.0.1")
    async with aiohttp.ClientSession() as session:
        async with session.get(server.make_url("/b/k"), headers={"Referer": "https://site/"}) as r:
            got = await r.json()
    assert got["aws:sourceip"] == ["127.0.0.1"]
    assert got["aws:securetransport"] == ["false"]
    assert got["s3:tlsversion"] is None
    assert got["aws:useragent"][0].startswith("Python/")      # aiohttp's own User-Agent
    assert got["aws:referer"] == ["https://site/"]


@pytest.fixture
def tls_context(tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


async def test_keys_over_tls(aiohttp_server, tls_context):
    app = web.Application()
    app.router.add_get("/{tail:.*}", _answer_keys(NETWORK))
    server = await aiohttp_server(app, host="127.0.0.1", ssl=tls_context)
    async with aiohttp.ClientSession() as session:
        async with session.get(server.make_url("/b/k"), ssl=False) as r:
            got = await r.json()
    assert got["aws:securetransport"] == ["true"]
    assert got["s3:tlsversion"][0] in ("1.2", "1.3")        # Numeric, as TlsVersion policies compare
    assert got["aws:referer"] is None


SIGNING = ("s3:signatureversion", "s3:authtype", "s3:signatureage")
CREDENTIALS = Credentials("AKALICE", "alice-secret")


def _presigned(signature_version: str) -> str:
    client = botocore.session.get_session().create_client(
        "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="AKALICE", aws_secret_access_key="alice-secret",
        config=Config(signature_version=signature_version, s3={"addressing_style": "path"}))
    url = urlsplit(client.generate_presigned_url("get_object", {"Bucket": "b", "Key": "k"}, 300))
    return f"{url.path}?{url.query}"


def test_signature_keys_of_a_sigv4_header():
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    request = AWSRequest("GET", "http://127.0.0.1:9/b/k")
    S3SigV4Auth(CREDENTIALS, "s3", "us-east-1").add_auth(request)
    headers = dict(request.headers.items())
    got = ask(make_ctx(Op.GetObject, headers=headers), *SIGNING, "s3:x-amz-content-sha256")
    assert got == {"s3:signatureversion": ("AWS4-HMAC-SHA256",), "s3:authtype": ("REST-HEADER",),
                   "s3:signatureage": None,       # "works only for presigned URLs"
                   "s3:x-amz-content-sha256": (headers["X-Amz-Content-SHA256"],)}


def test_signature_keys_of_a_sigv2_header():
    got = ask(make_ctx(Op.GetObject, headers={"Authorization": "AWS AKALICE:c2lnbmF0dXJl"}), *SIGNING)
    assert got == {"s3:signatureversion": ("AWS",), "s3:authtype": ("REST-HEADER",),
                   "s3:signatureage": None}


def test_signature_keys_of_a_presigned_sigv4_url():
    target = _presigned("s3v4")
    ctx = make_ctx(Op.GetObject, target)
    signed_at = ctx.query["X-Amz-Date"]
    now = calendar.timegm(time.strptime(signed_at, "%Y%m%dT%H%M%SZ")) + 1.5
    k = RequestKeys(ctx, None, now=now)
    assert k("s3:signatureversion") == ("AWS4-HMAC-SHA256",)
    assert k("s3:authtype") == ("REST-QUERY-STRING",)
    assert k("s3:signatureage") == ("1500",)


def test_signature_keys_of_a_presigned_sigv2_url():
    got = ask(make_ctx(Op.GetObject, _presigned("s3")), *SIGNING)
    # "In Signature Version 2, this value is always set to 0."
    assert got == {"s3:signatureversion": ("AWS",), "s3:authtype": ("REST-QUERY-STRING",),
                   "s3:signatureage": ("0",)}


def test_anonymous_requests_have_no_principal_or_signature_keys():
    got = ask(make_ctx(Op.GetObject, principal=ANONYMOUS), *SIGNING, "aws:principalarn",
              "aws:principalaccount", "aws:userid", "aws:principaltype", "aws:principalisawsservice")
    assert got == {"s3:signatureversion": None, "s3:authtype": None, "s3:signatureage": None,
                   "aws:principalarn": None, "aws:principalaccount": None, "aws:userid": None,
                   "aws:principaltype": ("Anonymous",), "aws:principalisawsservice": None}


def test_principal_keys_of_a_user():
    got = ask(make_ctx(Op.GetObject), "aws:principalarn", "aws:principalaccount", "aws:userid",
              "aws:principaltype", "aws:principalisawsservice", "aws:viaawsservice",
              "aws:requestedregion", "aws:username")
    assert got == {"aws:principalarn": ("arn:aws:iam::111122223333:root",),
                   "aws:principalaccount": ("111122223333",), "aws:userid": ("111122223333",),
                   "aws:principaltype": ("Account",), "aws:principalisawsservice": ("false",),
                   "aws:viaawsservice": ("false",), "aws:requestedregion": ("us-east-1",),
                   "aws:username": None}       # not present for an account's root


def test_time_keys():
    k = RequestKeys(make_ctx(Op.GetObject), None, now=1767225600.75)
    assert k("aws:currenttime") == ("2026-01-01T00:00:00Z",)
    assert k("aws:epochtime") == ("1767225600",)


@pytest.mark.parametrize("op, target, expected", [
    (Op.ListObjectsV2, "/b?list-type=2&prefix=&delimiter=%2F&max-keys=10", ("", "/", "10")),
    (Op.ListObjects, "/b?prefix=home%2Fbob%2F", ("home/bob/", None, None)),
    (Op.ListObjectVersions, "/b?versions&max-keys=5", (None, None, "5")),
    (Op.ListObjectsV2, "/b?list-type=2", (None, None, None)),      # absent, not empty
    (Op.GetObject, "/b/k?prefix=x&max-keys=1", (None, None, None)),  # list operations only
])
def test_list_keys(op, target, expected):
    got = ask(make_ctx(op, target), "s3:prefix", "s3:delimiter", "s3:max-keys")
    assert tuple(v[0] if v is not None else None for v in got.values()) == expected


def test_header_keys():
    headers = {"x-amz-acl": "bucket-owner-full-control", "x-amz-grant-read": "id=111122223333",
               "x-amz-server-side-encryption": "aws:kms",
               "x-amz-server-side-encryption-aws-kms-key-id": "arn:aws:kms:us-east-1:1:key/k",
               "x-amz-server-side-encryption-customer-algorithm": "AES256",
               "x-amz-storage-class": "STANDARD_IA", "x-amz-metadata-directive": "REPLACE",
               "x-amz-object-lock-mode": "GOVERNANCE", "x-amz-object-lock-legal-hold": "ON",
               "x-amz-object-lock-retain-until-date": "2026-01-11T00:00:00Z"}
    k = RequestKeys(make_ctx(Op.PutObject, headers=headers, method="PUT"), None, now=1767225600.0)
    for header, value in headers.items():
        # s3:<header>, but s3:object-lock-<name> for x-amz-object-lock-<name>
        name = "s3:" + (header[6:] if header.startswith("x-amz-object-lock") else header)
        assert k(name) == (value,), name
    assert k("s3:object-lock-remaining-retention-days") == ("10",)
    assert k("s3:x-amz-grant-full-control") is None
    assert k("s3:x-amz-website-redirect-location") is None


def test_copy_source_and_version_keys():
    ctx = make_ctx(Op.CopyObject, "/b/k", {"x-amz-copy-source": "/src/a%20b.txt?versionId=v1"},
                   method="PUT")
    assert ask(ctx, "s3:x-amz-copy-source")["s3:x-amz-copy-source"] == ("src/a b.txt",)
    boto_style = make_ctx(Op.UploadPartCopy, "/b/k?partNumber=1&uploadId=u",
                          {"x-amz-copy-source": "src/public/x.jpg"}, method="PUT")
    assert keys(boto_style, None)("s3:x-amz-copy-source") == ("src/public/x.jpg",)
    put = make_ctx(Op.PutObject, headers={"x-amz-copy-source": "/src/k"}, method="PUT")
    assert keys(put, None)("s3:x-amz-copy-source") is None
    assert keys(make_ctx(Op.GetObject, "/b/k?versionId=3HL4"), None)("s3:versionid") == ("3HL4",)
    assert keys(make_ctx(Op.GetObject), None)("s3:versionid") is None


def test_conditional_write_keys():
    headers = {"If-None-Match": "*", "If-Match": '"abc"'}
    put = keys(make_ctx(Op.PutObject, headers=headers, method="PUT"), None)
    assert (put("s3:if-none-match"), put("s3:if-match")) == (("*",), ('"abc"',))
    complete = keys(make_ctx(Op.CompleteMultipartUpload, "/b/k?uploadId=u", {"If-None-Match": "*"},
                             method="POST"), None)
    assert complete("s3:if-none-match") == ("*",)
    get = keys(make_ctx(Op.GetObject, headers=headers), None)
    assert get("s3:if-none-match") is None


def test_tag_keys():
    obj = ObjectMeta("b", "k", 0, "e", 0.0, "o", tags={"Project": "blue", "env": ""})
    put = make_ctx(Op.PutObject, headers={"x-amz-tagging": "Project=red&Cost%20Center=12"},
                   method="PUT")
    k = keys(put, obj)
    assert k("s3:existingobjecttag/Project") == ("blue",)
    assert k("s3:existingobjecttag/env") == ("",)
    assert k("s3:existingobjecttag/project") is None          # tag keys are case-sensitive
    assert k("s3:requestobjecttag/Cost Center") == ("12",)
    assert k("s3:requestobjecttagkeys") == ("Project", "Cost Center")
    plain = keys(make_ctx(Op.PutObject, method="PUT"), None)
    assert plain("s3:requestobjecttag/Project") is None
    assert plain("s3:requestobjecttagkeys") is None
    assert plain("s3:existingobjecttag/Project") is None
    body = keys(make_ctx(Op.PutObjectTagging, "/b/k?tagging", method="PUT"), obj,
                request_tags={"team": "a"})
    assert body("s3:requestobjecttag/team") == ("a",)
    assert body("s3:requestobjecttagkeys") == ("team",)


def test_resource_account(store):
    from s3mock.auth.identity import account_id_of
    ctx = make_ctx(Op.GetObject, store=store)
    assert keys(ctx, None)("s3:resourceaccount") == (account_id_of("owner"),)
    assert keys(ctx, None, bucket=BUCKET_OWNED)("aws:resourceaccount") == ("444455556666",)
    assert keys(make_ctx(Op.GetObject, "/nobucket/k", store=store), None)("s3:resourceaccount") is None


class NoStore:
    def __getattr__(self, name):
        raise AssertionError(f"the store was read ({name})")


def test_keys_are_lazy_and_handler_keys_override():
    """Building the keys reads nothing; a handler's own (a POST form's) win over the request's."""
    k = keys(make_ctx(Op.PostObject, "/b", store=NoStore(), method="POST"), None,
             extra={"s3:authtype": ("POST",), "s3:signatureversion": ("AWS4-HMAC-SHA256",),
                    "s3:locationconstraint": ("eu-west-1",)})
    assert k("s3:authtype") == ("POST",)
    assert k("s3:locationconstraint") == ("eu-west-1",)
    assert k("s3:no-such-key") is None
    assert k("aws:securetransport") == ("false",)


def test_post_form_keys_describe_the_forms_signer():
    """PostObject is dispatched unsigned; once the form is read, its signer and fields are the keys."""
    fields = {"key": "k", "X-Amz-Algorithm": "AWS4-HMAC-SHA256", "acl": "public-read",
              "x-amz-storage-class": "GLACIER", "x-amz-object-lock-mode": "COMPLIANCE",
              "Policy": "e30=", "x-amz-signature": "s"}
    ctx = make_ctx(Op.PostObject, "/b", principal=ANONYMOUS, method="POST")
    k = keys(ctx, None, extra=post_form_keys(fields), principal=AS_ALICE,
             request_tags={"Project": "blue"})
    assert k("s3:authtype") == ("POST",)
    assert k("s3:signatureversion") == ("AWS4-HMAC-SHA256",)
    assert k("s3:x-amz-acl") == ("public-read",)
    assert k("s3:x-amz-storage-class") == ("GLACIER",)
    assert k("s3:object-lock-mode") == ("COMPLIANCE",)
    assert k("aws:principalarn") == ("arn:aws:iam::111122223333:root",)
    assert k("s3:requestobjecttagkeys") == ("Project",)
    assert post_form_keys({"AWSAccessKeyId": "AK", "signature": "s"})["s3:signatureversion"] == ("AWS",)
    assert post_form_keys({"key": "k"}) == {}       # an anonymous form: no signature keys
