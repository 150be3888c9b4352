"""x-amz-id-2, S3's opaque host id, for a request id: in every response's headers and error
bodies (app.py) and in event records (notify.py)."""

from __future__ import annotations

import base64
import os

# This server's random prefix and the request id (both in base64's alphabet, 56 + 16
# characters): a response joins two strings instead of encoding anything.
_HOST_ID_PREFIX = base64.b64encode(os.urandom(42)).decode()


def host_id(request_id: str) -> str:
    return _HOST_ID_PREFIX + request_id
