"""s3mock.testcontainers.S3MockContainer, and testcontainers' own LocalStack and MinIO modules,
run against the image built here, through podman's Docker API (conftest.py's docker_api); and
the README's testcontainers examples, as written. Opt-in (S3MOCK_CONTAINER_TEST=1) but for the
two checks at the top, which need no container."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys

import pytest
import requests
from botocore.exceptions import ClientError

from tests.e2e.container.podman_ci import ROOT, opt_in

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n## Containers in CI\n", 1)[1].split("\n## ", 1)[0]
TC_BLOCKS = [b for b in re.findall(r"^```py\n(.*?)^```", SECTION, flags=re.S | re.M)
             if "testcontainers" in b]
CORS = {"CORSRules": [{"AllowedOrigins": ["http://localhost:5173"],
                       "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
                       "ExposeHeaders": ["ETag"]}]}
CORS_XML = ("<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example</AllowedOrigin>"
            "<AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>")


def python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)


def test_import_s3mock_never_imports_testcontainers():
    proc = python("import sys, s3mock, s3mock.testing, s3mock.pytest_plugin\n"
                  "print(sorted(m for m in sys.modules if m.split('.')[0] == 'testcontainers'))")
    assert (proc.returncode, proc.stdout.strip()) == (0, "[]"), proc.stderr


def test_without_testcontainers_the_error_names_the_extra():
    proc = python("import sys; sys.modules['testcontainers'] = None\n"
                  "import s3mock.testcontainers")
    assert proc.returncode == 1
    assert "pip install 's3mock[testcontainers]'" in proc.stderr.splitlines()[-1], proc.stderr


@opt_in
def test_container_with_seed_buckets_cors_and_acl(podman, docker_api):
    from s3mock.testcontainers import S3MockContainer
    container = (S3MockContainer().with_bucket("uploads", "public-read", cors=CORS)
                 .with_bucket("private-data", cors=CORS_XML).with_bucket("scratch"))
    with container as s3mock:
        endpoint = s3mock.get_endpoint_url()
        assert re.fullmatch(r"http://localhost:\d+", endpoint)
        ports = podman.inspect(s3mock.get_container_id())["NetworkSettings"]["Ports"]
        (published,) = ports["9000/tcp"]            # conftest.py's docker_api: on 127.0.0.1
        assert published == {"HostIp": "127.0.0.1", "HostPort": endpoint.rsplit(":", 1)[1]}
        s3 = s3mock.get_client()
        assert sorted(b["Name"] for b in s3.list_buckets()["Buckets"]) == [
            "private-data", "scratch", "uploads"]
        assert s3.get_bucket_cors(Bucket="uploads")["CORSRules"] == CORS["CORSRules"]
        assert s3.get_bucket_cors(Bucket="private-data")["CORSRules"][0]["AllowedOrigins"] == [
            "https://app.example"]
        with pytest.raises(ClientError, match="NoSuchCORSConfiguration"):
            s3.get_bucket_cors(Bucket="scratch")
        s3.put_object(Bucket="uploads", Key="a.txt", Body=b"seeded")

        # The ACL: anyone may list `uploads` (public-read is the bucket's, not its objects');
        # `private-data` refuses anonymous requests.
        listing = requests.get(f"{endpoint}/uploads", timeout=10)
        assert listing.status_code == 200 and "<Key>a.txt</Key>" in listing.text
        assert requests.get(f"{endpoint}/uploads/a.txt", timeout=10).status_code == 403
        assert requests.get(f"{endpoint}/private-data", timeout=10).status_code == 403
        # The CORS rules: the browser's preflight from the allowed origin passes, another fails.
        preflight = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"}
        ok = requests.options(f"{endpoint}/uploads/b.txt", headers=preflight, timeout=10)
        assert ok.status_code == 200
        assert ok.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
        other = requests.options(f"{endpoint}/uploads/b.txt", timeout=10,
                                 headers={**preflight, "Origin": "http://evil.example"})
        assert other.status_code == 403


@opt_in
def test_strict_auth_keys_and_users(docker_api):
    from s3mock.testcontainers import S3MockContainer
    with S3MockContainer(auth="strict", access_key="owner", secret_key="owner-secret",
                         region="eu-west-1", users=["bob:bob-secret"]) as s3mock:
        assert (s3mock.access_key, s3mock.secret_key, s3mock.region) == (
            "owner", "owner-secret", "eu-west-1")
        s3 = s3mock.get_client()
        s3.create_bucket(Bucket="owned",
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        assert s3.get_bucket_location(Bucket="owned")["LocationConstraint"] == "eu-west-1"
        wrong = s3mock.get_client(aws_secret_access_key="not-the-secret")
        with pytest.raises(ClientError, match="SignatureDoesNotMatch"):
            wrong.list_buckets()
        bob = s3mock.get_client(aws_access_key_id="bob", aws_secret_access_key="bob-secret")
        assert bob.list_buckets()["Buckets"] == []            # bob owns none of them
        with pytest.raises(ClientError, match="AccessDenied"):
            bob.put_object(Bucket="owned", Key="x", Body=b"x")


@opt_in
def test_start_waits_for_health_and_gives_up_when_it_never_comes(docker_api):
    """The wait strategy polls /_s3mock/health: a container of the image that runs no server
    never becomes ready, and start() fails after the startup timeout."""
    from s3mock.testcontainers import S3MockContainer
    never = S3MockContainer(startup_timeout=3).with_command(["sleep", "60"])
    with pytest.raises(TimeoutError, match="/_s3mock/health"):
        never.start()
    never.stop()


@opt_in
def test_the_paths_testcontainers_modules_wait_on_are_answered(docker_api):
    """What each module waits for, read from the installed testcontainers (so a change there
    shows up here), is what s3mock gives."""
    from testcontainers.community.localstack import LocalStackContainer
    from testcontainers.community.minio import MinioContainer
    from s3mock.testcontainers import S3MockContainer
    assert r'wait_for_logs(self, r"Ready\.\n"' in inspect.getsource(LocalStackContainer.start)
    assert MinioContainer("s3mock")._wait_strategy._path == "/minio/health/live"
    with S3MockContainer() as s3mock:
        endpoint = s3mock.get_endpoint_url()
        stdout, stderr = s3mock.get_logs()
        assert re.search(rb"(?m)^Ready\.\n", stdout + stderr)
        assert requests.get(f"{endpoint}/minio/health/live", timeout=10).status_code == 200
        health = requests.get(f"{endpoint}/_localstack/health", timeout=10).json()
        assert health["services"]["s3"] == "running"


@opt_in
@pytest.mark.parametrize("index", range(len(TC_BLOCKS)),
                         ids=[f"readme-py-{i + 1}" for i in range(len(TC_BLOCKS))])
def test_readme_testcontainers_example_runs(docker_api, index):
    assert len(TC_BLOCKS) == 2       # S3MockContainer; LocalStack and MinIO modules
    exec(compile(TC_BLOCKS[index], f"README.md testcontainers example {index + 1}", "exec"),
         {"__name__": "__readme__"})
