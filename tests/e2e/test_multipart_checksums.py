"""Multipart uploads with flexible checksums, and reads of one part, as Amazon S3 answers them.

What the API reference leaves open is taken from AWS's own answers recorded by localstack's
AWS-validated tests (tests/aws/services/s3/test_s3.snapshot.json: TestS3MultipartUploadChecksum,
test_get_object_part, test_get_object_part_checksum, test_multipart_complete_multipart_too_small),
named at each test. Expected values are computed here, independently of the server:
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import os

import pytest
from botocore.exceptions import ClientError

from test_multipart import PART, b64, complete, error_of, multipart_etag, raw_checksum

DATA = [b"A" * PART, b"B" * PART, b"C" * 1234]


def message(excinfo) -> str:
    return excinfo.value.response["Error"]["Message"]


def upload(s3, bucket, key, parts, algorithm=None, kind=None) -> tuple[str, list[dict]]:
    """An upload of `parts`, each sent with its checksum of `algorithm`; (id, Complete's list)."""
    args = {"ChecksumAlgorithm": algorithm} if algorithm else {}
    extra = {"ChecksumType": kind} if kind else {}
    uid = s3.create_multipart_upload(Bucket=bucket, Key=key, **args, **extra)["UploadId"]
    done = []
    for n, body in enumerate(parts, 1):
        r = s3.upload_part(Bucket=bucket, Key=key, UploadId=uid, PartNumber=n, Body=body, **args)
        entry = {"PartNumber": n, "ETag": r["ETag"]}
        if algorithm:
            entry["Checksum" + algorithm] = r["Checksum" + algorithm]
        done.append(entry)
    return uid, done


def composite(algorithm: str, parts: list[bytes]) -> str:
    joined = b"".join(raw_checksum(algorithm, p) for p in parts)
    return f"{b64(raw_checksum(algorithm, joined))}-{len(parts)}"


# ---------------------------------------------------------------- the object's checksum on Complete

@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "CRC64NVME"])
def test_full_object_complete_with_the_whole_body_checksum(s3, bucket, algorithm):
    """s3-tests' test_multipart_use_cksum_helper_crc*: x-amz-checksum-<alg> on Complete is the
    object's checksum, not the request body's."""
    uid, parts = upload(s3, bucket, "k", DATA, algorithm, "FULL_OBJECT")
    whole = b64(raw_checksum(algorithm, b"".join(DATA)))
    field = "Checksum" + algorithm
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, ChecksumType="FULL_OBJECT",
                                        MultipartUpload={"Parts": parts}, **{field: whole})
    assert done[field] == whole and done["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head[field] == whole and head["ChecksumType"] == "FULL_OBJECT"


@pytest.mark.parametrize("algorithm", ["SHA1", "SHA256", "CRC32"])
def test_composite_complete_with_the_composite_checksum(s3, bucket, algorithm):
    """s3-tests' test_multipart_use_cksum_helper_sha*: the COMPOSITE value with its "-N" is accepted."""
    uid, parts = upload(s3, bucket, "k", DATA, algorithm, "COMPOSITE")
    value = composite(algorithm, DATA)
    field = "Checksum" + algorithm
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                        MultipartUpload={"Parts": parts}, **{field: value})
    assert done[field] == value and done["ChecksumType"] == "COMPOSITE"
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got[field] == value and got["Body"].read() == b"".join(DATA)


def test_a_wrong_object_checksum_is_bad_digest_naming_the_uploads_algorithm(s3, bucket):
    """test_multipart_parts_checksum_exceptions_full_object: any algorithm's header is compared,
    and the message names the upload's algorithm in lower case."""
    uid, parts = upload(s3, bucket, "k", [b"abc"], "CRC32C", "FULL_OBJECT")
    for header in ({"ChecksumCRC32C": b64(raw_checksum("CRC32C", b"bad string"))},
                   {"ChecksumCRC64NVME": b64(raw_checksum("CRC64NVME", b"abc"))},
                   {"ChecksumCRC32C": b64(raw_checksum("CRC32C", b"abc")) + "-1"}):
        with pytest.raises(ClientError) as e:
            s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid,
                                         MultipartUpload={"Parts": parts}, **header)
        assert error_of(e) == ("BadDigest", 400)
        assert message(e) == "The crc32c you specified did not match the calculated checksum."
    # s3-tests' test_multipart_checksum_sha256: a value that is not base64 at all is BadDigest too
    uid, parts = upload(s3, bucket, "s", [b"abc"], "SHA256")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="s", UploadId=uid, ChecksumSHA256="bad",
                                     MultipartUpload={"Parts": parts})
    assert error_of(e) == ("BadDigest", 400)
    assert message(e) == "The sha256 you specified did not match the calculated checksum."


