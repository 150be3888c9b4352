"""The README's "Containers in CI" examples, run as far as this machine can: the GitHub Actions
job's service container (its image, ports, env and health options, under podman; the runner's
wait for "healthy"; then the job's steps, with its env, against it) and the compose file with
its cors.json under podman-compose. Opt-in: S3MOCK_CONTAINER_TEST=1.

Host ports: the examples publish 9000:9000; here the container port is published on a free port
of 127.0.0.1 instead, and the job's endpoint follows it (other servers may hold 9000)."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest
import requests
import yaml

from tests.e2e.container.podman_ci import README_IMAGE, ROOT, opt_in, run

pytestmark = opt_in

README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README.split("\n## Containers in CI\n", 1)[1].split("\n## ", 1)[0]
COMPOSE_SECTION = SECTION.split("\n### docker compose", 1)[1].split("\n### ", 1)[0]
ORIGIN = "http://localhost:5173"


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```", text, flags=re.S | re.M)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(endpoint: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{endpoint}/_s3mock/health", timeout=3).json()["status"] == "ok":
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{endpoint} not healthy within {seconds} s")


# ---------- GitHub Actions: the service container and the job's steps

def service_run_args(service: dict, name: str, image: str) -> tuple[list[str], dict[int, int]]:
    """`podman run` arguments for a job's service as the runner makes them (`docker create` with
    the ports, env and options given); returns them and {port in the YAML: port on the host}."""
    args, ports = ["run", "--detach", "--name", name], {}
    for mapping in service.get("ports", []):
        host, container = str(mapping).split(":")
        ports[int(host)] = free_port()
        args += ["--publish", f"127.0.0.1:{ports[int(host)]}:{container}"]
    for key, value in service.get("env", {}).items():
        args += ["--env", f"{key}={value}"]
    return args + shlex.split(service.get("options", "")) + [image], ports


def test_github_actions_job_with_s3mock_as_service_container(podman, image, tmp_path):
    (block,) = [b for b in blocks(SECTION, "yaml") if "runs-on:" in b]
    job = yaml.safe_load(block)["jobs"]["test"]
    service = job["services"]["s3"]
    assert service["image"] == "ghcr.io/your-org/s3mock:latest"   # pushed there: README_IMAGE here
    name = f"s3mock-gha-{uuid.uuid4().hex[:8]}"
    args, ports = service_run_args(service, name, README_IMAGE)
    podman(*args)
    try:
        check = podman.inspect(name)["Config"]["Healthcheck"]
        assert check["Test"] == ["CMD-SHELL", "python -m s3mock health"]
        # The runner waits until `docker inspect` says healthy; podman (no systemd here) runs the
        # check when asked, so ask at the configured interval, at most the configured retries.
        retries = int(re.search(r"--health-retries (\d+)", service["options"]).group(1))
        for _ in range(retries):
            if podman("healthcheck", "run", name, check=False, timeout=30).returncode == 0:
                break
            time.sleep(2)
        assert podman.inspect(name)["State"]["Health"]["Status"] == "healthy"

        env = {k: str(v) for k, v in job["env"].items()}
        env["AWS_ENDPOINT_URL"] = env["AWS_ENDPOINT_URL"].replace(":9000", f":{ports[9000]}")
        outputs = run_steps(job["steps"], env, tmp_path)
        assert re.search(r"(?m)^\S+ \S+ +\d+ build\.txt$", outputs["Upload with the AWS CLI"])
        assert re.search(r"(?m)^1 passed", outputs["Test"]), outputs["Test"]
    finally:
        podman("rm", "--force", "--time", "0", name, check=False)


def run_steps(steps: list[dict], job_env: dict, work: Path) -> dict[str, str]:
    """Each `run:` step as the runner runs it (bash -eo pipefail, the job's env, in the checkout),
    with this test's venv first on PATH for `python` and `aws`. The `uses:` steps (checkout) are
    the runner's; in their place the checkout holds a requirements.txt and one test, the kind the
    Test step runs."""
    sha = uuid.uuid4().hex
    (work / "requirements.txt").write_text("boto3\npytest\n")   # installed here already
    (work / "test_build_artifact.py").write_text(
        "import boto3\n\n\n"
        "def test_the_build_artifact_is_in_s3():  # boto3 finds the endpoint in AWS_ENDPOINT_URL\n"
        "    body = boto3.client('s3').get_object(Bucket='ci-artifacts', Key='build.txt')['Body']\n"
        f"    assert body.read() == b'built {sha}\\n'\n")
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "HOME": str(work),
           "GITHUB_SHA": sha, "LANG": "C.UTF-8", **job_env}
    outputs = {}
    for step in steps:
        if "uses" in step:
            assert step["uses"].startswith("actions/checkout@")
            continue
        bash = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]]
        proc = subprocess.run(bash, cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, f"step {step}:\n{proc.stdout}\n{proc.stderr}"
        outputs[step.get("name", step["run"])] = proc.stdout
    return outputs


# ---------- docker compose: a seeded bucket with CORS, kept in a volume

def compose(podman, project: Path, *args: str, check: bool = True):
    return run([sys.executable, "-m", "podman_compose", "-f", project / "compose.yaml", *args],
               timeout=180, env=podman.env, check=check)


def test_compose_seeds_the_bucket_with_cors_and_keeps_it(podman, image, tmp_path):
    (compose_yaml,) = blocks(COMPOSE_SECTION, "yaml")
    (cors_json,) = blocks(COMPOSE_SECTION, "json")
    port = free_port()
    assert '"9000:9000"' in compose_yaml
    project = tmp_path / f"s3mock{uuid.uuid4().hex[:8]}"   # podman-compose's project name
    project.mkdir()
    published = compose_yaml.replace('"9000:9000"', f'"127.0.0.1:{port}:9000"')
    (project / "compose.yaml").write_text(published)
    (project / "cors.json").write_text(cors_json)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        compose(podman, project, "up", "-d")
        wait_healthy(endpoint)
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["uploads"]
        rules = json.loads(cors_json)["CORSRules"]
        assert s3.get_bucket_cors(Bucket="uploads")["CORSRules"] == rules
        s3.put_object(Bucket="uploads", Key="photo.jpg", Body=b"jpeg")
        assert requests.get(f"{endpoint}/uploads", timeout=10).status_code == 200   # public-read

        # The browser's preflight for a PUT from the app's origin, a GET's CORS headers, and
        # another origin's preflight.
        preflight = requests.options(f"{endpoint}/uploads/new.jpg", timeout=10, headers={
            "Origin": ORIGIN, "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "content-type"})
        assert preflight.status_code == 200
        assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert preflight.headers["Access-Control-Max-Age"] == "3000"
        listing = requests.get(f"{endpoint}/uploads", headers={"Origin": ORIGIN}, timeout=10)
        assert listing.headers["Access-Control-Allow-Origin"] == ORIGIN
        assert listing.headers["Access-Control-Expose-Headers"] == "ETag"
        other = requests.options(f"{endpoint}/uploads/new.jpg", timeout=10, headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
        assert other.status_code == 403

        # Down and up again: the object stays (the volume), the edited cors.json is applied.
        compose(podman, project, "down")
        rules[0]["AllowedOrigins"].append("https://staging.example")
        (project / "cors.json").write_text(json.dumps({"CORSRules": rules}))
        compose(podman, project, "up", "-d")
        wait_healthy(endpoint)
        assert s3.get_object(Bucket="uploads", Key="photo.jpg")["Body"].read() == b"jpeg"
        assert s3.get_bucket_cors(Bucket="uploads")["CORSRules"][0]["AllowedOrigins"] == [
            ORIGIN, "https://staging.example"]
    finally:
        compose(podman, project, "down", "--volumes", check=False)
