"""Podman for the container CI step, with no registry: the base image made with debootstrap, a
private podman configuration, and starting the built image. Used by this directory's conftest.py.

No registry is reachable here, so the base image is Debian bookworm made with debootstrap (from
the mirror apt uses), imported with `podman import`, plus the host's extra CA certificates and
pip settings (this machine reaches PyPI through a TLS-intercepting proxy); it is passed to the
build as `--build-arg BASE=`. The debootstrap tarball is cached under ~/.cache/s3mock-ci/
(S3MOCK_CI_CACHE), keyed by the debootstrap arguments. Podman runs from a private
containers.conf (runc, cgroupfs, netavark, default_ulimits below the host's) and storage.conf
(graphroot in a temp dir, removed afterwards). scripts/ci_container.sh installs the tools.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SUITE = "bookworm"
DEBOOTSTRAP_ARGS = ("--variant=minbase",
                    "--include=python3,python3-venv,python3-pip,ca-certificates")
BASE_RECIPE = "v1"  # bump when base_tarball() changes what it stores
BASE_IMAGE = "localhost/s3mock-base:bookworm"
SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
README_IMAGE = "s3mock"  # the README's `docker build -t s3mock .`: podman names it localhost/s3mock

opt_in = pytest.mark.skipif(
    os.environ.get("S3MOCK_CONTAINER_TEST") != "1",
    reason="opt-in: set S3MOCK_CONTAINER_TEST=1 (scripts/ci_container.sh does) to build and run "
           "the image with podman")


def run(cmd, *, timeout: float, env=None, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=timeout,
                          env=env)
    if check and proc.returncode != 0:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n"
                    f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def unmount_under(path: Path) -> None:
    """Unmount whatever is still mounted below path (deepest first), so removing it is safe."""
    prefix = str(path.resolve()) + "/"
    with open("/proc/self/mountinfo") as f:
        points = [line.split()[4] for line in f]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, timeout=30)


# ---------- the base image: debootstrap (cached) + the host's CA certificates and pip settings

def apt_mirror() -> str:
    """The Debian mirror apt is configured with (deb822 .sources or one-line .list files)."""
    if os.environ.get("S3MOCK_CI_MIRROR"):
        return os.environ["S3MOCK_CI_MIRROR"]
    d = Path("/etc/apt/sources.list.d")
    files = [Path("/etc/apt/sources.list"), *sorted(d.glob("*.list")), *sorted(d.glob("*.sources"))]
    for f in files:
        text = f.read_text() if f.is_file() else ""
        if f.suffix == ".sources":
            for stanza in re.split(r"\n\s*\n", text):
                fields = dict(re.findall(r"(?m)^([A-Za-z-]+):\s*(.*)$", stanza))
                fields = {k.lower(): v.split() for k, v in fields.items()}
                if ("deb" in fields.get("types", []) and SUITE in fields.get("suites", [])
                        and fields.get("enabled", ["yes"]) != ["no"] and fields.get("uris")):
                    return fields["uris"][0]
        for m in re.finditer(r"(?m)^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)", text):
            if m.group(2) == SUITE:
                return m.group(1)
    return "http://deb.debian.org/debian"


def apt_proxy_env() -> dict[str, str]:
    """apt's own http(s) proxy, if it has one, for debootstrap (which reads http_proxy)."""
    env = dict(os.environ)
    dump = run(["apt-config", "dump"], timeout=30, check=False).stdout
    for scheme in ("http", "https"):
        m = re.search(rf'(?mi)^Acquire::{scheme}::Proxy "([^"]+)";', dump)
        if m and m.group(1).upper() != "DIRECT":
            env[f"{scheme}_proxy"] = m.group(1)
    return env


def base_tarball(cache: Path) -> Path:
    """debootstrap's root filesystem as a tar, made once per set of arguments and then reused."""
    arch = run(["dpkg", "--print-architecture"], timeout=30).stdout.strip()
    mirror = apt_mirror()
    args = [*DEBOOTSTRAP_ARGS, f"--arch={arch}", SUITE]
    key = hashlib.sha256(json.dumps([BASE_RECIPE, args, mirror]).encode()).hexdigest()[:16]
    tarball = cache / f"debootstrap-{SUITE}-{arch}-{key}.tar"
    if tarball.is_file():
        return tarball
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=cache))
    try:
        run(["debootstrap", *args, work / "root", mirror], timeout=540, env=apt_proxy_env())
        run(["tar", "-C", work / "root", "--exclude=./var/cache/apt/archives/*.deb",
             "--exclude=./var/lib/apt/lists/*_*", "-cf", work / "root.tar", "."], timeout=300)
        os.replace(work / "root.tar", tarball)  # atomic: a cached tarball is always complete
    finally:
        unmount_under(work)
        shutil.rmtree(work, ignore_errors=True)
    return tarball


def host_pip_config() -> dict[str, str]:
    """What pip on this host is configured with (files and PIP_* env), as `pip config list` says."""
    out = run([sys.executable, "-m", "pip", "config", "list"],
              timeout=60, check=False).stdout
    found = re.findall(r"(?m)^([^.\s]*)\.([a-z-]+)='(.*)'$", out)
    rank = {":env:": 0, "install": 1, "global": 2}   # pip's precedence: PIP_* env first
    conf: dict[str, str] = {}
    for _, key, value in sorted(found, key=lambda f: rank.get(f[0], 3)):
        conf.setdefault(key, value)
    return conf


