"""Seed buckets and reset: create the configured buckets at start, and empty every bucket on
POST /_s3mock/reset. Works on the Store only: no aiohttp, no HTTP.

Seeding never removes data: a bucket that already exists keeps its objects and uploads, and only
the ACL and CORS configuration its seed entry names are (re)applied, so the configuration wins.
"""

from __future__ import annotations

import time

from s3mock.auth import acl
from s3mock.config import Settings
from s3mock.storage.base import Bucket, Store


def seed(store: Store, settings: Settings, exact: bool = False) -> list[str]:
    """Create the missing seed buckets, owned by the default user; apply each one's canned ACL and
    CORS configuration when its entry gives one. `exact` (a full reset): an ACL or CORS entry not
    given is reset too (private, no CORS). Returns the names of the buckets created."""
    owner = settings.owner.canonical_id
    created = []
    for spec in settings.buckets:
        policy = acl.canned(spec.acl, owner, for_bucket=True).to_json() if spec.acl else None
        if store.create_bucket(Bucket(spec.name, time.time(), owner, settings.region, policy, spec.cors)):
            created.append(spec.name)
            continue
        existing = store.get_bucket(spec.name)
        if existing is None:        # deleted in between: not ours to fight over
            continue
        changes: dict[str, object] = {}
        if spec.acl or exact:
            wanted = (acl.canned(spec.acl, existing.owner, for_bucket=True).to_json()
                      if spec.acl else None)
            if existing.acl != wanted:
                changes["acl"] = wanted
        if (spec.cors is not None or exact) and existing.cors != spec.cors:
            changes["cors"] = spec.cors
        if changes:
            store.set_bucket_config(spec.name, **changes)
    return created


def reset(store: Store, settings: Settings, delete_buckets: bool = False) -> dict:
    """Empty every bucket: abort its multipart uploads and delete its objects (every version); the buckets and
    their configuration stay. `delete_buckets`: also delete every bucket that is not a seed bucket
    and put the seed buckets back as configured (a fresh server)."""
    objects = uploads = 0
    deleted = []
    seeded = {b.name for b in settings.buckets}
    for b in store.list_buckets():
        while page := store.list_uploads(b.name, "", "", "", 1000):
            for up in page:
                uploads += store.abort_upload(up.upload_id)
        # A bucket that has been versioned: every version and delete marker, one by one.
        while b.versioning and (versions := store.list_versions(b.name, "", "", "", None, 1000).entries):
            for key, _, _, version_id, *_ in versions:
                store.delete_entry(b.name, key, version_id, b.owner)
                objects += 1
        while entries := store.list_objects(b.name, limit=1000).entries:
            for key, _, _ in entries:
                objects += store.delete_object(b.name, key)
        if delete_buckets and b.name not in seeded and store.delete_bucket(b.name):
            deleted.append(b.name)
    if delete_buckets:
        seed(store, settings, exact=True)
    return {"objects_deleted": objects, "uploads_aborted": uploads, "buckets_deleted": deleted}
