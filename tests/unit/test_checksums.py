"""S3 flexible checksums: known values, independent bitwise CRCs, botocore's own classes, combine."""

import base64
import time
import zlib

import pytest
from botocore import httpchecksum
from hypothesis import given, settings
from hypothesis import strategies as st

from s3mock import checksums


def _bitwise_crc(poly: int, width: int):
    """Reflected CRC with all-ones init and xorout, one bit at a time: slow and obviously right."""
    mask = (1 << width) - 1

    def crc(data: bytes) -> bytes:
        value = mask
        for byte in data:
            value ^= byte
            for _ in range(8):
                value = (value >> 1) ^ poly if value & 1 else value >> 1
        return (value ^ mask).to_bytes(width // 8, "big")

    return crc


REFERENCE_CRC = {
    "CRC32": _bitwise_crc(0xEDB88320, 32),
    "CRC32C": _bitwise_crc(0x82F63B78, 32),
    "CRC64NVME": _bitwise_crc(0x9A6C9329AC4BC9B5, 64),
}
BOTOCORE = {
    "CRC32": httpchecksum.CrtCrc32Checksum,
    "CRC32C": httpchecksum.CrtCrc32cChecksum,
    "CRC64NVME": httpchecksum.CrtCrc64NvmeChecksum,
    "SHA1": httpchecksum.Sha1Checksum,
    "SHA256": httpchecksum.Sha256Checksum,
}
CRCS = ("CRC32", "CRC32C", "CRC64NVME")


def digest(algorithm: str, data: bytes) -> bytes:
    hasher = checksums.new(algorithm)
    hasher.update(data)
    return hasher.digest()


@pytest.mark.parametrize(
    "algorithm, data, expected",
    [
        ("CRC32", b"123456789", "y/Q5Jg=="),
        ("CRC32C", b"123456789", "4waSgw=="),
        ("CRC64NVME", b"123456789", "rosUhgp5mIg="),
        ("SHA1", b"123456789", "98O8HYCOBHMq32eZZczDTKeuNEE="),
        ("SHA256", b"123456789", "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU="),
        ("CRC32", b"", "AAAAAA=="),
        ("CRC32C", b"", "AAAAAA=="),
        ("CRC64NVME", b"", "AAAAAAAAAAA="),
        ("SHA1", b"", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
        ("SHA256", b"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    ],
)
def test_known_values(algorithm, data, expected):
    assert checksums.encode(digest(algorithm, data)) == expected


def test_crc_check_values_as_integers():
    assert digest("CRC32", b"123456789").hex() == "cbf43926"
    assert digest("CRC32C", b"123456789").hex() == "e3069283"
    assert digest("CRC64NVME", b"123456789").hex() == "ae8b14860a799888"


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=300), cut=st.integers(min_value=0, max_value=300))
def test_crcs_match_bitwise_reference_and_incremental_updates(data, cut):
    for algorithm in CRCS:
        hasher = checksums.new(algorithm)
        hasher.update(data[:cut])
        hasher.update(data[cut:])
        assert hasher.digest() == REFERENCE_CRC[algorithm](data)


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=5000))
def test_all_algorithms_match_botocore(data):
    for algorithm in checksums.ALGORITHMS:
        theirs = BOTOCORE[algorithm]()
        theirs.update(data)
        assert checksums.encode(digest(algorithm, data)) == theirs.b64digest()


def test_crc32_matches_zlib_on_a_large_buffer():
    data = bytes(range(256)) * 40_000
    assert digest("CRC32", data) == zlib.crc32(data).to_bytes(4, "big")


@pytest.mark.parametrize(
    "algorithm, header",
    [
        ("CRC32", "x-amz-checksum-crc32"),
        ("CRC32C", "x-amz-checksum-crc32c"),
        ("CRC64NVME", "x-amz-checksum-crc64nvme"),
        ("SHA1", "x-amz-checksum-sha1"),
        ("SHA256", "x-amz-checksum-sha256"),
    ],
)
def test_header_names_round_trip(algorithm, header):
    assert checksums.header_name(algorithm) == header
    assert checksums.algorithm_of_header(header) == algorithm
    assert checksums.algorithm_of_header(header.upper()) == algorithm
    assert checksums.algorithm_of_header(header.title()) == algorithm


