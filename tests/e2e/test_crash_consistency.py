"""Crash consistency across every write path: PutObject, CopyObject (with a checksum computed or
not), multipart (create, parts sent or copied, complete, abort), DeleteObjects, PutBucketCors/DeleteBucketCors, PutBucketAcl and PutObjectAcl,
and in versioned buckets PUTs, delete markers, deletes by version id and Suspended replacements.

Independent workers each drive their own keys or bucket with a sequential stream of operations and
keep a model of what a client must see. The server is SIGKILLed after a (seeded) random number of
acknowledged operations, restarted on the same data directory, and each worker's visible state must
be exactly its model after all its acknowledged operations, or after those plus the one that was in
flight. Nothing is torn, no orphan blob or temp file survives the restart. Several rounds, each
continuing from the state the last one verified (test_durability.py covers many concurrent PUTs)."""

from __future__ import annotations

import hashlib
import random
import threading
from xml.etree import ElementTree
from typing import Callable

from botocore.exceptions import ClientError

from support import client, start_server
from test_disk_faults import assert_no_leftovers

ROUNDS = 6
BUCKET, CORS_BUCKET, ACL_BUCKET = "crash-objects", "crash-cors", "crash-acl"
VERSIONED, SUSPENDED = "crash-versioned", "crash-suspended"
MARKER = "marker"
S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"
SIZES = [0, 1, 100, 8191, 70_000, 300_000, 1_200_000]
CANNED = ["private", "public-read", "public-read-write", "authenticated-read"]


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def code(e: ClientError) -> str:
    return e.response["Error"]["Code"]


def get_sha(s3, bucket: str, key: str, with_type: bool = False):
    try:
        r = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as e:
        assert code(e) == "NoSuchKey"
        return None
    body = r["Body"].read()
    assert len(body) == r["ContentLength"]
    if "-" not in r["ETag"]:      # a multipart object's ETag is the MD5 of its parts' MD5s
        assert r["ETag"] == f'"{hashlib.md5(body).hexdigest()}"', "ETag of other bytes: torn object"
    return (sha(body), r.get("ContentType")) if with_type else sha(body)


class Worker:
    """A sequential stream of operations on its own keys, with a model of the visible state.
    `pending` accepts the states the in-flight operation may have left (None: nothing in flight)."""

    name = "worker"

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.state: object = None
        self.pending: Callable[[object], bool] | None = None

    def step(self, s3) -> None:           # one request; on success self.state is updated
        raise NotImplementedError

    def observe(self, s3) -> object:
        raise NotImplementedError

    def verify(self, s3) -> None:
        seen = self.observe(s3)
        ok = seen == self.state or (self.pending is not None and self.pending(seen))
        assert ok, f"{self.name}: after the restart {seen!r}, expected {self.state!r} " \
                   f"(or the in-flight operation's result)"
        self.state, self.pending = seen, None


class Puts(Worker):
    name, keys = "PutObject", [f"put/{i}" for i in range(4)]

    def step(self, s3):
        key, body = self.rng.choice(self.keys), self.rng.randbytes(self.rng.choice(SIZES))
        new = {**self.state, key: sha(body)}
        self.pending = new.__eq__
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        self.state = new

    def observe(self, s3):
        return {k: get_sha(s3, BUCKET, k) for k in self.keys}


class Copies(Worker):
    name, keys = "CopyObject", [f"copy/dst{i}" for i in range(3)]
    sources = {f"copy/src{i}": random.Random(i).randbytes(SIZES[i + 3]) for i in range(3)}

    def setup(self, s3):
        for k, b in self.sources.items():
            s3.put_object(Bucket=BUCKET, Key=k, Body=b, ContentType=f"src/{k[-1]}")

    def step(self, s3):
        src, dst = self.rng.choice(sorted(self.sources)), self.rng.choice(self.keys)
        extra = {}
        ctype = f"src/{src[-1]}"
        if self.rng.random() < 0.5:
            ctype = f"replaced/{self.rng.randrange(1000)}"
            extra = {"MetadataDirective": "REPLACE", "ContentType": ctype}
        if self.rng.random() < 0.3:
            extra["ChecksumAlgorithm"] = "SHA1"     # the source has none: read and hashed first
        new = {**self.state, dst: (sha(self.sources[src]), ctype)}
        self.pending = new.__eq__
        s3.copy_object(Bucket=BUCKET, Key=dst, CopySource={"Bucket": BUCKET, "Key": src}, **extra)
        self.state = new

    def observe(self, s3):
        return {k: get_sha(s3, BUCKET, k, with_type=True) for k in self.keys}


