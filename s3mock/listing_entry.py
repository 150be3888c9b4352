"""An object's listing entry from LastModified to StorageClass, rendered once when its row is
written: a page of a thousand keys is then a join of stored strings."""

from __future__ import annotations

from s3mock.checksums import ALGORITHMS
from s3mock.dates import iso8601
from s3mock.storage.base import ObjectMeta


def _algorithm(alg: str) -> str:
    return f"<ChecksumAlgorithm>{alg}</ChecksumAlgorithm>"


_ALGORITHM = {alg: _algorithm(alg) for alg in ALGORITHMS}     # the usual ones, written once


def render(m: ObjectMeta) -> str:
    sums = ""
    if m.checksums:
        for alg in m.checksums:         # one, mostly: a loop costs less than a comprehension
            sums += _ALGORITHM.get(alg) or _algorithm(alg)
        if m.checksum_type:
            sums += f"<ChecksumType>{m.checksum_type}</ChecksumType>"
    return (f'<LastModified>{iso8601(m.mtime)}</LastModified><ETag>"{m.etag}"</ETag>{sums}'
            f"<Size>{m.size}</Size><StorageClass>STANDARD</StorageClass>")
