"""The Dockerfile, built and run for real with podman (conftest.py builds it; podman_ci.py says
how, with no registry). Opt-in: S3MOCK_CONTAINER_TEST=1."""

from __future__ import annotations

import os
import re
import uuid

import pytest

from support import client
from tests.e2e.container.podman_ci import Container, opt_in, start

pytestmark = opt_in


@pytest.fixture(scope="module")
def container(podman, image) -> Container:
    return start(podman, image, f"s3mock-ci-{uuid.uuid4().hex[:8]}")


# ---------- tests

def test_image_declares_user_port_volume_and_healthcheck(podman, image):
    info = podman.inspect("--type", "image", image)
    config = info["Config"]
    assert config["User"] == "s3mock"
    assert "9000/tcp" in config["ExposedPorts"]
    assert "/data" in config["Volumes"]
    env = set(config["Env"])
    assert {"S3MOCK_HOST=0.0.0.0", "S3MOCK_PORT=9000", "S3MOCK_DATA_DIR=/data"} <= env
    assert info["Healthcheck"]["Test"][0] in ("CMD", "CMD-SHELL")  # podman: top level, not Config


def test_round_trip_and_data_survive_a_new_container_on_the_same_volume(podman, image):
    volume = f"s3mock-ci-{uuid.uuid4().hex[:8]}"
    first = start(podman, image, volume)
    s3 = client(first.endpoint)
    body = os.urandom(3 * 1024 * 1024 + 7)
    s3.create_bucket(Bucket="kept")
    put = s3.put_object(Bucket="kept", Key="dir/blob.bin", Body=body)
    assert s3.get_object(Bucket="kept", Key="dir/blob.bin")["Body"].read() == body

    podman("stop", "--time", "20", first.name)  # SIGTERM: the server drains and closes the store
    state = podman.inspect(first.name)["State"]
    assert (state["Status"], state["ExitCode"]) == ("exited", 0), state
    podman("rm", first.name)

    second = start(podman, image, volume)  # a new container: only the volume is shared
    s3 = client(second.endpoint)
    got = s3.get_object(Bucket="kept", Key="dir/blob.bin")
    assert got["ETag"] == put["ETag"]
    assert got["Body"].read() == body
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="kept")["Contents"]] == ["dir/blob.bin"]


def test_server_runs_as_non_root_with_the_configured_ulimits(podman, container):
    assert podman("exec", container.name, "id", "-u").stdout.strip() not in ("", "0")
    status = podman("exec", container.name, "cat", "/proc/1/status").stdout
    uids = re.search(r"(?m)^Uid:\s+(.*)$", status).group(1).split()
    assert len(uids) == 4 and "0" not in uids, status
    limits = podman("exec", container.name, "cat", "/proc/1/limits").stdout
    assert re.search(rf"(?m)^Max open files\s+{podman.ulimits['nofile']}\s", limits), limits
    assert re.search(rf"(?m)^Max processes\s+{podman.ulimits['nproc']}\s", limits), limits


def test_healthcheck_passes_while_serving(podman, container):
    podman("healthcheck", "run", container.name)  # exit status 0 = healthy
    health = podman.inspect(container.name)["State"]["Health"]
    assert health["Status"] == "healthy", health


def test_healthcheck_fails_when_nothing_serves(podman, image):
    """The same check, in a container whose command is the check itself: no server, so unhealthy."""
    test = podman.inspect("--type", "image", image)["Healthcheck"]["Test"]
    cmd = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
    proc = podman("run", "--rm", image, *cmd, check=False, timeout=60)
    assert proc.returncode != 0, proc

