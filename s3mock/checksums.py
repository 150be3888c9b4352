"""S3 flexible checksums: the five algorithms, their headers, and COMPOSITE / FULL_OBJECT multipart values.

Pure: no aiohttp, no I/O. CRCs come from awscrt (C), SHAs from hashlib.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Protocol

from awscrt import checksums as _crt

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")

_PREFIX = "x-amz-checksum-"
_SIZES = {"CRC32": 4, "CRC32C": 4, "CRC64NVME": 8, "SHA1": 20, "SHA256": 32}
_CRC = {"CRC32": _crt.crc32, "CRC32C": _crt.crc32c, "CRC64NVME": _crt.crc64nvme}
_COMBINE = {"CRC32": _crt.combine_crc32, "CRC32C": _crt.combine_crc32c, "CRC64NVME": _crt.combine_crc64nvme}


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...

    def digest(self) -> bytes: ...


class _Crc:
    __slots__ = ("_fn", "_size", "_value")

    def __init__(self, algorithm: str):
        self._fn = _CRC[algorithm]
        self._size = _SIZES[algorithm]
        self._value = 0

    def update(self, data: bytes, /) -> None:
        self._value = self._fn(data, self._value)

    def digest(self) -> bytes:
        return self._value.to_bytes(self._size, "big")


def _known(algorithm: str) -> str:
    name = algorithm.upper()
    if name not in _SIZES:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return name


_HEADER_NAMES = {name: _PREFIX + name.lower() for name in ALGORITHMS}


def header_name(algorithm: str) -> str:
    return _HEADER_NAMES.get(algorithm) or _PREFIX + _known(algorithm).lower()


def algorithm_of_header(name: str) -> str | None:
    lowered = name.lower()
    if not lowered.startswith(_PREFIX):
        return None
    algorithm = lowered[len(_PREFIX):].upper()
    return algorithm if algorithm in _SIZES else None


def new(algorithm: str) -> Hasher:
    name = algorithm if algorithm in _SIZES else _known(algorithm)
    if name in _CRC:
        return _Crc(name)
    return hashlib.sha1() if name == "SHA1" else hashlib.sha256()


def encode(digest: bytes) -> str:
    """Base64, as base64.b64encode (a Python wrapper of this call) writes it."""
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


def is_valid(algorithm: str, value: str) -> bool:
    size = _SIZES[_known(algorithm)]
    try:
        return len(base64.b64decode(value, validate=True)) == size
    except (binascii.Error, ValueError):
        return False


def composite(algorithm: str, part_values_b64: list[str]) -> str:
    """COMPOSITE multipart checksum: the checksum of the concatenated raw part checksums, then "-<parts>"."""
    name = _known(algorithm)
    if name == "CRC64NVME":
        raise ValueError("S3 supports only FULL_OBJECT checksums for CRC64NVME")
    hasher = new(name)
    hasher.update(b"".join(base64.b64decode(value, validate=True) for value in part_values_b64))
    return f"{encode(hasher.digest())}-{len(part_values_b64)}"


def combine(algorithm: str, crc_a: bytes, crc_b: bytes, len_b: int) -> bytes:
    """CRC of A||B from CRC(A), CRC(B) and len(B), without the data: FULL_OBJECT multipart checksums."""
    name = _known(algorithm)
    if name not in _COMBINE:
        raise ValueError(f"{name} cannot be combined; only CRCs can")
    value = _COMBINE[name](int.from_bytes(crc_a, "big"), int.from_bytes(crc_b, "big"), len_b)
    return value.to_bytes(_SIZES[name], "big")
