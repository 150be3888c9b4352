"""s3fs (fsspec's S3 filesystem, on aiobotocore and aiohttp) and pandas through it, against a live
server in path and virtual-host style: pandas to_csv/read_csv and to_parquet/read_parquet on
s3:// URLs with storage_options naming the endpoint, and s3fs's own mkdir, open for writing in
parts, ls, info, find, cat_file with a range, rm and rmdir. Each test asserts what s3fs or pandas
returned, what the server stored (read back with boto3), and, from a recording relay (wire.py),
which style s3fs used.
"""

from __future__ import annotations

import io
import uuid

import pandas as pd
import pyarrow.parquet as pq
import pytest
import s3fs

from support import ACCESS_KEY, SECRET_KEY, error_of, md5_etag
from tests.e2e.browser_helpers import pattern
from tests.e2e.real_clients import multipart_etag
from tests.e2e.wire import assert_addressed, resolve_localhost, wire  # noqa: F401 (fixtures)

MiB = 1024 * 1024
STYLES = ["path", "virtual"]


@pytest.fixture(autouse=True)
def region(monkeypatch):
    """The region from the environment, as most users give it: s3fs's mkdir sends a region named
    in client_kwargs as CreateBucket's LocationConstraint (see test_filesystem_calls)."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def storage_options(port: int, style: str, **more) -> dict:
    host = "localhost" if style == "virtual" else "127.0.0.1"
    return {"key": ACCESS_KEY, "secret": SECRET_KEY, "endpoint_url": f"http://{host}:{port}",
            "config_kwargs": {"s3": {"addressing_style": style}, "retries": {"max_attempts": 1}},
            "skip_instance_cache": True, **more}


def frame() -> pd.DataFrame:
    return pd.DataFrame({"id": range(500), "name": [f"row {i}, quoted \"{i}\"" for i in range(500)],
                         "value": [i / 7 for i in range(500)]})


@pytest.mark.parametrize("style", STYLES)
def test_pandas_csv_and_parquet(style, wire, resolve_localhost, s3, bucket):
    opts = storage_options(wire.port, style)
    df = frame()
    df.to_csv(f"s3://{bucket}/tables/data.csv", index=False, storage_options=opts)
    stored = s3.get_object(Bucket=bucket, Key="tables/data.csv")["Body"].read()
    assert stored == df.to_csv(index=False).encode()
    pd.testing.assert_frame_equal(
        pd.read_csv(f"s3://{bucket}/tables/data.csv", storage_options=opts), df)

    df.to_parquet(f"s3://{bucket}/tables/data.parquet", index=False, storage_options=opts)
    stored = s3.get_object(Bucket=bucket, Key="tables/data.parquet")["Body"].read()
    pd.testing.assert_frame_equal(pq.read_table(io.BytesIO(stored)).to_pandas(), df)
    back = pd.read_parquet(f"s3://{bucket}/tables/data.parquet", storage_options=opts)
    pd.testing.assert_frame_equal(back, df)
    picked = pd.read_parquet(f"s3://{bucket}/tables/data.parquet", columns=["id"],
                             filters=[("id", "<", 3)], storage_options=opts)
    assert picked["id"].tolist() == [0, 1, 2]
    assert_addressed(wire.requests(), bucket, style)


@pytest.mark.parametrize("style", STYLES)
def test_filesystem_calls(style, wire, resolve_localhost, s3):
    bucket = f"fs-{uuid.uuid4().hex[:16]}"
    # S3 quirk: LocationConstraint us-east-1 is refused (InvalidLocationConstraint), the region
    # being the default one (https://github.com/boto/boto3/issues/125); s3fs sends it when the
    # region is named in client_kwargs.
    named = s3fs.S3FileSystem(**storage_options(wire.port, style,
                                                client_kwargs={"region_name": "us-east-1"}))
    with pytest.raises(OSError, match="The specified location-constraint is not valid"):
        named.mkdir(bucket)
    fs = s3fs.S3FileSystem(**storage_options(wire.port, style))
    fs.mkdir(bucket)
    s3.head_bucket(Bucket=bucket)

    big = pattern(11 * MiB + 9)
    with fs.open(f"{bucket}/dir/big.bin", "wb", block_size=5 * MiB) as f:    # in 5 MiB parts
        for i in range(0, len(big), MiB):
            f.write(big[i:i + MiB])
    fs.pipe_file(f"{bucket}/dir/sub/small.txt", b"small")
    fs.pipe_file(f"{bucket}/top.txt", b"top")
    head = s3.head_object(Bucket=bucket, Key="dir/big.bin")
    assert (head["ETag"], head["ContentLength"]) == (multipart_etag(big, 5 * MiB), len(big))
    assert s3.get_object(Bucket=bucket, Key="dir/big.bin")["Body"].read() == big
    assert s3.get_object(Bucket=bucket, Key="dir/sub/small.txt")["Body"].read() == b"small"

    assert fs.ls(bucket, refresh=True) == [f"{bucket}/dir", f"{bucket}/top.txt"]
    listed = {e["name"]: (e["type"], e["size"]) for e in fs.ls(f"{bucket}/dir", detail=True)}
    assert listed == {f"{bucket}/dir/big.bin": ("file", len(big)),
                      f"{bucket}/dir/sub": ("directory", 0)}
    assert fs.find(bucket) == [f"{bucket}/dir/big.bin", f"{bucket}/dir/sub/small.txt",
                               f"{bucket}/top.txt"]
    info = fs.info(f"{bucket}/top.txt")
    assert (info["type"], info["size"], info["ETag"]) == ("file", 3, md5_etag(b"top"))
    assert fs.info(f"{bucket}/dir")["type"] == "directory"
    assert fs.cat_file(f"{bucket}/dir/big.bin", start=5 * MiB - 2, end=5 * MiB + 2) == \
        big[5 * MiB - 2:5 * MiB + 2]
    assert fs.cat_file(f"{bucket}/dir/sub/small.txt") == b"small"

    fs.rm(f"{bucket}/top.txt")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [
        "dir/big.bin", "dir/sub/small.txt"]
    fs.rm(f"{bucket}/dir", recursive=True)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert not fs.exists(f"{bucket}/dir/big.bin")
    fs.rmdir(bucket)
    assert error_of(s3.head_bucket, Bucket=bucket)["Error"]["Code"] == "404"
    # botocore sends GetBucketLocation (s3fs's probe for a bucket) in path style, always
    assert_addressed(wire.requests(), bucket, style,
                     path_always=frozenset([("GET", f"/{bucket}?location")]))
