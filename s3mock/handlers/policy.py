"""Bucket policy subresources: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus. The policy
is validated by auth/policy.py and enforced by request/decide.py."""

from __future__ import annotations

from aiohttp import web

from s3mock import xml
from s3mock.auth import bucket_controls as bc
from s3mock.auth import policy
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx
from s3mock.request.decide import parsed_policy

# Larger documents reach policy.parse, which answers S3's error for a policy over 20 KB; past
# this the body is not read at all.
MAX_BYTES = 1024 * 1024


@handles(Op.PutBucketPolicy)
async def put_bucket_policy(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketPolicy.html: 204. A public
    policy on a bucket that blocks public policies is 403 AccessDenied (BlockPublicPolicy;
    access-control-block-public-access.html), as CloudFormation and CDK users meet it
    (aws/aws-cdk#3102: "API: s3:PutBucketPolicy Access Denied")."""
    b = ctx.require_bucket()
    document = await read_all(ctx, MAX_BYTES)
    parsed = policy.parse(document, b.name)
    pab = bc.pab_from_row(b.public_access_block)
    if pab is not None and pab.block_public_policy and parsed.public:
        raise S3Error("AccessDenied")
    ctx.store.set_bucket_config(b.name, policy=parsed.text)
    return empty(204)


@handles(Op.GetBucketPolicy)
async def get_bucket_policy(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html: the document
    as it was PUT."""
    b = ctx.require_bucket()
    if b.policy is None:
        raise S3Error("NoSuchBucketPolicy", BucketName=b.name)
    return web.Response(body=b.policy.encode(), content_type="application/json")


@handles(Op.DeleteBucketPolicy)
async def delete_bucket_policy(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html: 204, also
    when there was none."""
    b = ctx.require_bucket()
    if b.policy is not None:
        ctx.store.set_bucket_config(b.name, policy=None)
    return empty(204)


@handles(Op.GetBucketPolicyStatus)
async def get_bucket_policy_status(ctx: Ctx) -> web.Response:
    """https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicyStatus.html: whether
    the bucket policy is public; NoSuchBucketPolicy without one (a CloudTrail record of AWS's
    answer is quoted in turbot/steampipe-plugin-aws#1136). ACLs do not count: the status is the
    policy's (s3-tests' test_get_public_acl_bucket_policy_status expects otherwise)."""
    b = ctx.require_bucket()
    if b.policy is None:
        raise S3Error("NoSuchBucketPolicy", BucketName=b.name)
    public = parsed_policy(b.policy, b.name).public
    return web.Response(body=xml.render("PolicyStatus", [("IsPublic", public)]),
                        content_type="application/xml")
