"""Settings: one frozen dataclass, loaded from flags, S3MOCK_* environment and a TOML file, validated.

Flags win over the environment, the environment over the config file. No aiohttp, no network.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from s3mock.auth.identity import User


class ConfigError(ValueError):
    """Invalid configuration: the message is one line naming the problem."""


@functools.lru_cache(maxsize=1024)    # Settings.owner calls it on every request
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
class BucketSpec:
    """A bucket to create at start (seed.py): its canned ACL and CORS configuration, if given."""
    name: str
    acl: str | None = None
    cors: bytes | None = None       # the CORS configuration as GetBucketCors would return it


def parse_bucket(spec: str, base: Path | None = None) -> BucketSpec:
    """NAME[:CANNED_ACL[:CORS_FILE]] (S3MOCK_BUCKETS items)."""
    name, _, rest = spec.partition(":")
    acl_name, _, cors_file = rest.partition(":")
    return make_bucket(name.strip(), acl_name.strip() or None, cors_file.strip() or None, base)


def make_bucket(name: str, acl: str | None = None, cors: object = None,
                base: Path | None = None) -> BucketSpec:
    """Validate one seed bucket. `cors`: XML or JSON text, a file path, or a JSON-like table."""
    from s3mock.auth.acl import BUCKET_CANNED
    from s3mock.bucket_names import valid_bucket_name
    if not isinstance(name, str) or not valid_bucket_name(name):
        raise ConfigError(f"invalid bucket name {name!r} in buckets")
    if acl is not None and acl not in BUCKET_CANNED:
        raise ConfigError(f"invalid ACL {acl!r} for bucket {name}: must be one of "
                          + ", ".join(BUCKET_CANNED))
    return BucketSpec(name, acl, None if cors is None else _cors(name, cors, base))


def _cors(bucket: str, value: object, base: Path | None) -> bytes:
    from s3mock import cors
    from s3mock.errors import S3Error
    if isinstance(value, str) and not value.lstrip().startswith(("<", "{", "[")):
        path = Path(value).expanduser()
        path = path if path.is_absolute() or base is None else base / path
        try:
            value = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"cannot read CORS file {str(path)!r} for bucket {bucket}: "
                              f"{e.strerror}") from None
    try:
        if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
            value = json.loads(value)
        body = value.encode() if isinstance(value, str) else _cors_xml(value)
        return cors.render(cors.parse(body))
    except json.JSONDecodeError as e:
        raise ConfigError(f"invalid CORS JSON for bucket {bucket}: {e}") from None
    except S3Error as e:
        raise ConfigError(f"invalid CORS configuration for bucket {bucket}: {e.code}"
                          + (f": {e.message}" if e.message else "")) from None
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(f"invalid CORS configuration for bucket {bucket}: expected XML, or "
                          "JSON such as {\"CORSRules\": [{\"AllowedOrigins\": [...], "
                          "\"AllowedMethods\": [...]}]}") from None


_CORS_JSON = {"ID": "ID", "AllowedHeaders": "AllowedHeader", "AllowedMethods": "AllowedMethod",
              "AllowedOrigins": "AllowedOrigin", "ExposeHeaders": "ExposeHeader",
              "MaxAgeSeconds": "MaxAgeSeconds"}


def _cors_xml(value: object) -> bytes:
    """The JSON form `aws s3api put-bucket-cors` takes ({"CORSRules": [...]}, or the list) -> XML."""
    from s3mock import xml
    rules = value["CORSRules"] if isinstance(value, dict) else value
    if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
        raise TypeError(value)
    content = []
    for rule in rules:
        item: list = []
        for key, val in rule.items():
            tag = _CORS_JSON.get(key)
            if tag is None:
                raise ValueError(key)
            for v in val if isinstance(val, list) else [val]:
                item.append((tag, v))
        content.append(("CORSRule", item))
    return xml.render("CORSConfiguration", content)


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
    buckets: tuple[BucketSpec, ...] = ()
    # New buckets' Object Ownership when CreateBucket names none. S3's own default is
    # BucketOwnerEnforced (ACLs disabled) since April 2023; ObjectWriter keeps ACLs working.
    object_ownership: str = "ObjectWriter"
    console: str = "on"         # the web console at /_s3mock/console/ (console.py): on or off
    # Event notifications' destination ARN -> webhook URL (event_delivery.py); an ARN not named
    # here gets its messages on the event stream only. Left out of the hash: Settings stays
    # hashable, as it was before this (unhashable) field.
    webhooks: Mapping[str, str] = field(default_factory=dict, hash=False)
    faults: tuple = ()          # fault rules (faults.Rule) in force from the start

    @property
    def owner(self) -> User:
        return make_user(self.access_key, self.secret_key)

    @property
    def all_users(self) -> tuple[User, ...]:
        return (self.owner, *self.users)

    @functools.cached_property
    def users_by_key(self) -> dict[str, User]:
        """Every user by access key (validate() refuses two users with one key)."""
        return {u.access_key: u for u in self.all_users}

    @functools.cached_property
    def users_by_id(self) -> dict[str, User]:
        """Every user by canonical id."""
        return {u.canonical_id: u for u in self.all_users}


# name -> (type converter, env var)
FIELDS: dict[str, object] = {
    "host": str, "port": int, "data_dir": Path, "domain": str, "region": str, "auth": str,
    "access_key": str, "secret_key": str, "users": None, "config": Path, "workers": int,
    "log_format": str, "buckets": None, "object_ownership": str, "console": None,
    "webhooks": None,
    "faults": None,
}


def env_name(name: str) -> str:
    return "S3MOCK_" + name.upper()


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _convert(name: str, value: object, base: Path | None = None) -> object:
    try:
        if name == "users":
            items = _split_list(value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            return tuple(parse_user(u) if isinstance(u, str) else make_user(**u) for u in items)
        if name == "buckets":
            items = _split_list(value) if isinstance(value, str) else list(value)  # type: ignore[arg-type]
            specs = tuple(parse_bucket(b, base) if isinstance(b, str) else make_bucket(**b, base=base)
                          for b in items)
            if len({b.name for b in specs}) != len(specs):
                raise ConfigError("a bucket is listed twice in buckets")
            return specs
        if name == "webhooks":
            return parse_webhooks(value)
    except (TypeError, KeyError):   # a TOML entry of the wrong shape
        raise ConfigError(f"invalid value for {name}: {value!r}") from None
    if name == "faults":
        return _faults(value)
    if name == "console":     # TOML may say true/false; flags and the environment on/off
        return {True: "on", False: "off"}.get(value, value) if isinstance(value, bool) \
            else str(value).strip().lower()
    conv = FIELDS[name]
    try:
        if conv is int and isinstance(value, (bool, float)):
            raise ValueError(value)     # int(True) == 1, int(1.5) == 1: never silently
        return conv(value)  # type: ignore[operator]
    except (TypeError, ValueError):
        raise ConfigError(f"invalid value for {name}: {value!r}") from None


def parse_webhooks(value: object) -> dict[str, str]:
    """ARN=URL items (a list, or one comma-separated string) or a table ARN -> URL."""
    if isinstance(value, str):
        value = _split_list(value)
    if isinstance(value, dict):
        pairs = list(value.items())
    else:
        pairs = []
        for item in value:  # type: ignore[union-attr]
            arn, eq, url = str(item).partition("=")
            if not eq:
                raise ConfigError(f"invalid webhook {item!r}: expected ARN=URL")
            pairs.append((arn.strip(), url.strip()))
    hooks: dict[str, str] = {}
    for arn, url in pairs:
        if not isinstance(arn, str) or not arn.startswith("arn:") or len(arn.split(":")) < 6:
            raise ConfigError(f"invalid webhook ARN {arn!r}: expected arn:aws:SERVICE:REGION:ACCOUNT:NAME")
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"invalid webhook URL {url!r} for {arn}: expected http(s)://HOST/...")
        if arn in hooks:
            raise ConfigError(f"two webhooks for {arn}")
        hooks[arn] = url
    return hooks


def _faults(value: object) -> tuple:
    """Fault rules: JSON text (S3MOCK_FAULTS), or the config file's array of tables."""
    from s3mock.faults import FaultError, parse_rules
    try:
        data = json.loads(value) if isinstance(value, str) else value
        return tuple(parse_rules(data))
    except (json.JSONDecodeError, RecursionError) as e:
        raise ConfigError(f"invalid faults: not JSON: {e}") from None
    except FaultError as e:
        raise ConfigError(f"invalid faults: {e}") from None


