"""Who a request acts as: a configured user, or anonymous. Pure: no aiohttp, no I/O."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple


@dataclass(frozen=True)
class User:
    """A configured user: its keys and the canonical id its grants and objects name."""
    access_key: str
    secret_key: str
    canonical_id: str
    display_name: str

    @cached_property
    def account_id(self) -> str:
        """The 12-digit AWS account id a bucket policy names this user by: each user is an
        account of its own. A canonical id of 12 digits is its own account id; any other maps to
        digits taken from its SHA-256, stable across restarts."""
        return account_id_of(self.canonical_id)

    @cached_property
    def arn(self) -> str:
        """aws:PrincipalArn: the user acts as its account's root."""
        return f"arn:aws:iam::{self.account_id}:root"


_DIGITS12 = re.compile(r"[0-9]{12}")


def account_id_of(canonical_id: str) -> str:
    if _DIGITS12.fullmatch(canonical_id):
        return canonical_id
    digest = hashlib.sha256(b"s3mock-account:" + canonical_id.encode()).digest()
    return str(int.from_bytes(digest[:8], "big") % 10**12).zfill(12)


class Principal(NamedTuple):     # built per request: cheaper than a frozen dataclass
    user: User | None            # None: anonymous

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def canonical_id(self) -> str | None:
        return self.user.canonical_id if self.user else None


ANONYMOUS = Principal(None)
