"""S3MockContainer: s3mock's container image for testcontainers-python, waited for on
/_s3mock/health, with a boto3 client for it; seed buckets (ACL, CORS), auth mode and users as the
image's S3MOCK_* environment. Needs the optional extra: pip install 's3mock[testcontainers]'.

Nothing imports this module but its users: `import s3mock` never imports testcontainers.
"""

from __future__ import annotations

import json
from typing import Any

try:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import HttpWaitStrategy
except ImportError as e:    # say which extra brings it, not just the missing module
    raise ImportError("s3mock.testcontainers needs testcontainers-python>=4.13: "
                      "pip install 's3mock[testcontainers]'") from e

DEFAULT_IMAGE = "s3mock"        # README: `docker build -t s3mock .`
PORT = 9000                     # the image's S3MOCK_PORT and EXPOSE
CORS_DIR = "/tmp/s3mock-seed"   # in the container: CORS files of the seed buckets


def _healthy(body: str) -> bool:
    """/_s3mock/health's JSON says {"status": "ok"} (200 alone could be another server)."""
    try:
        return json.loads(body).get("status") == "ok"
    except (ValueError, AttributeError):
        return False


class S3MockContainer(DockerContainer):
    """s3mock in a container. Example::

        with S3MockContainer().with_bucket("uploads") as s3mock:
            s3 = s3mock.get_client()
            s3.put_object(Bucket="uploads", Key="a.txt", Body=b"hi")

    `auth`: "lenient" (any signature is accepted) or "strict" (every signature checked);
    `users`: more users as "ACCESS:SECRET[:CANONICAL_ID[:DISPLAY_NAME]]".
    """

    def __init__(self, image: str = DEFAULT_IMAGE, *, access_key: str = "test",
                 secret_key: str = "test", region: str = "us-east-1", auth: str = "lenient",
                 users: tuple[str, ...] | list[str] = (), startup_timeout: int = 60,
                 **kwargs: Any) -> None:
        wait = HttpWaitStrategy(PORT, "/_s3mock/health").for_response_predicate(_healthy)
        super().__init__(image, _wait_strategy=wait.with_startup_timeout(startup_timeout),
                         **kwargs)
        self.access_key, self.secret_key, self.region = access_key, secret_key, region
        self._buckets: list[str] = []
        self.with_exposed_ports(PORT)
        self.with_envs(S3MOCK_ACCESS_KEY=access_key, S3MOCK_SECRET_KEY=secret_key,
                       S3MOCK_REGION=region, S3MOCK_AUTH=auth)
        if users:
            self.with_env("S3MOCK_USERS", ",".join(users))

    def with_bucket(self, name: str, acl: str | None = None,
                    cors: dict | str | None = None) -> S3MockContainer:
        """Create bucket `name` at start, with a canned ACL and a CORS configuration: a dict in
        the shape `aws s3api put-bucket-cors` takes ({"CORSRules": [...]}), or its XML."""
        entry = f"{name}:{acl or ''}"
        if cors is not None:
            text = json.dumps(cors) if isinstance(cors, dict) else cors
            suffix = ".json" if isinstance(cors, dict) else ".xml"
            path = f"{CORS_DIR}/{name}{suffix}"
            self.with_copy_into_container(text.encode(), path)
            entry += f":{path}"
        self._buckets.append(entry)
        return self.with_env("S3MOCK_BUCKETS", ",".join(self._buckets))

    def get_endpoint_url(self) -> str:
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(PORT)}"

    def get_client(self, **kwargs: Any):
        """A boto3 S3 client for this server, as the default user (path-style addressing, which
        needs no DNS for bucket host names); `kwargs` override boto3.client's arguments."""
        import boto3
        from botocore.config import Config
        args = {"endpoint_url": self.get_endpoint_url(), "region_name": self.region,
                "aws_access_key_id": self.access_key, "aws_secret_access_key": self.secret_key,
                "config": Config(s3={"addressing_style": "path"})}
        return boto3.client("s3", **{**args, **kwargs})