class Multipart(Worker):
    """One key; state: (object sha, {upload id: {part number: part ETag}})."""
    name, key = "multipart", "mp/obj"
    source = random.Random(9).randbytes(SIZES[5])      # what UploadPartCopy copies from

    def __init__(self, rng):
        super().__init__(rng)
        self.bodies: dict[str, bytes] = {}     # part ETag -> body

    def setup(self, s3):
        s3.put_object(Bucket=BUCKET, Key="mp-src", Body=self.source)

    def _next_part(self) -> tuple[bytes, str | None]:
        """The next part's body, and the range of mp-src it is copied from (None: sent)."""
        if self.rng.random() < 0.3:
            lo = self.rng.randrange(len(self.source))
            hi = self.rng.randrange(lo, len(self.source))
            return self.source[lo:hi + 1], f"bytes={lo}-{hi}"
        return self.rng.randbytes(self.rng.choice(SIZES[:5])), None

    def step(self, s3):
        obj, uploads = self.state
        if not uploads:
            def created(seen, before=self.state):
                # an id the client never learnt: exactly one new, empty upload
                new_ids = set(seen[1]) - set(before[1])
                return seen[0] == before[0] and set(before[1]) <= set(seen[1]) and \
                    len(new_ids) == 1 and all(seen[1][u] == {} for u in new_ids)
            self.pending = created
            up = s3.create_multipart_upload(Bucket=BUCKET, Key=self.key)["UploadId"]
            self.state = (obj, {up: {}})
            return
        (up, parts), = uploads.items()
        choice = self.rng.random()
        if not parts or (choice < 0.5 and len(parts) < 3):
            n = self.rng.randint(1, 3)
            body, copied = self._next_part()
            etag = f'"{hashlib.md5(body).hexdigest()}"'
            self.bodies[etag] = body
            new = (obj, {up: {**parts, n: etag}})
            self.pending = new.__eq__
            if copied is None:
                s3.upload_part(Bucket=BUCKET, Key=self.key, UploadId=up, PartNumber=n, Body=body)
            else:
                s3.upload_part_copy(Bucket=BUCKET, Key=self.key, UploadId=up, PartNumber=n,
                                    CopySource={"Bucket": BUCKET, "Key": "mp-src"},
                                    CopySourceRange=copied)
        elif choice < 0.9:
            # parts are under 5 MiB: complete with the last-numbered one only
            n = max(parts)
            new = (sha(self.bodies[parts[n]]), {})
            self.pending = new.__eq__
            s3.complete_multipart_upload(Bucket=BUCKET, Key=self.key, UploadId=up, MultipartUpload={
                "Parts": [{"PartNumber": n, "ETag": parts[n]}]})
        else:
            new = (obj, {})
            self.pending = new.__eq__
            s3.abort_multipart_upload(Bucket=BUCKET, Key=self.key, UploadId=up)
        self.state = new

    def observe(self, s3):
        uploads = {}
        for u in s3.list_multipart_uploads(Bucket=BUCKET, Prefix="mp/").get("Uploads", []):
            listed = s3.list_parts(Bucket=BUCKET, Key=self.key, UploadId=u["UploadId"]).get("Parts", [])
            uploads[u["UploadId"]] = {p["PartNumber"]: p["ETag"] for p in listed}
        return get_sha(s3, BUCKET, self.key), uploads


class DeleteObjects(Worker):
    name, keys = "DeleteObjects", [f"del/{i}" for i in range(6)]

    def step(self, s3):
        if self.rng.random() < 0.55:
            key, body = self.rng.choice(self.keys), self.rng.randbytes(self.rng.choice(SIZES[:5]))
            new = {**self.state, key: sha(body)}
            self.pending = new.__eq__
            s3.put_object(Bucket=BUCKET, Key=key, Body=body)
        else:
            victims = self.rng.sample(self.keys, self.rng.randint(1, 4))
            new = {k: (None if k in victims else v) for k, v in self.state.items()}
            before = self.state
            # DeleteObjects is not atomic in S3 either: any subset of the keys may be gone
            self.pending = lambda seen: all(seen[k] == before[k] or (k in victims and seen[k] is None)
                                            for k in before)
            r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in victims]})
            assert not r.get("Errors"), r
        self.state = new

    def observe(self, s3):
        return {k: get_sha(s3, BUCKET, k) for k in self.keys}


class Cors(Worker):
    name = "PutBucketCors"

    def step(self, s3):
        if self.rng.random() < 0.2:
            new = None
            self.pending = new.__eq__
            s3.delete_bucket_cors(Bucket=CORS_BUCKET)
        else:
            new = f"https://o{self.rng.randrange(10**6)}.example"
            self.pending = new.__eq__
            s3.put_bucket_cors(Bucket=CORS_BUCKET, CORSConfiguration={"CORSRules": [
                {"AllowedOrigins": [new], "AllowedMethods": ["GET", "PUT"], "MaxAgeSeconds": 60}]})
        self.state = new

    def observe(self, s3):
        try:
            rules = s3.get_bucket_cors(Bucket=CORS_BUCKET)["CORSRules"]
        except ClientError as e:
            assert code(e) == "NoSuchCORSConfiguration"
            return None
        assert len(rules) == 1 and rules[0]["AllowedMethods"] == ["GET", "PUT"]
        return rules[0]["AllowedOrigins"][0]


