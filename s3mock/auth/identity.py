"""Who a request acts as: a configured user, or anonymous. Pure: no aiohttp, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


@dataclass(frozen=True)
class User:
    """A configured user: its keys and the canonical id its grants and objects name."""
    access_key: str
    secret_key: str
    canonical_id: str
    display_name: str


class Principal(NamedTuple):     # built per request: cheaper than a frozen dataclass
    user: User | None            # None: anonymous

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def canonical_id(self) -> str | None:
        return self.user.canonical_id if self.user else None


ANONYMOUS = Principal(None)
