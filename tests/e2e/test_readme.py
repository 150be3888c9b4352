"""README.md stays true: its Python examples run against a live server, its commands are CI's,
and it documents every command-line flag and environment variable the server reads.

Each ```python block runs alone (in this process) with the endpoint's port replaced by the live
server's and the example bucket names made unique, so every block must be self-contained.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
import uuid
from pathlib import Path

import pytest

from s3mock.cli import parser
from s3mock.config import FIELDS, env_name

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL_AND_RUN = "pip install . && s3mock"
INSTALL_AND_TEST = "pip install -e '.[test]' && python -m pytest -q"
BUCKETS = ("photos", "videos")         # bucket names the examples use


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


BLOCKS = python_blocks(README)


def adapt(code: str, port: int, suffix: str) -> str:
    """Point an example at the live server and give its buckets names no other test uses."""
    code = re.sub(r"\b(127\.0\.0\.1|localhost):9000\b", rf"\g<1>:{port}", code)
    return re.sub(r"\b(%s)\b" % "|".join(BUCKETS), rf"\g<1>-{suffix}", code)


def expected_prints(code: str) -> list[str]:
    """`print(...)  # value` lines: what the example says it prints, in order."""
    return [line.split("#", 1)[1].strip() for line in code.splitlines()
            if line.lstrip().startswith("print(") and "#" in line]


@pytest.fixture
def localhost_names(monkeypatch) -> list[str]:
    """Resolve *.localhost to 127.0.0.1 as browsers and systemd-resolved do (the README says so);
    returns the *.localhost names looked up."""
    real = socket.getaddrinfo
    looked_up: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and host.lower().endswith(".localhost"):
            looked_up.append(host.lower())
            host = "127.0.0.1"
        return real(host, *args, **kwargs)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(var, raising=False)
    return looked_up


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 3
    for code in BLOCKS:
        assert re.search(r"(127\.0\.0\.1|localhost):9000", code), "an example must use the endpoint"


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"python-{i + 1}" for i in range(len(BLOCKS))])
def test_python_example_runs(index, server, localhost_names, capsys):
    suffix = uuid.uuid4().hex[:12]
    code = adapt(BLOCKS[index], server.port, suffix)
    exec(compile(code, f"README.md python block {index + 1}", "exec"), {"__name__": "__readme__"})
    printed = capsys.readouterr().out.splitlines()
    assert printed == expected_prints(BLOCKS[index])
    if "addressing_style" in code:
        # the virtual-host example really addressed the bucket by host name
        assert any(name.startswith(f"photos-{suffix}.localhost") for name in localhost_names)


def test_adapt_rewrites_endpoint_and_buckets():
    code = 'endpoint_url="http://localhost:9000"  # http://photos.localhost:9000\nBucket="photos"'
    assert adapt(code, 4321, "x1") == (
        'endpoint_url="http://localhost:4321"  # http://photos-x1.localhost:4321\nBucket="photos-x1"')


def test_first_lines_give_the_install_and_test_commands():
    head = README.splitlines()[:6]
    commands = [line.split("#", 1)[0].strip() for line in head]
    assert INSTALL_AND_RUN in commands
    assert INSTALL_AND_TEST in commands
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert "test" in project["optional-dependencies"]
    assert project["scripts"]["s3mock"] == "s3mock.cli:main"


def test_ci_runs_the_readme_test_command():
    ci = ROOT / ".ci" / "run"
    assert os.access(ci, os.X_OK)
    lines = [line.strip() for line in ci.read_text().splitlines()]
    test = INSTALL_AND_TEST.split("&&")[1].strip()
    assert any("pip install" in line and "-e '.[test]'" in line for line in lines)
    assert test in lines                               # exactly the README's command, on its own line


def test_every_flag_and_environment_variable_is_documented():
    flags = [opt for action in parser()._actions for opt in action.option_strings
             if opt.startswith("--") and opt != "--help"]
    assert flags
    for flag in flags:
        assert f"`{flag}`" in README or f"`{flag} " in README, f"{flag} missing from README"
    for name in FIELDS:
        assert f"`{env_name(name)}`" in README, f"{env_name(name)} missing from README"


TOML_BLOCKS = re.findall(r"^```toml\n(.*?)^```", README, flags=re.S | re.M)


def test_config_file_example_loads(tmp_path):
    from s3mock.config import load
    (block,) = [b for b in TOML_BLOCKS if "[s3mock]" in b]
    path = tmp_path / "s3mock.toml"
    path.write_text(block)
    settings = load({"config": str(path)}, environ={})
    assert (settings.port, str(settings.data_dir), settings.region) == (9000, "/var/lib/s3mock", "eu-west-1")
    assert [(u.access_key, u.display_name) for u in settings.users] == [("alice", "alice"), ("bob", "Bob")]


def test_fault_rules_example_loads(tmp_path):
    from s3mock.config import load
    (block,) = [b for b in TOML_BLOCKS if "[[s3mock.faults]]" in b]
    path = tmp_path / "s3mock.toml"
    path.write_text(block)
    slow, parts = load({"config": str(path)}, environ={}).faults
    assert (slow.id, slow.op, slow.latency) == ("slow-listing", "ListObjects*", (0.2, 1.5))
    assert (parts.op, parts.error, parts.every) == ("UploadPart", "SlowDown", 3)