def base_context(ctx: Path, raw_image: str) -> Path:
    """Context for the base layer: the host's extra CA certificates, a pip.conf like the host's."""
    (ctx / "ca").mkdir(parents=True)
    for crt in sorted(Path("/usr/local/share/ca-certificates").rglob("*.crt")):
        shutil.copy(crt, ctx / "ca" / crt.name)
    pip = host_pip_config()
    # A private bundle that pip or requests use on the host: its certificates go in as well.
    for name, value in (("cert", pip.get("cert")), ("env", os.environ.get("REQUESTS_CA_BUNDLE"))):
        if value and Path(value).is_file() and Path(value).resolve() != Path(SYSTEM_BUNDLE):
            pems = re.findall(r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
                              Path(value).read_text(), re.S)
            for i, pem in enumerate(pems):
                (ctx / "ca" / f"host-{name}-{i}.crt").write_text(pem + "\n")
    options = {"cert": SYSTEM_BUNDLE}

    def web(value: str) -> str:
        return " ".join(u for u in value.split() if u.startswith(("http://", "https://")))

    for key in ("index-url", "extra-index-url", "proxy"):
        if web(pip.get(key, "")):  # file:// indexes and find-links dirs do not exist in the build
            options[key] = web(pip[key])
    for key, option in (("trusted-host", "trusted-host"), ("default-timeout", "timeout"),
                        ("timeout", "timeout"), ("retries", "retries")):
        if pip.get(key):
            options[option] = pip[key]
    lines = [f"{key} = {value}\n" for key, value in options.items()]
    (ctx / "pip.conf").write_text("[global]\n" + "".join(lines))
    (ctx / "Containerfile").write_text(
        f"FROM {raw_image}\n"
        "COPY ca/ /usr/local/share/ca-certificates/\n"
        "COPY pip.conf /etc/pip.conf\n"
        "RUN update-ca-certificates\n")
    return ctx


# ---------- podman with its own configuration and storage

class Podman:
    def __init__(self, home: Path):
        self.home = home
        nofile = below_host(resource.RLIMIT_NOFILE, 8192)
        nproc = below_host(resource.RLIMIT_NPROC, 4096)
        for d in ("graph", "run", "tmp", "networks"):
            (home / d).mkdir()
        (home / "containers.conf").write_text(
            "[containers]\n"
            f'default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]\n'
            'log_driver = "k8s-file"\n'
            "[engine]\n"
            'runtime = "runc"\n'
            'cgroup_manager = "cgroupfs"\n'
            'events_logger = "file"\n'
            f'tmp_dir = "{home / "tmp"}"\n'
            "[network]\n"
            'network_backend = "netavark"\n'
            f'network_config_dir = "{home / "networks"}"\n')
        driver = os.environ.get("S3MOCK_CI_STORAGE_DRIVER", "overlay")
        (home / "storage.conf").write_text(
            f'[storage]\ndriver = "{driver}"\n'
            f'graphroot = "{home / "graph"}"\nrunroot = "{home / "run"}"\n')
        self.env = {**os.environ, "CONTAINERS_CONF": str(home / "containers.conf"),
                    "CONTAINERS_STORAGE_CONF": str(home / "storage.conf")}
        self.ulimits = {"nofile": nofile, "nproc": nproc}

    def __call__(self, *args, timeout: float = 120, check: bool = True):
        return run(["podman", *args], timeout=timeout, env=self.env, check=check)

    def inspect(self, *args) -> dict:
        return json.loads(self("inspect", *args).stdout)[0]

    def cleanup(self) -> None:
        for args in (("rm", "--all", "--force", "--time", "0"),
                     ("volume", "rm", "--all", "--force"), ("rmi", "--all", "--force")):
            self(*args, check=False)
        unmount_under(self.home)
        shutil.rmtree(self.home, ignore_errors=True)


def below_host(kind: int, cap: int) -> int:
    limits = [v for v in resource.getrlimit(kind) if v != resource.RLIM_INFINITY]
    return min([cap, *(v // 2 for v in limits)])


@dataclass
class Container:
    name: str
    endpoint: str


def start(podman: Podman, image: str, volume: str) -> Container:
    """Run the image detached, port 9000 published on 127.0.0.1, and wait (bounded) for `Ready.`."""
    name = f"s3mock-ci-{uuid.uuid4().hex[:8]}"
    podman("run", "--detach", "--name", name, "--publish", "127.0.0.1::9000",
           "--volume", f"{volume}:/data", image)
    logs = subprocess.Popen(["podman", "logs", "--follow", name], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=podman.env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [*map(lines.put, logs.stdout), lines.put(None)],
                     daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while (line := lines.get(timeout=max(deadline - time.monotonic(), 0.01))) is not None:
            seen.append(line)
            if line.strip() == "Ready.":
                break
        else:
            pytest.fail(f"container {name} exited before Ready.:\n{''.join(seen)}")
    except queue.Empty:
        pytest.fail(f"container {name} not Ready. within 60 s:\n{''.join(seen)}")
    finally:
        logs.kill()
        logs.wait(timeout=10)
    host_port = podman("port", name, "9000/tcp").stdout.strip()
    assert re.fullmatch(r"127\.0\.0\.1:\d+", host_port), host_port
    return Container(name, f"http://{host_port}")


