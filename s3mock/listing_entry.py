"""An object's listing entry from LastModified to StorageClass, rendered once when its row is
written: a page of a thousand keys is then a join of stored strings."""

from __future__ import annotations

from s3mock.dates import iso8601
from s3mock.storage.base import ObjectMeta


def render(m: ObjectMeta) -> str:
    sums = "".join(f"<ChecksumAlgorithm>{alg}</ChecksumAlgorithm>" for alg in m.checksums)
    if m.checksums and m.checksum_type:
        sums += f"<ChecksumType>{m.checksum_type}</ChecksumType>"
    return (f'<LastModified>{iso8601(m.mtime)}</LastModified><ETag>"{m.etag}"</ETag>{sums}'
            f"<Size>{m.size}</Size><StorageClass>STANDARD</StorageClass>")
