"""Who a request acts as: a configured user, or anonymous. Pure: no aiohttp, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from s3mock.config import User


@dataclass(frozen=True)
class Principal:
    user: User | None            # None: anonymous

    @property
    def anonymous(self) -> bool:
        return self.user is None

    @property
    def canonical_id(self) -> str | None:
        return self.user.canonical_id if self.user else None


ANONYMOUS = Principal(None)
