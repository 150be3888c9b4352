"""pyarrow's S3 filesystem (the AWS SDK for C++ 1.11 over libcurl) against the live server, in
path and virtual-host style: writes small and multipart, reads, file info, directory listing,
delete, and a parquet table. Each test asserts what pyarrow read back, what the server stored
(read back with boto3), and, from a recording relay (wire.py), the addressing style used and that
the uploads were framed as this SDK frames them: Transfer-Encoding: chunked, an aws-chunked body
with a CRC64NVME trailer, no Content-Length.

Virtual-host style uses BUCKET.localhost: libcurl resolves every *.localhost name to the loopback
itself (RFC 6761; no resolver is asked: seen with strace), trying ::1 first and then 127.0.0.1,
where the relay listens.
"""

from __future__ import annotations

import io
import os
import socket

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from support import ACCESS_KEY, SECRET_KEY
from tests.e2e.wire import assert_addressed, wire  # noqa: F401 (fixture)

BIG = 12 * 1024 * 1024          # over pyarrow's part size: a multipart upload of several parts


@pytest.fixture(scope="module", autouse=True)
def no_instance_metadata():
    """The SDK never looks for credentials or a region on the network (they are all given)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        yield


@pytest.fixture(params=["path", "virtual"])
def fs(request, wire):
    virtual = request.param == "virtual"
    if virtual:
        # Nothing else may answer on [::1]:PORT, where libcurl tries first.
        with pytest.raises(OSError):
            socket.create_connection(("::1", wire.port), timeout=5).close()
    return pafs.S3FileSystem(
        access_key=ACCESS_KEY, secret_key=SECRET_KEY, region="us-east-1", scheme="http",
        endpoint_override=f"{'localhost' if virtual else '127.0.0.1'}:{wire.port}",
        force_virtual_addressing=virtual, connect_timeout=10, request_timeout=60,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1))


def assert_sent(wire, bucket: str, style: str) -> None:
    """The style pyarrow used, and its parts' framing (every one chunked, none with a length)."""
    assert_addressed(wire.requests(), bucket, style)
    sent = b"".join(bytes(stream) for stream in wire.sent).lower()
    uploads = [head for head in sent.split(b"\r\n\r\n")
               if head.startswith(b"put /") and b"partnumber=" in head.split(b"\r\n", 1)[0]]
    assert uploads
    for head in uploads:
        assert b"\r\ntransfer-encoding: chunked" in head and b"\r\ncontent-length:" not in head
        assert b"\r\ncontent-encoding: aws-chunked" in head
        assert b"\r\nx-amz-trailer: x-amz-checksum-crc64nvme" in head


def test_write_read_list_delete(fs, wire, request, s3, bucket):
    small, big = os.urandom(100), os.urandom(BIG)
    with fs.open_output_stream(f"{bucket}/dir/small.bin") as f:
        f.write(small)
    with fs.open_output_stream(f"{bucket}/dir/sub/big.bin") as f:
        for i in range(0, BIG, 1 << 20):
            f.write(big[i:i + (1 << 20)])

    assert s3.get_object(Bucket=bucket, Key="dir/small.bin")["Body"].read() == small
    stored = s3.get_object(Bucket=bucket, Key="dir/sub/big.bin")
    assert stored["Body"].read() == big
    assert int(stored["ETag"].strip('"').rsplit("-", 1)[1]) >= 2          # a multipart upload

    with fs.open_input_stream(f"{bucket}/dir/sub/big.bin") as f:
        assert f.read() == big
    with fs.open_input_file(f"{bucket}/dir/sub/big.bin") as f:
        assert f.read_at(1000, BIG - 1000) == big[-1000:]

    info = fs.get_file_info(f"{bucket}/dir/sub/big.bin")
    assert (info.type, info.size) == (pafs.FileType.File, BIG)
    assert fs.get_file_info(f"{bucket}/dir").type == pafs.FileType.Directory
    listed = {i.path: (i.type, i.size) for i in fs.get_file_info(pafs.FileSelector(f"{bucket}/dir"))}
    assert listed == {f"{bucket}/dir/small.bin": (pafs.FileType.File, 100),
                      f"{bucket}/dir/sub": (pafs.FileType.Directory, None)}
    deep = fs.get_file_info(pafs.FileSelector(f"{bucket}/dir", recursive=True))
    assert {i.path for i in deep if i.type == pafs.FileType.File} == {
        f"{bucket}/dir/small.bin", f"{bucket}/dir/sub/big.bin"}

    fs.delete_file(f"{bucket}/dir/sub/big.bin")
    assert fs.get_file_info(f"{bucket}/dir/sub/big.bin").type == pafs.FileType.NotFound
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert "dir/sub/big.bin" not in keys and "dir/small.bin" in keys
    assert_sent(wire, bucket, request.node.callspec.params["fs"])


def test_parquet_round_trip(fs, wire, request, s3, bucket):
    table = pa.table({"n": list(range(10_000)), "s": [f"row {i}" for i in range(10_000)]})
    pq.write_table(table, f"{bucket}/tables/t.parquet", filesystem=fs)
    assert pq.read_table(f"{bucket}/tables/t.parquet", filesystem=fs).equals(table)
    stored = s3.get_object(Bucket=bucket, Key="tables/t.parquet")["Body"].read()
    assert pq.read_table(io.BytesIO(stored)).equals(table)
    assert_sent(wire, bucket, request.node.callspec.params["fs"])