def versions_of(s3, bucket: str, keys: list[str]) -> dict:
    """Each key's stack, newest first, as ListObjectVersions streams it (Versions and
    DeleteMarkers interleaved in the raw body): (version id, sha of its bytes or MARKER)."""
    raw: list[bytes] = []

    def keep(http_response, **_):
        raw.append(http_response.content)
    s3.meta.events.register("after-call.s3.ListObjectVersions", keep)
    try:
        assert not s3.list_object_versions(Bucket=bucket)["IsTruncated"]
    finally:
        s3.meta.events.unregister("after-call.s3.ListObjectVersions", keep)
    out: dict = {k: [] for k in keys}
    for el in ElementTree.fromstring(raw[0]):
        tag = el.tag.rpartition("}")[2]
        if tag not in ("Version", "DeleteMarker"):
            continue
        key, vid = (el.find(f"{{{S3_NS}}}{n}").text for n in ("Key", "VersionId"))
        if tag == "Version":
            body = s3.get_object(Bucket=bucket, Key=key, VersionId=vid)["Body"].read()
            out[key].append((vid, sha(body)))
        else:
            out[key].append((vid, MARKER))
    return {k: tuple(v) for k, v in out.items()}


class Versioned(Worker):
    """An Enabled bucket: PUTs push versions, DELETEs push markers, deletes by id remove one
    entry for good (its blobs with it). A version acknowledged survives; an in-flight one is there
    whole (on top, with its bytes) or not at all."""
    name, keys = "Versioned", [f"ver/{i}" for i in range(3)]

    def setup(self, s3):
        s3.put_bucket_versioning(Bucket=VERSIONED, VersioningConfiguration={"Status": "Enabled"})

    def step(self, s3):
        before, key, roll = self.state, self.rng.choice(self.keys), self.rng.random()
        if roll < 0.5 or not before[key]:
            body = self.rng.randbytes(self.rng.choice(SIZES[:6]))
            top = sha(body)
            self.pending = lambda seen: _pushed(before, seen, key, top)
            vid = s3.put_object(Bucket=VERSIONED, Key=key, Body=body)["VersionId"]
        elif roll < 0.7:
            top = MARKER
            self.pending = lambda seen: _pushed(before, seen, key, MARKER)
            vid = s3.delete_object(Bucket=VERSIONED, Key=key)["VersionId"]
        else:
            victim = self.rng.choice(before[key])[0]
            after = {**before, key: tuple(e for e in before[key] if e[0] != victim)}
            self.pending = after.__eq__
            s3.delete_object(Bucket=VERSIONED, Key=key, VersionId=victim)
            self.state = after
            return
        self.state = {**before, key: ((vid, top),) + before[key]}

    def observe(self, s3):
        return versions_of(s3, VERSIONED, self.keys)


def _pushed(before: dict, seen: dict, key: str, top: str) -> bool:
    """seen is before with one new entry (any id) of content `top` on key's stack."""
    return (all(seen[k] == before[k] for k in before if k != key) and len(seen[key]) >= 1
            and seen[key][1:] == before[key] and seen[key][0][1] == top)


class Suspended(Worker):
    """A Suspended bucket over versions made while Enabled: each PUT or DELETE replaces the key's
    null entry (its blobs removed) and leaves the other versions."""
    name, keys = "Suspended", [f"sus/{i}" for i in range(3)]

    def setup(self, s3):
        s3.put_bucket_versioning(Bucket=SUSPENDED, VersioningConfiguration={"Status": "Enabled"})
        for k in self.keys:
            for i in range(2):
                s3.put_object(Bucket=SUSPENDED, Key=k, Body=b"%s-%d" % (k.encode(), i))
        s3.put_bucket_versioning(Bucket=SUSPENDED, VersioningConfiguration={"Status": "Suspended"})

    def step(self, s3):
        before, key = self.state, self.rng.choice(self.keys)
        if self.rng.random() < 0.6:
            body = self.rng.randbytes(self.rng.choice(SIZES[:6]))
            top = sha(body)
        else:
            body, top = None, MARKER
        rest = tuple(e for e in before[key] if e[0] != "null")
        after = {**before, key: (("null", top),) + rest}
        self.pending = after.__eq__
        if body is None:
            s3.delete_object(Bucket=SUSPENDED, Key=key)
        else:
            s3.put_object(Bucket=SUSPENDED, Key=key, Body=body)
        self.state = after

    def observe(self, s3):
        return versions_of(s3, SUSPENDED, self.keys)


