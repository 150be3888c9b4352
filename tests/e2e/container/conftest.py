"""The container CI step's fixtures: podman (private configuration and storage) and the image
built from the Dockerfile, once per session for every test module in this directory."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.container.podman_ci import (BASE_IMAGE, README_IMAGE, ROOT, Podman, base_context,
                                           base_tarball)


@pytest.fixture(scope="session")
def podman():
    missing = [t for t in ("podman", "runc", "debootstrap", "iptables") if not shutil.which(t)]
    if missing:
        pytest.fail(f"S3MOCK_CONTAINER_TEST=1 but {', '.join(missing)} missing: run "
                    "scripts/ci_container.sh (it installs Debian's podman, runc, debootstrap, "
                    "iptables)")
    if os.geteuid() != 0:
        pytest.fail("S3MOCK_CONTAINER_TEST=1 needs root (debootstrap, rootful podman)")
    pm = Podman(Path(tempfile.mkdtemp(prefix="s3mock-podman-")))
    try:
        info = json.loads(pm("info", "--format", "json").stdout)
        assert info["host"]["ociRuntime"]["name"] == "runc"
        assert info["host"]["cgroupManager"] == "cgroupfs"
        assert info["host"]["networkBackend"] == "netavark"
        yield pm
    finally:
        pm.cleanup()


@pytest.fixture(scope="session")
def image(podman) -> str:
    cache = Path(os.environ.get("S3MOCK_CI_CACHE")
                 or Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "s3mock-ci")
    tarball = base_tarball(cache)
    raw = f"localhost/s3mock-ci-debootstrap:{tarball.stem.rsplit('-', 1)[-1]}"
    podman("import", tarball, raw, timeout=300)
    podman("build", "--format", "docker", "--tag", BASE_IMAGE,
           base_context(podman.home / "base-context", raw), timeout=300)
    tag = f"localhost/s3mock-ci:{uuid.uuid4().hex[:8]}"
    # docker format: the OCI image format has no HEALTHCHECK (podman drops it with a warning).
    podman("build", "--format", "docker", "--build-arg", f"BASE={BASE_IMAGE}", "--tag", tag, ROOT,
           timeout=600)
    podman("tag", tag, README_IMAGE)   # what the README's examples name it
    return tag


@pytest.fixture(scope="session")
def docker_api(podman, image):
    """Podman's Docker-compatible API on a unix socket, for testcontainers-python: DOCKER_HOST
    points at it; Ryuk (the reaper container) is off, its image is in no reachable registry; and
    the published ports are reached on the host itself, though this machine looks like a
    container (/.dockerenv) to testcontainers. Set before testcontainers is imported (it reads
    them then) and restored after."""
    sock, log = podman.home / "docker.sock", podman.home / "service.log"
    with open(log, "wb") as out:     # a file, not a pipe: a full pipe would block the service
        service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{sock}"],
                                   env=podman.env, stdout=out, stderr=out)
    env = {"DOCKER_HOST": f"unix://{sock}", "TESTCONTAINERS_RYUK_DISABLED": "true",
           "TESTCONTAINERS_CONNECTION_MODE": "docker_host"}
    saved = {k: os.environ.get(k) for k in env}
    try:
        deadline = time.monotonic() + 30
        while not _pings(sock):
            if service.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"podman system service on {sock} not answering:\n"
                            f"{log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.2)
        os.environ.update(env)
        from testcontainers.core.config import ConnectionMode, testcontainers_config as config
        from testcontainers.core.docker_client import DockerClient
        # read from the environment when first imported: set here too, in case that was earlier
        config.ryuk_disabled = True
        config.connection_mode_override = ConnectionMode.docker_host
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(DockerClient, "create", _on_loopback(DockerClient.create))
            yield env
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        service.terminate()
        try:
            service.wait(timeout=20)
        except subprocess.TimeoutExpired:
            service.kill()
            service.wait(timeout=10)


def _on_loopback(create):
    """testcontainers publishes a port on every interface of the host; tests' servers listen
    on 127.0.0.1 only, so a port given no host address is published there (on a free port, as
    before: what the containers and tests see is unchanged)."""
    def wrapper(self, image, *args, ports=None, **kwargs):
        ports = {c: ("127.0.0.1",) if h is None else h for c, h in (ports or {}).items()}
        return create(self, image, *args, ports=ports, **kwargs)
    return wrapper


def _pings(sock: Path) -> bool:
    """GET /_ping on the unix socket answers OK."""
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(sock))
            s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
            return b"OK" in s.recv(4096)
    except OSError:
        return False