def test_checksum_type_on_complete_must_be_the_uploads(s3, bucket):
    uid, parts = upload(s3, bucket, "k", [b"abc"], "CRC32C", "FULL_OBJECT")
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, ChecksumType="COMPOSITE",
                                     MultipartUpload={"Parts": parts})
    assert error_of(e) == ("InvalidRequest", 400)
    assert message(e) == ("The upload was created using the FULL_OBJECT checksum mode. The complete "
                          "request must use the same checksum mode.")
    uid, parts = upload(s3, bucket, "d", [b"abc"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="d", UploadId=uid, ChecksumType="FULL_OBJECT",
                                     MultipartUpload={"Parts": parts})
    assert error_of(e) == ("InvalidRequest", 400)
    assert message(e) == ("The upload was created using the null checksum mode. The complete "
                          "request must use the same checksum mode.")


def test_an_upload_without_algorithm_gets_crc64nvme_and_refuses_part_checksums(s3, bucket):
    """test_complete_multipart_parts_checksum_default: parts listed with checksums are InvalidPart,
    an object checksum header is ignored, and the object gets S3's default CRC64NVME."""
    uid = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    r = s3.upload_part(Bucket=bucket, Key="k", UploadId=uid, PartNumber=1, Body=b"aaa",
                       ChecksumAlgorithm="CRC32C")
    assert r["ChecksumCRC32C"] == b64(raw_checksum("CRC32C", b"aaa"))
    assert "ChecksumCRC32C" not in s3.list_parts(Bucket=bucket, Key="k", UploadId=uid)["Parts"][0]
    for extra in ({"ChecksumCRC32C": r["ChecksumCRC32C"]},
                  {"ChecksumSHA256": b64(raw_checksum("SHA256", b"aaa"))}):
        with pytest.raises(ClientError) as e:
            complete(s3, bucket, "k", uid, [{"PartNumber": 1, "ETag": r["ETag"], **extra}])
        assert error_of(e) == ("InvalidPart", 400)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, ChecksumCRC32C="AAAAAA==-2",
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": r["ETag"]}]})
    assert done["ChecksumCRC64NVME"] == b64(raw_checksum("CRC64NVME", b"aaa"))
    assert done["ChecksumType"] == "FULL_OBJECT"


def test_part_checksums_listed_on_complete(s3, bucket):
    """test_complete_multipart_parts_checksum_composite and ..._exceptions_composite."""
    uid, parts = upload(s3, bucket, "k", [b"abc"], "CRC32", "COMPOSITE")
    wrong = [{**parts[0], "ChecksumCRC32": b64(raw_checksum("CRC32", b"bbb"))}]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, wrong)
    assert error_of(e) == ("InvalidPart", 400)
    other = [{"PartNumber": 1, "ETag": parts[0]["ETag"], "ChecksumSHA256": b64(raw_checksum("SHA256", b"abc"))}]
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, other)
    assert error_of(e) == ("BadDigest", 400)
    assert message(e) == "The sha256 you specified for part 1 did not match what we received."
    assert complete(s3, bucket, "k", uid, parts)["ChecksumCRC32"] == composite("CRC32", [b"abc"])


def test_object_size_header_on_complete(s3, bucket):
    """test_multipart_size_validation: x-amz-mp-object-size must be the object's size."""
    uid, parts = upload(s3, bucket, "k", [b"aaaa"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MpuObjectSize=5,
                                     MultipartUpload={"Parts": parts})
    assert error_of(e) == ("InvalidRequest", 400)
    assert message(e) == "The provided 'x-amz-mp-object-size' header value 5 does not match what was computed: 4"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid, MpuObjectSize=4,
                                        MultipartUpload={"Parts": parts})
    assert done["ETag"] == multipart_etag([b"aaaa"])


def test_complete_without_a_parts_document_and_entity_too_small_fields(s3, bucket):
    """test_multipart_complete_multipart_too_small: no document at all is InvalidRequest (s3-tests'
    test_multipart_upload_empty expects MalformedXML, which is not what S3 answers); a small part
    before the last is EntityTooSmall with the part's ETag unquoted."""
    uid, parts = upload(s3, bucket, "k", [b"data", b"data"])
    with pytest.raises(ClientError) as e:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=uid)
    assert error_of(e) == ("InvalidRequest", 400)
    assert message(e) == "You must specify at least one part"
    with pytest.raises(ClientError) as e:
        complete(s3, bucket, "k", uid, parts)
    err = e.value.response["Error"]
    assert err["Code"] == "EntityTooSmall"
    assert {k: err.get(k) for k in ("ETag", "PartNumber", "ProposedSize", "MinSizeAllowed", "UploadId")} == {
        "ETag": parts[0]["ETag"].strip('"'), "PartNumber": "1", "ProposedSize": "4",
        "MinSizeAllowed": str(PART), "UploadId": None}


