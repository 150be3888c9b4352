"""Settings: flags > S3MOCK_* environment > TOML file, user specs, and one-line ConfigErrors."""

from __future__ import annotations

from pathlib import Path

import pytest

from s3mock import cli
from s3mock.config import ConfigError, Settings, load, parse_user


def toml(tmp_path: Path, text: str, name: str = "s3mock.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_defaults():
    s = load({}, {})
    assert s == Settings()
    assert (s.host, s.port, s.data_dir, s.domain, s.region, s.auth) == (
        "127.0.0.1", 9000, Path("./s3mock-data"), "localhost", "us-east-1", "lenient")
    assert (s.access_key, s.secret_key, s.workers, s.log_format) == ("test", "test", 1, "text")
    assert s.all_users == (s.owner,)


def test_flags_beat_env_beat_file(tmp_path):
    cfg = toml(tmp_path, 'port = 1001\nregion = "eu-west-1"\ndomain = "file.test"\nauth = "strict"\n')
    env = {"S3MOCK_PORT": "1002", "S3MOCK_REGION": "eu-west-2"}
    flags = {"config": str(cfg), "port": 1003}
    s = load(flags, env)
    assert (s.port, s.region, s.domain, s.auth) == (1003, "eu-west-2", "file.test", "strict")
    assert load({"config": str(cfg)}, env).port == 1002
    assert load({"config": str(cfg)}, {}).port == 1001
    assert load({}, env).port == 1002


def test_config_path_from_env(tmp_path):
    cfg = toml(tmp_path, "workers = 3\n")
    assert load({}, {"S3MOCK_CONFIG": str(cfg)}).workers == 3


def test_config_flag_beats_config_env(tmp_path):
    a = toml(tmp_path, "workers = 2\n", "a.toml")
    b = toml(tmp_path, "workers = 5\n", "b.toml")
    assert load({"config": str(a)}, {"S3MOCK_CONFIG": str(b)}).workers == 2


def test_absent_flags_do_not_override(tmp_path):
    """argparse gives None for a flag not passed and [] for an empty append list."""
    flags = {name: None for name in ("host", "port", "data_dir", "region", "auth")}
    flags["users"] = []
    s = load(flags, {"S3MOCK_PORT": "7000", "S3MOCK_USERS": "a:b"})
    assert s.port == 7000
    assert [u.access_key for u in s.users] == ["a"]


def test_file_section_and_dashed_names(tmp_path):
    cfg = toml(tmp_path, '[s3mock]\ndata-dir = "/srv/data"\nlog-format = "json"\naccess_key = "k"\n')
    s = load({"config": str(cfg)}, {})
    assert (s.data_dir, s.log_format, s.access_key) == (Path("/srv/data"), "json", "k")


def test_every_field_has_an_env_twin():
    env = {"S3MOCK_HOST": "0.0.0.0", "S3MOCK_PORT": "0", "S3MOCK_DATA_DIR": "/d",
           "S3MOCK_DOMAIN": "s3.test", "S3MOCK_REGION": "ap-south-1", "S3MOCK_AUTH": "strict",
           "S3MOCK_ACCESS_KEY": "AK", "S3MOCK_SECRET_KEY": "SK", "S3MOCK_USERS": "u:p",
           "S3MOCK_WORKERS": "4", "S3MOCK_LOG_FORMAT": "json", "S3MOCK_BUCKETS": "aaa, bbb,,ccc"}
    s = load({}, env)
    assert (s.host, s.port, s.data_dir, s.domain, s.region, s.auth) == (
        "0.0.0.0", 0, Path("/d"), "s3.test", "ap-south-1", "strict")
    assert (s.access_key, s.secret_key, s.workers, s.log_format) == ("AK", "SK", 4, "json")
    assert [u.access_key for u in s.users] == ["u"]
    assert [b.name for b in s.buckets] == ["aaa", "bbb", "ccc"]
    assert s.owner.access_key == "AK" and s.owner.secret_key == "SK"


def test_unrelated_env_is_ignored():
    assert load({}, {"PORT": "1", "S3MOCK_port": "2"}).port == 9000


# users


def test_user_specs():
    u = parse_user("AK:SK")
    assert (u.access_key, u.secret_key, u.display_name) == ("AK", "SK", "AK")
    assert len(u.canonical_id) == 64 and u.canonical_id == parse_user("AK:other").canonical_id
    assert u.canonical_id != parse_user("AK2:SK").canonical_id
    u = parse_user("AK:SK:abc123:Alice Smith")
    assert (u.access_key, u.secret_key, u.canonical_id, u.display_name) == (
        "AK", "SK", "abc123", "Alice Smith")
    u = parse_user("AK:SK:abc123")
    assert (u.canonical_id, u.display_name) == ("abc123", "AK")


def test_users_from_flags_env_and_file(tmp_path):
    cfg = toml(tmp_path, '[[users]]\naccess_key = "f1"\nsecret_key = "s"\ndisplay_name = "File"\n'
                         '[[users]]\naccess_key = "f2"\nsecret_key = "s"\n')
    file_only = load({"config": str(cfg)}, {})
    assert [(u.access_key, u.display_name) for u in file_only.users] == [("f1", "File"), ("f2", "f2")]
    env = load({"config": str(cfg)}, {"S3MOCK_USERS": "e1:s, e2:s:id2:Env Two"})
    assert [(u.access_key, u.canonical_id, u.display_name) for u in env.users][1] == (
        "e2", "id2", "Env Two")
    assert [u.access_key for u in env.users] == ["e1", "e2"]
    flags = load({"config": str(cfg), "users": ["x:y"]}, {"S3MOCK_USERS": "e1:s"})
    assert [u.access_key for u in flags.users] == ["x"]


def test_user_strings_in_file(tmp_path):
    cfg = toml(tmp_path, 'users = ["a:b", "c:d:cid:Name"]\n')
    assert [(u.access_key, u.display_name) for u in load({"config": str(cfg)}, {}).users] == [
        ("a", "a"), ("c", "Name")]


# invalid values: ConfigError, one line naming the problem


def one_line_error(flags: dict, env: dict | None = None, *mentions: str) -> str:
    with pytest.raises(ConfigError) as e:
        load(flags, env or {})
    msg = str(e.value)
    assert msg and "\n" not in msg and "Traceback" not in msg
    for m in mentions:
        assert m in msg, (m, msg)
    return msg


@pytest.mark.parametrize("flags,env,mentions", [
    ({}, {"S3MOCK_PORT": "abc"}, ("port", "abc")),
    ({}, {"S3MOCK_PORT": "70000"}, ("port", "70000")),
    ({"port": -1}, {}, ("port", "-1")),
    ({}, {"S3MOCK_WORKERS": "0"}, ("workers",)),
    ({}, {"S3MOCK_WORKERS": "many"}, ("workers", "many")),
    ({"auth": "none"}, {}, ("auth", "none")),
    ({}, {"S3MOCK_AUTH": "STRICT"}, ("auth", "STRICT")),
    ({}, {"S3MOCK_LOG_FORMAT": "xml"}, ("log format", "xml")),
    ({"users": ["justakey"]}, {}, ("justakey",)),
    ({"users": ["a:b:c:d:e"]}, {}, ("a:b:c:d:e",)),
    ({}, {"S3MOCK_USERS": "a:"}, ("access key", "secret key")),
    ({}, {"S3MOCK_USERS": ":b"}, ("access key",)),
    ({"users": ["test:other"]}, {}, ("access key",)),            # clashes with the default user
    ({"users": ["a:b", "a:c"]}, {}, ("access key",)),
])
def test_invalid_flags_and_env(flags, env, mentions):
    one_line_error(flags, env, *mentions)


@pytest.mark.parametrize("text,mentions", [
    ('port = "abc"\n', ("port", "abc")),
    ("port = 1.5\n", ("port",)),
    ("port = true\n", ("port",)),
    ("workers = 0\n", ("workers",)),
    ('colour = "blue"\n', ("colour",)),
    ('config = "other.toml"\n', ("config",)),
    ("port = \n", ("not valid TOML",)),
    ("[s3mock\n", ("not valid TOML",)),
    ('users = [{access_key = "x"}]\n', ("users",)),
    ('users = [{access_key = "x", secret_key = "y", colour = 1}]\n', ("users",)),
    ("users = [5]\n", ("users",)),
    ('buckets = [{title = "x"}]\n', ("buckets",)),
])
def test_invalid_file(tmp_path, text, mentions):
    cfg = toml(tmp_path, text)
    msg = one_line_error({"config": str(cfg)}, {}, *mentions)
    if "not valid TOML" in mentions or text.startswith(("colour", "config")):
        assert str(cfg) in msg      # a problem of the file itself names the file


def test_missing_file(tmp_path):
    one_line_error({"config": str(tmp_path / "nope.toml")}, {}, "not found", "nope.toml")


def test_cli_prints_one_line_and_exits_2(monkeypatch, capsys, tmp_path):
    for name in [n for n in __import__("os").environ if n.startswith("S3MOCK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("S3MOCK_AUTH", "sometimes")
    assert cli.main(["--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("s3mock: ") and "sometimes" in err
    assert not (tmp_path / "d").exists()     # nothing was created for a refused configuration


JOBS = "arn:aws:sqs:us-east-1:123456789012:jobs"
AUDIT = "arn:aws:sns:us-east-1:123456789012:audit"


def test_webhooks_from_file_env_and_flags(tmp_path):
    cfg = toml(tmp_path, f'[s3mock]\nport = 1\n\n[s3mock.webhooks]\n"{JOBS}" = "http://127.0.0.1:8080/hook"\n')
    assert load({"config": str(cfg)}, {}).webhooks == {JOBS: "http://127.0.0.1:8080/hook"}
    top = toml(tmp_path, f'[webhooks]\n"{AUDIT}" = "https://hooks.test/a?x=1"\n', "top.toml")
    assert load({"config": str(top)}, {}).webhooks == {AUDIT: "https://hooks.test/a?x=1"}
    beside = toml(tmp_path, f'[s3mock]\nport = 1\n[webhooks]\n"{AUDIT}" = "http://h/a"\n', "b.toml")
    assert load({"config": str(beside)}, {}).webhooks == {AUDIT: "http://h/a"}
    env = {"S3MOCK_WEBHOOKS": f"{JOBS}=http://127.0.0.1:1/a?b=c, {AUDIT}=http://127.0.0.1:2/"}
    assert load({"config": str(cfg)}, env).webhooks == {JOBS: "http://127.0.0.1:1/a?b=c",
                                                         AUDIT: "http://127.0.0.1:2/"}
    flags = {"config": str(cfg), "webhooks": [f"{AUDIT}=http://127.0.0.1:3/"]}
    assert load(flags, env).webhooks == {AUDIT: "http://127.0.0.1:3/"}     # flags replace the rest
    assert load({}, {}).webhooks == {}


def test_cli_webhook_flag_repeats():
    args = cli.parser().parse_args(["--webhook", f"{JOBS}=http://a/", "--webhook", f"{AUDIT}=http://b/"])
    assert load({"webhooks": args.webhooks}, {}).webhooks == {JOBS: "http://a/", AUDIT: "http://b/"}


@pytest.mark.parametrize("value, mentions", [
    ("http://127.0.0.1/hook", "expected ARN=URL"),
    ("jobs=http://127.0.0.1/hook", "invalid webhook ARN 'jobs'"),
    (f"{JOBS}=ftp://127.0.0.1/hook", "invalid webhook URL 'ftp://127.0.0.1/hook'"),
    (f"{JOBS}=http:///hook", "invalid webhook URL"),
    (f"{JOBS}=http://a/,{JOBS}=http://b/", "two webhooks for"),
])
def test_invalid_webhooks(value, mentions):
    with pytest.raises(ConfigError, match=mentions.replace("?", r"\?")):
        load({}, {"S3MOCK_WEBHOOKS": value})


def test_invalid_webhook_table_in_file(tmp_path):
    cfg = toml(tmp_path, f'[webhooks]\n"{JOBS}" = 8080\n')
    with pytest.raises(ConfigError, match="invalid webhook URL 8080"):
        load({"config": str(cfg)}, {})


def test_settings_with_webhooks_stay_hashable_and_comparable():
    a = load({"webhooks": [f"{JOBS}=http://a/"]}, {})
    b = load({"webhooks": [f"{JOBS}=http://b/"]}, {})
    assert hash(a) == hash(b) and a != b and a == load({"webhooks": [f"{JOBS}=http://a/"]}, {})
