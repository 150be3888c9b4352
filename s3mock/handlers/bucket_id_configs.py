"""Put/Get/Delete/List for the bucket configurations kept by id: inventory, analytics, metrics,
S3 Intelligent-Tiering. Validation and XML in s3mock/bucket_id_configs.py."""

from __future__ import annotations

from aiohttp import web

from s3mock import bucket_id_configs as ids
from s3mock.bucket_settings import MAX_BYTES
from s3mock.errors import S3Error
from s3mock.handlers.registry import handles
from s3mock.operations import Op
from s3mock.request.body import read_all
from s3mock.request.common import empty
from s3mock.request.ctx import Ctx

_KINDS = {"Inventory": ids.INVENTORY, "Analytics": ids.ANALYTICS, "Metrics": ids.METRICS,
          "IntelligentTiering": ids.TIERING}


async def _put(ctx: Ctx, kind: ids.Kind) -> web.Response:
    b = ctx.require_bucket()
    config_id = ids.check_id(ctx.query.get("id"))
    rendered = ids.parse(kind, await read_all(ctx, MAX_BYTES), config_id)
    configs = ids.load(ctx.store.get_bucket_document(b.name, kind.name))
    configs = ids.put(kind, configs, config_id, rendered)
    ctx.store.set_bucket_document(b.name, kind.name, ids.dump(configs))
    return empty(200)


async def _get(ctx: Ctx, kind: ids.Kind) -> web.Response:
    b = ctx.require_bucket()
    config_id = ids.check_id(ctx.query.get("id"))
    configs = ids.load(ctx.store.get_bucket_document(b.name, kind.name))
    if config_id not in configs:
        raise S3Error("NoSuchConfiguration")
    return web.Response(body=configs[config_id].encode(), content_type="application/xml")


async def _delete(ctx: Ctx, kind: ids.Kind) -> web.Response:
    b = ctx.require_bucket()
    config_id = ids.check_id(ctx.query.get("id"))
    configs = ids.load(ctx.store.get_bucket_document(b.name, kind.name))
    if config_id not in configs:
        raise S3Error("NoSuchConfiguration")
    del configs[config_id]
    ctx.store.set_bucket_document(b.name, kind.name, ids.dump(configs))
    return empty(204)


async def _list(ctx: Ctx, kind: ids.Kind) -> web.Response:
    b = ctx.require_bucket()
    configs = ids.load(ctx.store.get_bucket_document(b.name, kind.name))
    body = ids.render_list(kind, configs, ctx.query.get("continuation-token"))
    return web.Response(body=body, content_type="application/xml")


def _register(name: str, kind: ids.Kind) -> None:
    """Four operations per kind, named as AWS names them (ListBucketXConfigurations)."""
    for verb, fn in (("Put", _put), ("Get", _get), ("Delete", _delete)):
        op = Op[f"{verb}Bucket{name}Configuration"]
        handles(op)(lambda ctx, fn=fn: fn(ctx, kind))
    handles(Op[f"ListBucket{name}Configurations"])(lambda ctx: _list(ctx, kind))


for _name, _kind in _KINDS.items():
    _register(_name, _kind)
