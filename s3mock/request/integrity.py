"""The request checksum model, one for every write: what to verify of a body (Content-MD5, one
flexible checksum from a header, trailer or SDK algorithm, a signed payload SHA-256) and which
checksums the stored object or part keeps. PutObject, UploadPart and the small XML bodies read it
from headers, PostObject from form fields; CopyObject and CreateMultipartUpload name an algorithm.

The store runs the verdict (Integrity is a storage.base.BodyCheck) after the body's last byte and
before its commit. https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from typing import Mapping

from s3mock import checksums
from s3mock.errors import S3Error, unsupported_checksum_algorithm
from s3mock.storage.base import Digest

DEFAULT_CHECKSUM = "CRC64NVME"      # what S3 computes and keeps when a write names no algorithm
# x-amz-checksum-* names that are not a checksum value.
NOT_CHECKSUMS = frozenset({"x-amz-checksum-algorithm", "x-amz-checksum-type", "x-amz-checksum-mode"})
_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass
class Integrity:
    """What the client asked us to verify and store about a body."""
    md5: bytes | None = None
    algorithm: str | None = None         # the flexible checksum to compute and store
    value: str | None = None             # its expected value, from a header or form field
    trailer: bool = False                # its expected value arrives as a trailer (in `trailers`)
    payload_sha256: str | None = None    # hex, from a signed x-amz-content-sha256
    keep: set[str] = field(default_factory=set)     # more checksums to store (a part's upload's)
    trailers: dict[str, str] = field(default_factory=dict)    # filled as the body is read

    @property
    def algorithms(self) -> list[str]:
        """The checksums to compute as the body arrives (MD5 is always computed)."""
        if not self.keep and not self.payload_sha256:      # the usual write: one, or none
            return [self.algorithm] if self.algorithm else []
        algs = set(self.keep)
        if self.algorithm:
            algs.add(self.algorithm)
        if self.payload_sha256:
            algs.add("SHA256")
        return sorted(algs)

    def verify(self, digest: Digest) -> dict[str, str]:
        """Raise S3's error if the body is not what the client said; else the checksums to keep."""
        # S3 quirk: ExpectedDigest is hex, CalculatedDigest base64.
        if self.md5 is not None and digest.md5 != self.md5:
            raise S3Error("BadDigest", ExpectedDigest=self.md5.hex(),
                          CalculatedDigest=checksums.encode(digest.md5))
        if self.payload_sha256:
            actual = base64.b64decode(digest.checksums["SHA256"]).hex()
            if actual != self.payload_sha256:
                raise S3Error("XAmzContentSHA256Mismatch", ClientComputedContentSHA256=self.payload_sha256,
                              S3ComputedContentSHA256=actual)
        if self.algorithm and (self.value is not None or self.trailer):
            self._check_value(digest.checksums[self.algorithm])
        if not self.keep:                   # the usual write: its one algorithm's, or none
            return {self.algorithm: digest.checksums[self.algorithm]} if self.algorithm else {}
        kept = self.keep | {self.algorithm} if self.algorithm else self.keep
        return {alg: digest.checksums[alg] for alg in kept}

    def _check_value(self, actual: str) -> None:
        expected = self.value
        if self.trailer:
            name = checksums.header_name(self.algorithm or "")
            expected = self.trailers.get(name)
            if expected is None:
                return
            if not checksums.is_valid(self.algorithm or "", expected):
                raise S3Error("InvalidRequest", f"Value for {name} trailing header is invalid.")
        if expected is not None and expected != actual:
            raise S3Error("BadDigest", f"The {self.algorithm} you specified did not match the "
                          "calculated checksum.")

    def verify_bytes(self, body: bytes) -> None:
        """verify() for a body read whole (an XML document)."""
        sums = {}
        for alg in self.algorithms:
            h = checksums.new(alg)
            h.update(body)
            sums[alg] = checksums.encode(h.digest())
        self.verify(Digest(len(body), hashlib.md5(body).digest(), sums))


def _md5(value: str) -> bytes:
    try:
        md5 = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        md5 = b""
    if len(md5) != 16:
        raise S3Error("InvalidDigest", **{"Content-MD5": value})
    return md5


