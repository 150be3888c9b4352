"""Whether a bucket-policy statement is "public" as S3 judges it. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
("The meaning of public"): "Amazon S3 begins by assuming that the policy is public. ... To be
considered non-public, a bucket policy must grant access only to fixed values (values that
don't contain a wildcard or an AWS Identity and Access Management Policy Variable)" of a
principal, a set of CIDRs using aws:SourceIp, aws:SourceArn, aws:SourceVpc, aws:SourceVpce,
aws:SourceOwner, aws:SourceAccount, s3:x-amz-server-side-encryption-aws-kms-key-id, aws:userid
(outside the pattern "AROLEID:*"), s3:DataAccessPointArn, s3:DataAccessPointAccount,
aws:PrincipalOrgID (and the principal keys aws:PrincipalAccount, aws:PrincipalArn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from s3mock.auth.policy_conditions import Condition, _network

if TYPE_CHECKING:
    from s3mock.auth.policy import Statement

FIXED_KEYS = frozenset((
    "aws:sourcearn", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceowner", "aws:sourceaccount",
    "aws:principalorgid", "aws:principalaccount", "aws:principalarn", "aws:userid",
    "s3:x-amz-server-side-encryption-aws-kms-key-id", "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount"))


def is_public(statement: Statement) -> bool:
    """An Allow to everyone (Principal "*", {"AWS": "*"} or a NotPrincipal) that no condition
    confines to fixed values."""
    principal = statement.principal
    if statement.effect != "Allow" or not (principal.everyone or principal.negated):
        return False
    return not any(fixes(c) for c in statement.conditions)


def fixes(c: Condition) -> bool:
    """Whether the condition holds a request to fixed values of a key that confines it. A
    condition a request without the key satisfies (negated, IfExists, ForAllValues) confines
    nothing."""
    if c.negated or c.if_exists or c.qualifier == "all" or any("${" in v for v in c.values):
        return False
    if c.lookup == "aws:sourceip":
        # DERIVED: a range as wide as 0.0.0.0/0 confines nothing; like the mantle emulator's
        # reading of S3, ranges broader than /8 (IPv4) or /32 (IPv6) count as public.
        networks = [_network(v) for v in c.values]
        return c.family == "ip" and all(
            n is not None and n.prefixlen >= (8 if n.version == 4 else 32) for n in networks)
    if c.lookup not in FIXED_KEYS or c.family not in ("string", "istring", "like", "arn"):
        return False
    return not any("*" in v or "?" in v for v in c.values) if c.family in ("like", "arn") else True
