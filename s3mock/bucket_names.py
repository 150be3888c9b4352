"""What S3 accepts as a bucket name (CreateBucket and the seed buckets of the configuration)."""

from __future__ import annotations

import ipaddress
import re

_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def valid_bucket_name(name: str) -> bool:
    """https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html"""
    if not _NAME.match(name) or ".." in name or ".-" in name or "-." in name:
        return False
    if name.startswith(("xn--", "sthree-", "amzn-s3-demo-")) or name.endswith(("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")):
        return False
    try:
        ipaddress.IPv4Address(name)
        return False
    except ValueError:
        return True