# ---------------------------------------------------------------- reading one part

def test_a_composite_objects_part_reads_carry_the_parts_checksum(s3, bucket):
    """test_complete_multipart_parts_checksum_composite, test_get_object_part_checksum[COMPOSITE]."""
    uid, parts = upload(s3, bucket, "k", DATA, "SHA1")
    complete(s3, bucket, "k", uid, parts)
    offset = 0
    for n, body in enumerate(DATA, 1):
        for read in (s3.get_object, s3.head_object):
            r = read(Bucket=bucket, Key="k", PartNumber=n, ChecksumMode="ENABLED")
            assert r["ResponseMetadata"]["HTTPStatusCode"] == 206
            assert r["ChecksumSHA1"] == b64(raw_checksum("SHA1", body))
            assert r["ChecksumType"] == "COMPOSITE"
            assert r["ContentRange"] == f"bytes {offset}-{offset + len(body) - 1}/{sum(map(len, DATA))}"
        offset += len(body)
    # without x-amz-checksum-mode no checksum is shown
    assert "ChecksumSHA1" not in s3.head_object(Bucket=bucket, Key="k", PartNumber=1)


def test_a_full_object_checksums_part_reads(s3, bucket):
    """test_complete_multipart_parts_checksum_full_object: a part of several has no checksum of
    its own to show (s3-tests' test_multipart_use_cksum_helper_crc* expect one: S3 sends none);
    test_get_object_part_checksum[FULL_OBJECT]: a single part is the object, with its checksum."""
    uid, parts = upload(s3, bucket, "k", DATA, "CRC32C", "FULL_OBJECT")
    complete(s3, bucket, "k", uid, parts)
    r = s3.get_object(Bucket=bucket, Key="k", PartNumber=3, ChecksumMode="ENABLED")
    assert r["Body"].read() == DATA[2] and r["PartsCount"] == 3
    assert "ChecksumCRC32C" not in r and "ChecksumType" not in r
    uid, parts = upload(s3, bucket, "one", [b"test content 123"], "CRC32C", "FULL_OBJECT")
    complete(s3, bucket, "one", uid, parts)
    r = s3.get_object(Bucket=bucket, Key="one", PartNumber=1, ChecksumMode="ENABLED")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206 and r["ContentRange"] == "bytes 0-15/16"
    assert r["ChecksumCRC32C"] == b64(raw_checksum("CRC32C", b"test content 123"))
    assert r["ChecksumType"] == "FULL_OBJECT"


def test_part_one_of_a_single_part_object_is_the_object_with_its_checksum(s3, bucket):
    """test_get_object_part: 206 with the whole range, and the object's checksum."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"test-123", ChecksumAlgorithm="CRC32")
    r = s3.get_object(Bucket=bucket, Key="k", PartNumber=1, ChecksumMode="ENABLED")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 206 and r["ContentRange"] == "bytes 0-7/8"
    assert r["ChecksumCRC32"] == b64(raw_checksum("CRC32", b"test-123"))
    assert r["Body"].read() == b"test-123"


def test_a_part_past_the_last_is_invalid_part_number_with_the_counts(s3, bucket):
    """test_get_object_part: 416 InvalidPartNumber with PartNumberRequested and ActualPartCount
    (s3-tests' test_multipart_get_part, test_multipart_single_get_part and
    test_non_multipart_get_part expect 400 InvalidPart, which is not what S3 answers)."""
    uid, parts = upload(s3, bucket, "mp", [os.urandom(PART), b"tail"])
    complete(s3, bucket, "mp", uid, parts)
    s3.put_object(Bucket=bucket, Key="single", Body=b"test-123")
    for key, n, count in (("mp", 10, 2), ("mp", 3, 2), ("single", 2, 1)):
        with pytest.raises(ClientError) as e:
            s3.get_object(Bucket=bucket, Key=key, PartNumber=n)
        err = e.value.response["Error"]
        assert (err["Code"], e.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("InvalidPartNumber", 416)
        assert err["Message"] == "The requested partnumber is not satisfiable"
        assert (err["PartNumberRequested"], err["ActualPartCount"]) == (str(n), str(count))
        with pytest.raises(ClientError) as e:
            s3.head_object(Bucket=bucket, Key=key, PartNumber=n)
        assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416