def _from_file(path: Path) -> dict[str, object]:
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"config file {path} is not valid TOML: {e}") from None
    section = data.get("s3mock", data)
    if section is not data and "webhooks" in data:      # a top-level [webhooks] table beside [s3mock]
        section = {"webhooks": data["webhooks"], **section}
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
    base: dict[str, Path] = {}      # relative CORS file paths in the file: from the file's directory
    if config_path:
        from_file = _from_file(Path(str(config_path)))
        merged.update(from_file)
        base = {name: Path(str(config_path)).parent for name in from_file}
    merged.update(env)
    merged.update(given)
    for name in (*env, *given):
        base.pop(name, None)
    values = {name: _convert(name, value, base.get(name)) for name, value in merged.items()}
    return validate(replace(Settings(), **values))


def validate(s: Settings) -> Settings:
    if not 0 <= s.port <= 65535:
        raise ConfigError(f"invalid port {s.port}: must be 0-65535")
    if s.auth not in ("lenient", "strict"):
        raise ConfigError(f"invalid auth mode {s.auth!r}: must be lenient or strict")
    if s.log_format not in ("text", "json"):
        raise ConfigError(f"invalid log format {s.log_format!r}: must be text or json")
    if s.object_ownership not in ("ObjectWriter", "BucketOwnerPreferred", "BucketOwnerEnforced"):
        raise ConfigError(f"invalid object ownership {s.object_ownership!r}: must be ObjectWriter, "
                          "BucketOwnerPreferred or BucketOwnerEnforced")
    if s.console not in ("on", "off"):
        raise ConfigError(f"invalid console {s.console!r}: must be on or off")
    if s.workers < 1:
        raise ConfigError(f"invalid workers {s.workers}: must be at least 1")
    keys = [u.access_key for u in s.all_users]
    if len(set(keys)) != len(keys):
        raise ConfigError("two users share one access key")
    return s
