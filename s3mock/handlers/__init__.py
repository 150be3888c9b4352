"""The handler registry (Op -> coroutine) and the per-request context every handler receives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Awaitable, Callable

from aiohttp import web

from s3mock.auth.identity import Principal
from s3mock.config import Settings
from s3mock.errors import S3Error
from s3mock.operations import Op
from s3mock.storage.base import Bucket
from s3mock.storage.sqlite_fs import SqliteStore


@dataclass
class Ctx:
    request: web.Request
    settings: Settings
    store: SqliteStore
    op: Op
    bucket: str | None
    key: str | None
    principal: Principal
    request_id: str
    chunk_verifier: object | None = None     # sigv4.ChunkVerifier for signed streaming bodies
    continue_sent: bool = False
    params: frozenset[str] = frozenset()    # the query's parameter names (reading values costs more)
    # Rows authorize() read, handed to the handler's first look-up (used once): the two run with
    # no await in between, so they see the same database state; later look-ups read again.
    _bucket: tuple | None = None
    _object: tuple | None = None

    @property
    def headers(self):
        return self.request.headers

    @property
    def query(self):
        return self.request.query

    def bucket_row(self) -> Bucket | None:
        """The request's bucket: authorize()'s row the first time after it, else read now."""
        hit, self._bucket = self._bucket, None
        return hit[0] if hit is not None else self.store.get_bucket(self.bucket or "")

    def take_object(self):
        """(True, ObjectMeta or None) if authorize() just read the request's object, once;
        else (False, None)."""
        hit, self._object = self._object, None
        return (True, hit[0]) if hit is not None else (False, None)

    def require_bucket(self) -> Bucket:
        assert self.bucket is not None
        b = self.bucket_row()
        if b is None:
            raise S3Error("NoSuchBucket", BucketName=self.bucket)
        return b


Handler = Callable[[Ctx], Awaitable[web.StreamResponse]]
HANDLERS: dict[Op, Handler] = {}


def handles(op: Op) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[op] = fn
        return fn
    return register


def load_all() -> dict[Op, Handler]:
    from s3mock.handlers import (acl, bucket, bucket_config, copy, delete, listing,  # noqa: F401
                                 multipart, object, post_object, service)
    return HANDLERS
