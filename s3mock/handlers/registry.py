"""The handler registry: which coroutine answers each operation (Op -> handler)."""

from __future__ import annotations

from typing import Awaitable, Callable

from aiohttp import web

from s3mock.operations import Op
from s3mock.request.ctx import Ctx

Handler = Callable[[Ctx], Awaitable[web.StreamResponse]]
HANDLERS: dict[Op, Handler] = {}


def handles(op: Op) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[op] = fn
        return fn
    return register