def _one_checksum(out: Integrity, found: list[tuple[str | None, str, str]]) -> None:
    """The x-amz-checksum-<algorithm> values sent (at most one, of a known algorithm, valid)."""
    unknown = [name for alg, name, _ in found if alg is None]
    if unknown:
        raise S3Error("InvalidRequest", f"The algorithm type you specified in {unknown[0].lower()} "
                      "header is invalid.")
    if len(found) > 1:
        raise _multiple()
    if found:
        alg, name, value = found[0]
        if not checksums.is_valid(alg or "", value):
            raise S3Error("InvalidRequest", f"Value for {name.lower()} header is invalid.")
        out.algorithm, out.value = alg, value


def _multiple() -> S3Error:
    return S3Error("InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple "
                   "checksum Types are not allowed.")


def from_headers(headers: Mapping[str, str], names: list[str], default_algorithm: str | None = None,
                 flexible: bool = True) -> Integrity:
    """What to verify of a request's body. `names`: the x-amz-checksum-* header names sent.
    Without `flexible`, x-amz-checksum-* headers are not the body's (CompleteMultipartUpload's
    name the object the upload becomes) and only Content-MD5 and a signed payload hash count."""
    out = Integrity()
    md5 = headers.get("Content-MD5")
    if md5 is not None:
        out.md5 = _md5(md5)
    if flexible:
        if names:
            _one_checksum(out, [(checksums.algorithm_of_header(n), n, headers[n]) for n in names
                                if n not in NOT_CHECKSUMS])
        trailer = headers.get("x-amz-trailer")
        if trailer:
            alg = checksums.algorithm_of_header(trailer.strip())
            if alg is None:
                raise S3Error("InvalidRequest", "The value specified in the x-amz-trailer header "
                              "is not supported")
            if out.algorithm and out.algorithm != alg:
                raise _multiple()
            out.algorithm, out.trailer = alg, True
        sdk = headers.get("x-amz-sdk-checksum-algorithm")
        if sdk and not out.algorithm:
            if sdk.upper() not in checksums.ALGORITHMS:
                raise unsupported_checksum_algorithm()
            out.algorithm = sdk.upper()
    if not out.algorithm and default_algorithm:
        out.algorithm = default_algorithm
    sha = headers.get("x-amz-content-sha256", "")
    if _HEX64.match(sha):
        out.payload_sha256 = sha.lower()
    return out


def from_form(fields: Mapping[str, str]) -> Integrity:
    """Content-MD5 and x-amz-checksum-* form fields (names lower-case), as PutObject takes them
    as headers; an x-amz-checksum-algorithm field S3 does not know is ignored."""
    out = Integrity()
    if "content-md5" in fields:
        out.md5 = _md5(fields["content-md5"])
    _one_checksum(out, [(checksums.algorithm_of_header(n), n, v) for n, v in fields.items()
                        if n.startswith("x-amz-checksum-") and n not in NOT_CHECKSUMS])
    if out.algorithm is None:
        named = fields.get("x-amz-checksum-algorithm", "").upper()
        out.algorithm = named if named in checksums.ALGORITHMS else DEFAULT_CHECKSUM
    return out


def requested_algorithm(headers: Mapping[str, str]) -> str | None:
    """The algorithm x-amz-checksum-algorithm names (CopyObject, CreateMultipartUpload), if any."""
    algorithm = headers.get("x-amz-checksum-algorithm", "").upper() or None
    if algorithm is not None and algorithm not in checksums.ALGORITHMS:
        raise unsupported_checksum_algorithm()
    return algorithm


def upload_checksum_type(algorithm: str | None, requested: str | None) -> str | None:
    """A multipart upload's checksum type: x-amz-checksum-type if it fits the algorithm, else the
    algorithm's default (FULL_OBJECT for CRC64NVME, COMPOSITE for the others)."""
    if algorithm is None:
        if requested:
            raise S3Error("InvalidRequest", "The x-amz-checksum-type header can only be used with "
                          "the x-amz-checksum-algorithm header.")
        return None
    kind = (requested or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")).upper()
    if kind not in ("COMPOSITE", "FULL_OBJECT"):
        raise S3Error("InvalidRequest", "Value for x-amz-checksum-type header is invalid.")
    if kind == "FULL_OBJECT" and algorithm in ("SHA1", "SHA256") or \
            kind == "COMPOSITE" and algorithm == "CRC64NVME":
        raise S3Error("InvalidRequest", f"The {kind} checksum type cannot be used with the "
                      f"{algorithm.lower()} checksum algorithm.")
    return kind
