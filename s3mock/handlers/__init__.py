"""The operations, one area per module; load_all() imports them all so that each registers its
handlers (registry.py)."""

from __future__ import annotations

from s3mock.handlers.registry import HANDLERS, Handler
from s3mock.operations import Op


def load_all() -> dict[Op, Handler]:
    from s3mock.handlers import (acl, attributes, bucket, bucket_config,  # noqa: F401
                                 bucket_controls, bucket_id_configs, bucket_settings, copy,
                                 delete, listing, list_versions, multipart, notification,
                                 object,
                                 policy, post_object, service, tagging, versioning,
                                 website)
    return HANDLERS
