"""The per-request context every operation handler receives: the request, its query, settings,
store, and what the request's steps found (and the rows authorize() read, kept for the handler)."""

from __future__ import annotations

from typing import Collection, Iterator, Mapping

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from s3mock.auth.identity import Principal
from s3mock.config import Settings
from s3mock.errors import S3Error
from s3mock.operations import Op
from s3mock.storage.base import Bucket, ObjectMeta, Store


class Query(Mapping[str, str]):
    """The request's query parameters, decoded as aiohttp decodes them. Routing has already found
    the parameters' names, and most look-ups ask for a name the query lacks (versionId,
    partNumber, response-*): those are answered from the names, and aiohttp parses the query
    only when a value is wanted."""
    __slots__ = ("_request", "_names")

    def __init__(self, request: web.Request, names: Collection[str]) -> None:
        self._request = request
        self._names = names

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def get(self, name: str, default=None):     # type: ignore[override]
        return self._request.query.get(name, default) if name in self._names else default

    def __getitem__(self, name: str) -> str:
        return self._request.query[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)            # each name once, in no particular order

    def __len__(self) -> int:
        return len(self._names)


_NO_QUERY: Mapping[str, str] = MultiDictProxy(MultiDict())
_NOT_READ = object()


class Ctx:
    """What a handler gets: the request, the app's settings and store, and what the request's
    steps found (operation, bucket, key, principal)."""
    __slots__ = ("request", "headers", "settings", "store", "op", "bucket", "key", "principal",
                 "request_id", "chunk_verifier", "continue_sent", "query", "_bucket", "_object",
                 "_names")

    def __init__(self, request: web.Request, settings: Settings, store: Store, op: Op,
                 bucket: str | None, key: str | None, principal: Principal, request_id: str,
                 chunk_verifier: object | None = None, query_names: Collection[str] = ()) -> None:
        self.request = request
        self.headers = request.headers
        self.settings = settings
        self.store = store
        self.op = op
        self.bucket = bucket
        self.key = key
        self.principal = principal
        self.request_id = request_id
        self.chunk_verifier = chunk_verifier    # sigv4.ChunkVerifier for signed streaming bodies
        self.continue_sent = False
        self.query = Query(request, query_names) if query_names else _NO_QUERY
        self._bucket: tuple | None = None       # (row,) while keep_rows() holds one; see there
        self._object: tuple | None = None
        self._names: str | None = None

    def header_names_starting(self, prefix: str) -> list[str]:
        """The lower-case names of the request's headers that start with `prefix` (lower-case),
        as sent. Most requests have none of the families asked about (x-amz-meta-, x-amz-grant-,
        x-amz-checksum-): one string of every name, joined once, answers each question with one
        search instead of a walk over the headers lower-casing each name."""
        names = self._names
        if names is None:
            names = self._names = "\n" + "\n".join(self.headers).lower() + "\n"
        if "\n" + prefix not in names:
            return []
        return [name for name in names.split("\n") if name.startswith(prefix)]

    def keep_rows(self, bucket: Bucket | None | object = _NOT_READ,
                  obj: ObjectMeta | None | object = _NOT_READ) -> None:
        """Hand the rows authorize() has just read to the handler's first look-ups (bucket_row,
        object_row), so that a GET or HEAD reads its bucket and object once, not twice. It is
        right because nothing can change them in between: dispatch runs authorize() and then the
        handler with no await between them, and a handler looks its rows up before its first
        await. A kept row is taken once; every later look-up reads the store again."""
        if bucket is not _NOT_READ:
            self._bucket = (bucket,)
        if obj is not _NOT_READ:
            self._object = (obj,)

    def bucket_row(self) -> Bucket | None:
        """The request's bucket (None: no such bucket): the kept row if any, else read now."""
        hit, self._bucket = self._bucket, None
        return hit[0] if hit is not None else self.store.get_bucket(self.bucket or "")

    def object_row(self) -> ObjectMeta | None:
        """The request's object (None: no such key): the kept row if any, else read now."""
        hit, self._object = self._object, None
        return hit[0] if hit is not None else self.store.get_object(self.bucket or "", self.key or "")

    def require_bucket(self) -> Bucket:
        assert self.bucket is not None
        b = self.bucket_row()
        if b is None:
            raise S3Error("NoSuchBucket", BucketName=self.bucket)
        return b
