"""polars against a live server, in path and virtual-host style: DataFrame.write_parquet to s3://
and read_parquet / scan_parquet (a glob, a filter and a column pushed down to ranged GETs) back,
with storage_options naming the endpoint. polars talks to S3 through its own Rust client (the
object_store crate on reqwest), not through Python. Each test asserts what polars read back, what
the server stored (read back with boto3), and, from a recording relay (wire.py), which style
polars used.

Virtual-host style: polars is given http://BUCKET.localhost:PORT as its endpoint (object_store
takes the endpoint as the bucket's own when virtual_hosted_style_request is on), a name this
machine's resolver does not know and that a Rust client resolves without Python; so it is given
the relay, in front of the server, as its HTTP proxy (HTTP_PROXY). Its requests reach the server
in absolute form (`GET http://BUCKET.localhost:PORT/key HTTP/1.1`), the bucket in the host.
"""

from __future__ import annotations

import io
import uuid

import polars as pl
import pyarrow.parquet as pq
import pytest

from support import ACCESS_KEY, SECRET_KEY
from tests.e2e.wire import assert_addressed, wire  # noqa: F401 (fixture)

STYLES = ["path", "virtual"]
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY",
                   "all_proxy", "NO_PROXY", "no_proxy")


@pytest.fixture
def new_bucket(s3):
    name = f"pl-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def polars_options(request, wire, new_bucket, monkeypatch) -> dict:
    """storage_options for the style in request.param; HTTP_PROXY set for virtual-host style."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    options = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY,
               "aws_region": "us-east-1", "aws_allow_http": "true"}
    if request.param == "virtual":
        options["aws_endpoint_url"] = f"http://{new_bucket}.localhost:{wire.port}"
        options["aws_virtual_hosted_style_request"] = "true"
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{wire.port}")
    else:
        options["aws_endpoint_url"] = f"http://127.0.0.1:{wire.port}"
    return options


def frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame({"id": range(rows), "city": [f"city {i % 17}" for i in range(rows)],
                         "value": [i * 0.25 for i in range(rows)]})


@pytest.mark.parametrize("polars_options", STYLES, indirect=True)
def test_write_and_read_parquet(polars_options, wire, s3, new_bucket):
    style = "virtual" if "aws_virtual_hosted_style_request" in polars_options else "path"
    first, second = frame(1000), frame(2000).with_columns(pl.col("id") + 1000)
    first.write_parquet(f"s3://{new_bucket}/t/part-0.parquet", storage_options=polars_options)
    second.write_parquet(f"s3://{new_bucket}/t/part-1.parquet", storage_options=polars_options)
    stored = s3.get_object(Bucket=new_bucket, Key="t/part-0.parquet")["Body"].read()
    assert pl.from_arrow(pq.read_table(io.BytesIO(stored))).equals(first)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=new_bucket)["Contents"]] == [
        "t/part-0.parquet", "t/part-1.parquet"]

    back = pl.read_parquet(f"s3://{new_bucket}/t/part-1.parquet", storage_options=polars_options)
    assert back.equals(second)
    query = lambda df: df.filter(pl.col("id") % 500 == 0).select("id", "city")  # noqa: E731
    scanned = query(pl.scan_parquet(f"s3://{new_bucket}/t/*.parquet",
                                    storage_options=polars_options)).collect()
    assert scanned.sort("id").equals(query(pl.concat([first, second])))
    assert scanned.height == 6
    sent = wire.requests()
    assert [m for m, _, _ in sent].count("PUT") == 2
    assert any(m == "GET" and "list-type=2" in t for m, t, _ in sent)      # the glob, listed
    if style == "virtual":      # through the proxy: absolute form, the bucket in the host
        assert all(t.startswith(f"http://{new_bucket}.localhost:{wire.port}/") for _, t, _ in sent)
    assert_addressed(sent, new_bucket, style)