@pytest.mark.parametrize(
    "name",
    ["x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode", "x-amz-checksum-",
     "x-amz-checksum-md5", "content-md5", "x-amz-checksum-crc32-extra", "checksum-crc32"],
)
def test_other_headers_are_not_checksums(name):
    assert checksums.algorithm_of_header(name) is None


def test_unknown_algorithm_is_an_error():
    for call in (lambda: checksums.header_name("MD5"), lambda: checksums.new("CRC16"),
                 lambda: checksums.is_valid("XXHASH64", "AAAA")):
        with pytest.raises(ValueError):
            call()


def test_algorithm_names_are_case_insensitive():
    assert checksums.header_name("crc64nvme") == "x-amz-checksum-crc64nvme"
    assert digest("sha256", b"x") == digest("SHA256", b"x")


@pytest.mark.parametrize(
    "algorithm, value, valid",
    [
        ("CRC32", "y/Q5Jg==", True),
        ("CRC32", "y/Q5Jg", False),
        ("CRC32", "y/Q5Jg=", False),
        ("CRC32", "rosUhgp5mIg=", False),
        ("CRC32C", "4waSgw==", True),
        ("CRC32C", "4wa$gw==", False),
        ("CRC64NVME", "rosUhgp5mIg=", True),
        ("CRC64NVME", "y/Q5Jg==", False),
        ("SHA1", "98O8HYCOBHMq32eZZczDTKeuNEE=", True),
        ("SHA1", "98O8HYCOBHMq32eZZczDTKeuNE==", False),
        ("SHA256", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", True),
        ("SHA256", "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", False),
        ("SHA256", "", False),
        ("CRC32", "ÿÿÿÿÿÿÿÿ", False),
        ("CRC32", " y/Q5Jg==", False),
    ],
)
def test_is_valid(algorithm, value, valid):
    assert checksums.is_valid(algorithm, value) is valid


@pytest.mark.parametrize("algorithm", ["CRC32", "CRC32C", "SHA1", "SHA256"])
def test_composite_is_checksum_of_concatenated_part_checksums(algorithm):
    parts = [b"first part", b"second", b""]
    raw = [digest(algorithm, part) for part in parts]
    expected = checksums.encode(digest(algorithm, b"".join(raw))) + "-3"
    assert checksums.composite(algorithm, [checksums.encode(r) for r in raw]) == expected


def test_composite_crc32_against_zlib():
    values = ["y/Q5Jg==", "AAAAAA=="]
    raw = base64.b64decode(values[0]) + base64.b64decode(values[1])
    expected = base64.b64encode(zlib.crc32(raw).to_bytes(4, "big")).decode() + "-2"
    assert checksums.composite("CRC32", values) == expected


def test_composite_is_not_defined_for_crc64nvme():
    with pytest.raises(ValueError):
        checksums.composite("CRC64NVME", ["rosUhgp5mIg="])


@settings(max_examples=100, deadline=None)
@given(a=st.binary(max_size=2000), b=st.binary(max_size=2000), algorithm=st.sampled_from(CRCS))
def test_combine_equals_crc_of_concatenation(a, b, algorithm):
    combined = checksums.combine(algorithm, digest(algorithm, a), digest(algorithm, b), len(b))
    assert combined == digest(algorithm, a + b)


@pytest.mark.parametrize("algorithm", CRCS)
def test_combine_folds_parts_into_full_object_checksum(algorithm):
    parts = [bytes([i]) * (1000 + 37 * i) for i in range(1, 12)]
    value = digest(algorithm, b"")
    for part in parts:
        value = checksums.combine(algorithm, value, digest(algorithm, part), len(part))
    assert value == digest(algorithm, b"".join(parts))


def test_combine_rejects_non_crc():
    with pytest.raises(ValueError):
        checksums.combine("SHA256", b"\0" * 32, b"\0" * 32, 1)


@pytest.mark.parametrize("algorithm", CRCS)
def test_combine_10000_parts_of_8_mib_is_fast(algorithm):
    part = digest(algorithm, b"stand-in for 8 MiB of data")
    value = digest(algorithm, b"")
    start = time.perf_counter()
    for _ in range(10_000):
        value = checksums.combine(algorithm, value, part, 8 << 20)
    assert time.perf_counter() - start < 1.0