def _grants(resp) -> frozenset:
    return frozenset((g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"])
                     for g in resp["Grants"])


class Acls(Worker):
    """State: (bucket canned ACL, object canned ACL), read back through the grants they make."""
    name = "PutBucketAcl/PutObjectAcl"

    def setup(self, s3):
        s3.put_object(Bucket=ACL_BUCKET, Key="obj", Body=b"acl")
        self.bucket_table, self.object_table = {}, {}
        for canned in CANNED:
            s3.put_bucket_acl(Bucket=ACL_BUCKET, ACL=canned)
            self.bucket_table[_grants(s3.get_bucket_acl(Bucket=ACL_BUCKET))] = canned
            s3.put_object_acl(Bucket=ACL_BUCKET, Key="obj", ACL=canned)
            self.object_table[_grants(s3.get_object_acl(Bucket=ACL_BUCKET, Key="obj"))] = canned
        assert len(self.bucket_table) == len(self.object_table) == len(CANNED)

    def step(self, s3):
        b, o = self.state
        canned = self.rng.choice(CANNED)
        if self.rng.random() < 0.5:
            new = (canned, o)
            self.pending = new.__eq__
            s3.put_bucket_acl(Bucket=ACL_BUCKET, ACL=canned)
        else:
            new = (b, canned)
            self.pending = new.__eq__
            s3.put_object_acl(Bucket=ACL_BUCKET, Key="obj", ACL=canned)
        self.state = new

    def observe(self, s3):
        assert s3.get_object(Bucket=ACL_BUCKET, Key="obj")["Body"].read() == b"acl"
        return (self.bucket_table.get(_grants(s3.get_bucket_acl(Bucket=ACL_BUCKET))),
                self.object_table.get(_grants(s3.get_object_acl(Bucket=ACL_BUCKET, Key="obj"))))


def run_until_killed(srv, workers: list[Worker], kill_after: int) -> int:
    """Each worker in its own thread; SIGKILL once `kill_after` operations were acknowledged."""
    cond = threading.Condition()
    acked = 0
    killing = threading.Event()
    failures: list[str] = []
    s3s = [client(srv.endpoint, retries={"total_max_attempts": 1}) for _ in workers]

    def loop(w: Worker, s3) -> None:
        nonlocal acked
        for _ in range(500):                     # bounded: the kill comes long before
            if killing.is_set():
                return
            try:
                w.step(s3)
            except Exception as e:
                if not killing.is_set():
                    failures.append(f"{w.name}: {e!r}")
                    with cond:
                        cond.notify_all()
                return
            w.pending = None
            with cond:
                acked += 1
                cond.notify_all()

    threads = [threading.Thread(target=loop, args=(w, s3), daemon=True) for w, s3 in zip(workers, s3s)]
    for t in threads:
        t.start()
    with cond:
        assert cond.wait_for(lambda: acked >= kill_after or failures, timeout=30), \
            "the server did not acknowledge enough operations in time"
    assert failures == [], failures
    killing.set()
    srv.proc.kill()
    srv.proc.wait(timeout=20)
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert failures == [], failures
    return sum(w.pending is not None for w in workers)


def test_sigkill_at_random_points_leaves_a_prefix_of_acknowledged_operations(tmp_path):
    data_dir = tmp_path / "data"
    rng = random.Random(20250406)
    workers: list[Worker] = [Puts(random.Random(1)), Copies(random.Random(2)),
                             Multipart(random.Random(3)), DeleteObjects(random.Random(4)),
                             Cors(random.Random(5)), Acls(random.Random(6)),
                             Versioned(random.Random(7)), Suspended(random.Random(8))]
    srv = start_server(data_dir)
    try:
        s3 = client(srv.endpoint)
        for b in (BUCKET, CORS_BUCKET, ACL_BUCKET, VERSIONED, SUSPENDED):
            s3.create_bucket(Bucket=b)
        for w in workers:
            if hasattr(w, "setup"):
                w.setup(s3)
        for w in workers:
            w.state = w.observe(s3)           # the starting point of each model
        interrupted = 0
        for _ in range(ROUNDS):
            interrupted += run_until_killed(srv, workers, kill_after=rng.randint(10, 80))
            srv = start_server(data_dir)
            s3 = client(srv.endpoint)
            for w in workers:
                w.verify(s3)
            assert_no_leftovers(data_dir)
        assert interrupted >= ROUNDS, "the kills should have interrupted operations in flight"
    finally:
        srv.stop("KILL")
