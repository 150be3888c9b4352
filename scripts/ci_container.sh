#!/usr/bin/env bash
# Container CI: build the Dockerfile and run the image for real with podman (tests/e2e/container/:
# the image itself; s3mock.testcontainers and testcontainers' LocalStack/MinIO modules through
# podman's Docker API; the README's GitHub Actions job and compose file). For a Debian 12 machine
# with no container registry: installs Debian's podman, runc, debootstrap, iptables (and netavark,
# aardvark-dns) when missing, then runs
#   S3MOCK_CONTAINER_TEST=1 python -m pytest tests/e2e/container -q
# Idempotent (installs only what is missing; the debootstrap base is cached in ~/.cache/s3mock-ci,
# or S3MOCK_CI_CACHE) and bounded: every step has a timeout. Needs root or sudo.
# Measured here: about 3.5 min on a fresh machine (debootstrap is most of it), 1.7 min warm
# (15 tests: the image, testcontainers, the README's CI examples).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS

SUDO=""; AS_ROOT=(); [ "$(id -u)" -ne 0 ] && SUDO="sudo" && AS_ROOT=(sudo --preserve-env)

packages=(podman runc debootstrap iptables netavark aardvark-dns conmon)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing ${missing[*]}"
    timeout 300 $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive timeout 420 $SUDO apt-get install -y -q --no-install-recommends \
        "${missing[@]}"
fi
podman --version

# The tests need the test extra (pytest, boto3, testcontainers, podman-compose): the active python
# (e.g. .ci/run's venv), else the project venv.
PY=python3
command -v python >/dev/null && PY=python
NEEDS='import pytest, boto3, testcontainers, podman_compose'
if ! "$PY" -c "$NEEDS" 2>/dev/null; then
    [ -x .venv/bin/python ] || python3 -m venv .venv
    PY=.venv/bin/python
    "$PY" -c "$NEEDS" 2>/dev/null || timeout 600 "$PY" -m pip install --quiet -e '.[test]'
fi

echo "== container tests: S3MOCK_CONTAINER_TEST=1 python -m pytest tests/e2e/container -q"
# Root for debootstrap and rootful podman; the tests bound each step, this bounds the whole.
S3MOCK_CONTAINER_TEST=1 timeout 900 "${AS_ROOT[@]}" "$PY" -m pytest tests/e2e/container -q

echo "== container CI passed in $((SECONDS - start)) s"
