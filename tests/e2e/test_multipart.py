"""Multipart uploads end to end with boto3 (default configuration: flexible checksums on).

Every expected value (ETags, composite and full-object checksums) is computed here, independently
of the server: https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from awscrt import checksums as crt
from botocore.exceptions import ClientError

from support import blob_files, client, referenced_blobs

MIB = 1024 * 1024
PART = 5 * MIB


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def multipart_etag(parts: list[bytes]) -> str:
    joined = b"".join(hashlib.md5(p).digest() for p in parts)
    return f'"{hashlib.md5(joined).hexdigest()}-{len(parts)}"'


def raw_checksum(algorithm: str, data: bytes) -> bytes:
    if algorithm == "CRC32":
        return zlib.crc32(data).to_bytes(4, "big")
    if algorithm == "CRC32C":
        return crt.crc32c(data).to_bytes(4, "big")
    if algorithm == "CRC64NVME":
        return crt.crc64nvme(data).to_bytes(8, "big")
    if algorithm == "SHA1":
        return hashlib.sha1(data).digest()
    return hashlib.sha256(data).digest()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def error_of(excinfo) -> tuple[str, int]:
    resp = excinfo.value.response
    return resp["Error"]["Code"], resp["ResponseMetadata"]["HTTPStatusCode"]


def upload_parts(s3, bucket, key, upload_id, parts: list[bytes], **kwargs) -> list[dict]:
    done = []
    for n, data in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=n, Body=data, **kwargs)
        assert r["ETag"] == f'"{md5_hex(data)}"'
        done.append({"PartNumber": n, "ETag": r["ETag"]})
    return done


def complete(s3, bucket, key, upload_id, parts):
    return s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": parts})


@pytest.fixture(scope="module")
def data():
    return [os.urandom(PART), os.urandom(PART), os.urandom(1234)]


def test_complete_returns_md5_of_md5s_etag_and_exact_bytes(s3, bucket, data):
    up = s3.create_multipart_upload(Bucket=bucket, Key="big.bin", ContentType="application/x-test",
                                    Metadata={"color": "blue"})
    assert up["Bucket"] == bucket and up["Key"] == "big.bin" and up["UploadId"]
    parts = upload_parts(s3, bucket, "big.bin", up["UploadId"], data)
    done = complete(s3, bucket, "big.bin", up["UploadId"], parts)
    etag = multipart_etag(data)
    assert done["ETag"] == etag
    assert done["Bucket"] == bucket and done["Key"] == "big.bin"

    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ETag"] == etag
    assert head["ContentLength"] == sum(map(len, data))
    assert head["ContentType"] == "application/x-test"
    assert head["Metadata"] == {"color": "blue"}
    assert s3.get_object(Bucket=bucket, Key="big.bin")["Body"].read() == b"".join(data)
    listed = s3.list_objects_v2(Bucket=bucket)["Contents"]
    assert [(o["Key"], o["ETag"], o["Size"]) for o in listed] == [("big.bin", etag, sum(map(len, data)))]
    # the upload is gone once completed
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="big.bin", UploadId=up["UploadId"])
    assert error_of(e) == ("NoSuchUpload", 404)


def test_get_and_head_by_part_number(s3, bucket, data):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    complete(s3, bucket, "k", up["UploadId"], upload_parts(s3, bucket, "k", up["UploadId"], data))
    total = sum(map(len, data))
    offset = 0
    for n, part in enumerate(data, 1):
        r = s3.get_object(Bucket=bucket, Key="k", PartNumber=n)
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert r["Body"].read() == part
        assert r["PartsCount"] == 3
        assert r["ContentLength"] == len(part)
        assert r["ContentRange"] == f"bytes {offset}-{offset + len(part) - 1}/{total}"
        assert r["ETag"] == multipart_etag(data)
        h = s3.head_object(Bucket=bucket, Key="k", PartNumber=n)
        assert h["ContentLength"] == len(part) and h["PartsCount"] == 3
        offset += len(part)
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=bucket, Key="k", PartNumber=4)
    assert error_of(e) == ("InvalidPartNumber", 416)


def test_invalid_part_wrong_etag_or_missing_part(s3, bucket, data):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, data[:2])
    bad_etag = [parts[0], {"PartNumber": 2, "ETag": f'"{md5_hex(b"something else")}"'}]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, bad_etag)
    assert error_of(e) == ("InvalidPart", 400)
    missing = parts + [{"PartNumber": 3, "ETag": parts[0]["ETag"]}]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, missing)
    assert error_of(e) == ("InvalidPart", 400)
    # a refused completion leaves the upload usable
    assert complete(s3, bucket, "k", uid, parts)["ETag"] == multipart_etag(data[:2])


def test_invalid_part_order(s3, bucket, data):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    parts = upload_parts(s3, bucket, "k", up["UploadId"], data[:2])
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", up["UploadId"], [parts[1], parts[0]])
    assert error_of(e) == ("InvalidPartOrder", 400)
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=bucket, Key="k")
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_entity_too_small_for_a_small_non_last_part(s3, bucket, data):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    small = [b"x" * 100, data[2]]
    parts = upload_parts(s3, bucket, "k", up["UploadId"], small)
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", up["UploadId"], parts)
    assert error_of(e) == ("EntityTooSmall", 400)
    # the last part alone may be small
    assert complete(s3, bucket, "k", up["UploadId"], parts[1:])["ETag"] == multipart_etag(small[1:])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == small[1]


def test_no_such_upload(s3, bucket):
    bogus = "bogus-upload-id"
    calls = [
        lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=bogus, PartNumber=1, Body=b"x"),
        lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=bogus),
        lambda: complete(s3, bucket, "k", bogus, [{"PartNumber": 1, "ETag": f'"{md5_hex(b"x")}"'}]),
        lambda: s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=bogus),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("NoSuchUpload", 404)


def test_abort_then_upload_is_gone(s3, bucket):
    up = s3.create_multipart_upload(Bucket=bucket, Key="k")
    uid = up["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, [b"abc"])
    r = s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 204
    for call in (lambda: s3.list_parts(Bucket=bucket, Key="k", UploadId=uid),
                 lambda: s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=2, Body=b"x"),
                 lambda: complete(s3, bucket, "k", uid, parts)):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    # the upload id is bound to its key too
    other = s3.create_multipart_upload(Bucket=bucket, Key="k2")["UploadId"]
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=bucket, Key="not-k2", UploadId=other)
    assert error_of(e) == ("NoSuchUpload", 404)


def test_list_parts_pagination(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    bodies = [os.urandom(100 + n) for n in range(5)]
    upload_parts(s3, bucket, "k", uid, bodies)
    seen = []
    marker = 0
    for _ in range(5):
        r = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid, MaxParts=2, PartNumberMarker=marker)
        assert r["MaxParts"] == 2
        assert r["PartNumberMarker"] == marker
        seen += [(p["PartNumber"], p["ETag"], p["Size"]) for p in r["Parts"]]
        if not r["IsTruncated"]:
            break
        assert r["NextPartNumberMarker"] == r["Parts"][-1]["PartNumber"]
        marker = r["NextPartNumberMarker"]
    assert seen == [(n, f'"{md5_hex(b)}"', len(b)) for n, b in enumerate(bodies, 1)]
    full = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert full["IsTruncated"] is False and len(full["Parts"]) == 5
    assert full["Bucket"] == bucket and full["Key"] == "k" and full["UploadId"] == uid


def test_list_multipart_uploads(s3, bucket):
    keys = ["a/1", "a/1", "a/2", "b/1", "a/3"]
    ids = [(k, s3.create_multipart_upload(Bucket=bucket, Key=k)["UploadId"]) for k in keys]
    # sorted by key, then by initiation time within a key
    expected = sorted(ids, key=lambda kv: kv[0])
    r = s3.list_multipart_uploads(Bucket=bucket)
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == expected
    assert r["IsTruncated"] is False

    r = s3.list_multipart_uploads(Bucket=bucket, Prefix="a/")
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == [kv for kv in expected if kv[0] < "b"]
    assert r["Prefix"] == "a/"

    r = s3.list_multipart_uploads(Bucket=bucket, Delimiter="/")
    assert "Uploads" not in r
    assert [p["Prefix"] for p in r["CommonPrefixes"]] == ["a/", "b/"]

    # pages of two via NextKeyMarker / NextUploadIdMarker
    pages, km, im = [], "", ""
    for _ in range(5):
        r = s3.list_multipart_uploads(Bucket=bucket, MaxUploads=2, KeyMarker=km, UploadIdMarker=im)
        assert r["MaxUploads"] == 2
        pages.append([(u["Key"], u["UploadId"]) for u in r.get("Uploads", [])])
        if not r["IsTruncated"]:
            break
        km, im = r["NextKeyMarker"], r["NextUploadIdMarker"]
        assert (km, im) == pages[-1][-1]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sum(pages, []) == expected

    # a key marker alone skips every upload of that key
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/1")
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == expected[2:]
    # key marker + upload-id marker: the uploads of that key after the marker, then later keys
    r = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="a/1", UploadIdMarker=expected[0][1])
    assert [(u["Key"], u["UploadId"]) for u in r["Uploads"]] == expected[1:]


def test_upload_part_copy_with_and_without_range(s3, bucket):
    source = os.urandom(PART + 4096)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    uid = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    whole = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src"})
    assert whole["CopyPartResult"]["ETag"] == f'"{md5_hex(source)}"'
    assert whole["CopyPartResult"]["LastModified"]
    ranged = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=uid, PartNumber=2,
                                 CopySource=f"{bucket}/src", CopySourceRange="bytes=100-1123")
    piece = source[100:1124]
    assert ranged["CopyPartResult"]["ETag"] == f'"{md5_hex(piece)}"'
    sizes = [(p["PartNumber"], p["Size"]) for p in
             s3.list_parts(Bucket=bucket, Key="dst", UploadId=uid)["Parts"]]
    assert sizes == [(1, len(source)), (2, 1024)]
    parts = [{"PartNumber": 1, "ETag": whole["CopyPartResult"]["ETag"]},
             {"PartNumber": 2, "ETag": ranged["CopyPartResult"]["ETag"]}]
    assert complete(s3, bucket, "dst", uid, parts)["ETag"] == multipart_etag([source, piece])
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source + piece
    # the source is untouched
    assert s3.get_object(Bucket=bucket, Key="src")["Body"].read() == source


def test_reuploading_a_part_replaces_it(s3, bucket, data):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=data[0])["ETag"]
    second = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=data[1])["ETag"]
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed] == [(1, second, len(data[1]))]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": first}])
    assert error_of(e) == ("InvalidPart", 400)
    complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": second}])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == data[1]


def test_complete_with_a_subset_of_the_uploaded_parts(s3, bucket, data):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, data)
    done = complete(s3, bucket, "k", uid, [parts[0], parts[2]])
    assert done["ETag"] == multipart_etag([data[0], data[2]])
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == data[0] + data[2]
    assert got["ContentLength"] == len(data[0]) + len(data[2])
    assert s3.head_object(Bucket=bucket, Key="k", PartNumber=2)["PartsCount"] == 2


def test_managed_transfers_above_the_multipart_threshold(s3, bucket, tmp_path):
    body = os.urandom(10 * MIB + 333)          # boto3: 8 MiB threshold and 8 MiB parts
    src = tmp_path / "up.bin"
    src.write_bytes(body)
    s3.upload_file(str(src), bucket, "file.bin")
    head = s3.head_object(Bucket=bucket, Key="file.bin")
    chunk = 8 * MIB
    assert head["ETag"] == multipart_etag([body[:chunk], body[chunk:]])
    assert head["ContentLength"] == len(body)
    dest = tmp_path / "down.bin"
    s3.download_file(bucket, "file.bin", str(dest))
    assert dest.read_bytes() == body

    s3.upload_fileobj(io.BytesIO(body[: 9 * MIB]), bucket, "obj.bin")
    assert s3.head_object(Bucket=bucket, Key="obj.bin")["ETag"] == \
        multipart_etag([body[:chunk], body[chunk: 9 * MIB]])
    out = io.BytesIO()
    s3.download_fileobj(bucket, "obj.bin", out)
    assert out.getvalue() == body[: 9 * MIB]


@pytest.mark.parametrize("algorithm,kind", [
    ("CRC32", "COMPOSITE"), ("SHA256", "COMPOSITE"), ("CRC32C", "COMPOSITE"),
    ("CRC64NVME", "FULL_OBJECT"), ("CRC32", "FULL_OBJECT"),
])
def test_multipart_checksums(s3, bucket, data, algorithm, kind):
    extra = {} if (algorithm, kind) in (("CRC32", "COMPOSITE"), ("SHA256", "COMPOSITE"),
                                        ("CRC32C", "COMPOSITE")) else {"ChecksumType": kind}
    up = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm, **extra)
    assert up["ChecksumAlgorithm"] == algorithm
    assert up["ChecksumType"] == kind
    uid = up["UploadId"]
    field = "Checksum" + algorithm
    parts = []
    for n, body in enumerate(data[1:], 1):
        r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=n, Body=body,
                           ChecksumAlgorithm=algorithm)
        assert r[field] == b64(raw_checksum(algorithm, body))
        parts.append({"PartNumber": n, "ETag": r["ETag"], field: r[field]})
    listed = s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)
    assert [p[field] for p in listed["Parts"]] == [p[field] for p in parts]

    whole = b"".join(data[1:])
    if kind == "COMPOSITE":
        joined = b"".join(raw_checksum(algorithm, b) for b in data[1:])
        expected = f"{b64(raw_checksum(algorithm, joined))}-{len(parts)}"
    else:
        expected = b64(raw_checksum(algorithm, whole))
    done = complete(s3, bucket, "k", uid, parts)
    assert done[field] == expected
    assert done["ChecksumType"] == kind

    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[field] == expected
    assert head["ChecksumType"] == kind
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")  # botocore validates FULL_OBJECT
    assert got[field] == expected
    assert got["Body"].read() == whole


def test_composite_upload_requires_part_checksums_on_complete(s3, bucket):
    """S3 refuses a CompleteMultipartUpload of a COMPOSITE-checksum upload without part checksums."""
    up = s3.create_multipart_upload(Bucket=bucket, Key="c", ChecksumAlgorithm="CRC32C")
    part = s3.upload_part(Bucket=bucket, Key="c", UploadId=up["UploadId"], PartNumber=1, Body=b"x",
                          ChecksumAlgorithm="CRC32C")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=up["UploadId"],
                                     MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert error_of(e) == ("InvalidRequest", 400)
    assert e.value.response["Error"]["Message"] == (
        "The upload was created using a crc32c checksum. The complete request must include the "
        "checksum for each part. It was missing for part 1 in the request.")
    s3.complete_multipart_upload(Bucket=bucket, Key="c", UploadId=up["UploadId"], MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": part["ETag"], "ChecksumCRC32C": part["ChecksumCRC32C"]}]})
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"x"


# ---------------------------------------------------------------- DeleteBucket with uploads

def test_delete_bucket_discards_its_uploads_in_progress_and_their_parts(s3, server):
    """S3 deletes a bucket whose only content is uploads in progress, and the uploads with it
    (tried on AWS in the review of ceph/ceph#15630; scality/cloudserver#1591; basho/riak_cs#475)."""
    name = f"b-{uuid.uuid4().hex[:20]}"
    s3.create_bucket(Bucket=name)
    before = referenced_blobs(server.data_dir)
    uploads = [s3.create_multipart_upload(Bucket=name, Key=k)["UploadId"] for k in ("a", "b", "a")]
    upload_parts(s3, name, "a", uploads[0], [b"one", b"two"])
    upload_parts(s3, name, "b", uploads[1], [b"three"])
    part_blobs = referenced_blobs(server.data_dir) - before
    assert len(part_blobs) == 3 and part_blobs <= blob_files(server.data_dir)

    assert s3.delete_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as e:
        s3.head_bucket(Bucket=name)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert not part_blobs & blob_files(server.data_dir)      # no orphan part files
    # a bucket of the same name starts with no uploads: the old ones are gone, not hidden
    s3.create_bucket(Bucket=name)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.list_parts(Bucket=name, Key="a", UploadId=uploads[0])
    assert error_of(e) == ("NoSuchUpload", 404)


def test_delete_bucket_with_objects_and_uploads_keeps_both(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, [b"part"])
    s3.put_object(Bucket=bucket, Key="obj", Body=b"x")
    with pytest.raises(ClientError) as e:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(e) == ("BucketNotEmpty", 409)
    assert complete(s3, bucket, "k", uid, parts)["ETag"] == multipart_etag([b"part"])


# ---------------------------------------------------------------- CompleteMultipartUpload again

def test_completing_again_answers_as_the_first_time(s3, bucket, data):
    """A completed upload completed again with the same parts gets the first answer, and the
    object stays as it is (recorded against S3 in minio/minio#13318 and adobe/S3Mock#2586)."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, data)
    first = complete(s3, bucket, "k", uid, parts)
    modified = s3.head_object(Bucket=bucket, Key="k")["LastModified"]
    again = complete(s3, bucket, "k", uid, parts)
    keys = ("Location", "Bucket", "Key", "ETag", "ChecksumCRC64NVME", "ChecksumType")
    assert {k: again[k] for k in keys} == {k: first[k] for k in keys}
    assert again["ETag"] == multipart_etag(data)
    head = s3.head_object(Bucket=bucket, Key="k")
    assert head["LastModified"] == modified and head["ETag"] == first["ETag"]
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(data)
    # the upload itself stays gone
    with pytest.raises(ClientError) as e:
        s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert error_of(e) == ("NoSuchUpload", 404)
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_completing_again_with_other_parts_or_after_a_change_is_no_such_upload(s3, bucket, data):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, data)
    complete(s3, bucket, "k", uid, parts)
    for other in (parts[:2], parts[1:]):
        with pytest.raises(ClientError) as e:
            complete(s3, bucket, "k", uid, other)
        assert error_of(e) == ("NoSuchUpload", 404)
    # another key, or the object replaced or deleted: the completion is no longer answered
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "other", uid, parts)
    assert error_of(e) == ("NoSuchUpload", 404)
    s3.put_object(Bucket=bucket, Key="k", Body=b"new")
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, parts)
    assert error_of(e) == ("NoSuchUpload", 404)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new"

    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(s3, bucket, "k", uid, [b"small"])
    complete(s3, bucket, "k", uid, parts)
    s3.delete_object(Bucket=bucket, Key="k")
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, parts)
    assert error_of(e) == ("NoSuchUpload", 404)


def test_two_completions_at_once_both_succeed_with_one_object(endpoint, bucket, data):
    clients = [client(endpoint) for _ in range(4)]
    uid = clients[0].create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    parts = upload_parts(clients[0], bucket, "k", uid, data)
    with ThreadPoolExecutor(len(clients)) as pool:
        answers = list(pool.map(lambda c: complete(c, bucket, "k", uid, parts)["ETag"], clients))
    assert answers == [multipart_etag(data)] * len(clients)
    assert clients[0].get_object(Bucket=bucket, Key="k")["Body"].read() == b"".join(data)


# ---------------------------------------------------------------- a part sent twice

def test_a_part_listed_twice_counts_as_listed_last(s3, bucket):
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    b = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"B" * 8)["ETag"]
    a = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"A" * 8)["ETag"]
    with pytest.raises(ClientError) as e:       # the earlier entry's part was replaced
        complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": a}, {"PartNumber": 1, "ETag": b}])
    assert error_of(e) == ("InvalidPart", 400)
    done = complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": b}, {"PartNumber": 1, "ETag": a}])
    assert done["ETag"] == multipart_etag([b"A" * 8])
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"A" * 8


class _SendsAnotherPartMidway(io.RawIOBase):
    """A part body that, when it has been read once, uploads the same part number again, so that
    the second send finishes first (s3-tests' test_multipart_resend_first_finishes_last)."""

    def __init__(self, data: bytes, resend):
        self.buf, self.resend, self.fired = io.BytesIO(data), resend, False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        n = self.buf.readinto(b)
        if not n and not self.fired:
            self.fired = True
            self.resend()
        return n

    def seekable(self) -> bool:
        return True

    def seek(self, pos, whence=0):
        return self.buf.seek(pos, whence)

    def tell(self):
        return self.buf.tell()


def test_a_part_resent_while_its_first_send_is_in_flight(endpoint, bucket):
    first, second = client(endpoint), client(endpoint)
    uid = first.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    finished: list[str] = []

    def resend():
        if not finished:
            finished.append(second.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1,
                                               Body=b"B" * 8)["ETag"])

    body = io.BufferedReader(_SendsAnotherPartMidway(b"A" * 8, resend))
    finished.append(first.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1,
                                      Body=body)["ETag"])
    assert finished == [f'"{md5_hex(b"B" * 8)}"', f'"{md5_hex(b"A" * 8)}"']
    done = complete(first, bucket, "k", uid, [{"PartNumber": 1, "ETag": e} for e in finished])
    assert done["ETag"] == multipart_etag([b"A" * 8])
    assert first.get_object(Bucket=bucket, Key="k")["Body"].read() == b"A" * 8
