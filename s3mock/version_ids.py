"""Version ids: S3's opaque 32-character form that carries the version's place in its key's stack.

Pure: no I/O. An id is 24 bytes in base64 with `.` and `_` for `+` and `/` (S3's alphabet,
`^[0-9a-zA-Z._]{32}$`: LocalStack's test_object_version_id_format, tested on over 100 AWS ids):
an 8-byte sequence (its order within the key: newer versions have larger ones, so a
version-id-marker still positions a page after its version is deleted), 12 random bytes, and a
4-byte keyed check, so that an id s3mock never issued is refused as S3 refuses one
(400 InvalidArgument, "Invalid version id specified").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import time

NULL = "null"           # the version of objects written unversioned or while Suspended
_CHECK_KEY = b"s3mock version id"


def _check(head: bytes) -> bytes:
    return hashlib.blake2b(head, digest_size=4, key=_CHECK_KEY).digest()


def time_seq() -> int:
    """A sequence number from the clock (ms, with room for 65536 per ms); the store makes it
    larger than the key's last one when the clock is behind."""
    return int(time.time() * 1000) << 16


def make(seq: int) -> str:
    head = seq.to_bytes(8, "big") + os.urandom(12)
    return base64.b64encode(head + _check(head), altchars=b"._").decode()


def seq_of(version_id: str) -> int | None:
    """The sequence an id carries; None if s3mock did not issue it (wrong length, alphabet or
    check). `null` is not an id of this form: callers handle it first."""
    if len(version_id) != 32:
        return None
    try:
        raw = base64.b64decode(version_id.encode("ascii"), altchars=b"._", validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if len(raw) != 24 or _check(raw[:20]) != raw[20:]:
        return None
    return int.from_bytes(raw[:8], "big")


def valid(version_id: str) -> bool:
    return version_id == NULL or seq_of(version_id) is not None
