"""Settings: one frozen dataclass, loaded from flags, S3MOCK_* environment and a TOML file, validated.

Flags win over the environment, the environment over the config file.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path


class ConfigError(ValueError):
    """Invalid configuration: the message is one line naming the problem."""


@dataclass(frozen=True)
class User:
    access_key: str
    secret_key: str
    canonical_id: str
    display_name: str


def make_user(access_key: str, secret_key: str, canonical_id: str | None = None,
              display_name: str | None = None) -> User:
    if not access_key or not secret_key:
        raise ConfigError("a user needs an access key and a secret key")
    cid = canonical_id or hashlib.sha256(b"s3mock-user:" + access_key.encode()).hexdigest()
    return User(access_key, secret_key, cid, display_name or access_key)


def parse_user(spec: str) -> User:
    """ACCESS:SECRET[:CANONICAL_ID[:DISPLAY_NAME]]"""
    parts = spec.split(":")
    if len(parts) < 2 or len(parts) > 4:
        raise ConfigError(f"invalid user {spec!r}: expected ACCESS:SECRET[:CANONICAL_ID[:DISPLAY_NAME]]")
    return make_user(*parts)


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9000
    data_dir: Path = Path("./s3mock-data")
    domain: str = "localhost"
    region: str = "us-east-1"
    auth: str = "lenient"
    access_key: str = "test"
    secret_key: str = "test"
    users: tuple[User, ...] = ()
    config: Path | None = None
    workers: int = 1
    log_format: str = "text"
    buckets: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def owner(self) -> User:
        return make_user(self.access_key, self.secret_key)

    @property
    def all_users(self) -> tuple[User, ...]:
        return (self.owner, *self.users)


# name -> (type converter, env var)
FIELDS: dict[str, object] = {
    "host": str, "port": int, "data_dir": Path, "domain": str, "region": str, "auth": str,
    "access_key": str, "secret_key": str, "users": None, "config": Path, "workers": int,
    "log_format": str, "buckets": None,
}


def env_name(name: str) -> str:
    return "S3MOCK_" + name.upper()


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _convert(name: str, value: object) -> object:
    try:
        if name == "users":
            items = _split_list(value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            return tuple(parse_user(u) if isinstance(u, str) else make_user(**u) for u in items)
        if name == "buckets":
            items = _split_list(value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            return tuple(str(b) if not isinstance(b, dict) else b["name"] for b in items)
    except (TypeError, KeyError):   # a TOML entry of the wrong shape
        raise ConfigError(f"invalid value for {name}: {value!r}") from None
    conv = FIELDS[name]
    try:
        if conv is int and isinstance(value, (bool, float)):
            raise ValueError(value)     # int(True) == 1, int(1.5) == 1: never silently
        return conv(value)  # type: ignore[operator]
    except (TypeError, ValueError):
        raise ConfigError(f"invalid value for {name}: {value!r}") from None


def _from_file(path: Path) -> dict[str, object]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    section = data.get("s3mock", data)
    out: dict[str, object] = {}
    for key, value in section.items():
        name = key.replace("-", "_")
        if name not in FIELDS or name == "config":
            raise ConfigError(f"unknown setting {key!r} in {path}")
        out[name] = value
    return out


def load(flags: dict[str, object], environ: dict[str, str] | None = None) -> Settings:
    """Merge file < environment < flags (flags given as None are absent) and validate."""
    environ = dict(os.environ) if environ is None else environ
    env = {n: environ[env_name(n)] for n in FIELDS if env_name(n) in environ}
    given = {k: v for k, v in flags.items() if v is not None and v != []}
    config_path = given.get("config") or env.get("config")
    merged: dict[str, object] = {}
    if config_path:
        merged.update(_from_file(Path(str(config_path))))
    merged.update(env)
    merged.update(given)
    values = {name: _convert(name, value) for name, value in merged.items()}
    return validate(replace(Settings(), **values))


def validate(s: Settings) -> Settings:
    if not 0 <= s.port <= 65535:
        raise ConfigError(f"invalid port {s.port}: must be 0-65535")
    if s.auth not in ("lenient", "strict"):
        raise ConfigError(f"invalid auth mode {s.auth!r}: must be lenient or strict")
    if s.log_format not in ("text", "json"):
        raise ConfigError(f"invalid log format {s.log_format!r}: must be text or json")
    if s.workers < 1:
        raise ConfigError(f"invalid workers {s.workers}: must be at least 1")
    keys = [u.access_key for u in s.all_users]
    if len(set(keys)) != len(keys):
        raise ConfigError("two users share one access key")
    return s
