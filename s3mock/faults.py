"""Fault rules: what a rule is, parsing and validating one from JSON, whether it matches a
request, whether it fires this time. Pure: no aiohttp, no I/O (time and chance are passed in).

A rule (JSON; every field but an action is optional):
    {"op": "PutObject", "bucket": "b*", "key": "logs/*", "method": "PUT", "principal": "test",
     "probability": 0.5, "times": 2, "every": 3, "after": 10.0,
     "error": "SlowDown", "message": "...", "latency": 0.2 | [0.1, 0.5], "throttle": 1000,
     "reset": true, "cut": 100, "stall": 30, "fail_after": true}
Matching fields are globs (fnmatch, case-sensitive). Matches are counted once `after` seconds
passed since the server started; a rule fires on a counted match when it is one of the first
`times`, an `every`-th one, and the `probability` draw succeeds.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import asdict, dataclass

from s3mock.errors import ERRORS, NOT_MODIFIED

MATCH = ("op", "bucket", "key", "method", "principal")
# The actions that replace or break the answer: a rule has at most one (latency and throttle
# can come with any of them).
EXCLUSIVE = ("error", "reset", "cut", "stall", "fail_after")
MAX_RULES = 1000
MAX_STALL = 600.0           # seconds: a stalled upload is answered RequestTimeout by then
MAX_LATENCY = 600.0


class FaultError(ValueError):
    """An invalid rule: the message names the field and what it must be."""


@dataclass(frozen=True)
class Rule:
    id: str = ""
    op: str | None = None
    bucket: str | None = None
    key: str | None = None
    method: str | None = None
    principal: str | None = None
    probability: float = 1.0
    times: int | None = None
    every: int | None = None
    after: float = 0.0
    error: str | None = None
    message: str | None = None
    latency: tuple[float, float] | None = None
    throttle: int | None = None
    reset: bool = False
    cut: int | None = None
    stall: float | None = None
    fail_after: bool = False

    def to_json(self) -> dict:
        """The rule as given (defaults left out)."""
        out = {}
        default = Rule()
        for name, value in asdict(self).items():
            if value != getattr(default, name) or name == "id":
                out[name] = list(value) if isinstance(value, tuple) else value
        return out

    @property
    def label(self) -> str:
        """What the access log says: the rule's id and its action."""
        kind = next((n for n in EXCLUSIVE if getattr(self, n) not in (None, False)), None)
        if kind is None:
            kind = "latency" if self.latency else "throttle"
        detail = self.error if kind == "error" else None
        return f"{self.id}:{kind}" + (f"={detail}" if detail else "")


def _number(name: str, value: object, low: float, high: float, integer: bool = False) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if not ok or isinstance(value, bool) or not low <= value <= high:  # type: ignore[operator]
        kind = "an integer" if integer else "a number"
        raise FaultError(f"{name} must be {kind} from {low:g} to {high:g}, not {value!r:.60}")
    return value  # type: ignore[return-value]


def _latency(value: object) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2:
        low = _number("latency[0]", value[0], 0, MAX_LATENCY)
        high = _number("latency[1]", value[1], low, MAX_LATENCY)
        return float(low), float(high)
    fixed = _number("latency", value, 0, MAX_LATENCY)
    return float(fixed), float(fixed)


def parse_rule(data: object, rule_id: str) -> Rule:
    """One rule from its JSON form; FaultError names what is wrong."""
    if not isinstance(data, dict):
        raise FaultError(f"a rule must be a JSON object, not {data!r:.60}")
    unknown = sorted(set(data) - set(Rule.__dataclass_fields__))
    if unknown:
        raise FaultError(f"unknown field {unknown[0]!r} in a rule; fields: "
                         + ", ".join(Rule.__dataclass_fields__))
    fields: dict = {"id": rule_id}
    if "id" in data:
        if not isinstance(data["id"], str) or not 0 < len(data["id"]) <= 64:
            raise FaultError("id must be a string of 1 to 64 characters")
        fields["id"] = data["id"]
    for name in (*MATCH, "message"):
        if name in data and data[name] is not None:
            if not isinstance(data[name], str):
                raise FaultError(f"{name} must be a string (a glob), not {data[name]!r:.60}")
            fields[name] = data[name]
    if "probability" in data:
        fields["probability"] = float(_number("probability", data["probability"], 0, 1))
    for name in ("times", "every"):
        if data.get(name) is not None:
            fields[name] = int(_number(name, data[name], 1, 2**31, integer=True))
    if "after" in data:
        fields["after"] = float(_number("after", data["after"], 0, 10**6))
    _actions(data, fields)
    return Rule(**fields)


def _actions(data: dict, fields: dict) -> None:
    present = [n for n in EXCLUSIVE if data.get(n) not in (None, False)]
    if len(present) > 1:
        raise FaultError(f"a rule has at most one of {', '.join(EXCLUSIVE)}; this one has "
                         + " and ".join(present))
    if data.get("error") is not None:
        code = data["error"]
        if not isinstance(code, str) or code not in ERRORS or code == NOT_MODIFIED:
            raise FaultError(f"error must be an S3 error code (SlowDown, ServiceUnavailable, "
                             f"InternalError, ...), not {code!r:.60}")
        fields["error"] = code
    elif "message" in fields:
        raise FaultError("message goes with error")
    if data.get("latency") is not None:
        fields["latency"] = _latency(data["latency"])
    if data.get("throttle") is not None:
        fields["throttle"] = int(_number("throttle", data["throttle"], 1, 2**40, integer=True))
    for name in ("reset", "fail_after"):
        if name in data:
            if not isinstance(data[name], bool):
                raise FaultError(f"{name} must be true or false")
            fields[name] = data[name]
    if data.get("cut") is not None:
        fields["cut"] = int(_number("cut", data["cut"], 0, 2**62, integer=True))
    if data.get("stall") is not None:
        stall = data["stall"]
        fields["stall"] = MAX_STALL if stall is True else float(_number("stall", stall, 0, MAX_STALL))
    if not present and "latency" not in fields and "throttle" not in fields:
        raise FaultError("a rule needs an action: error, latency, throttle, reset, cut, stall "
                         "or fail_after")


def parse_rules(data: object, first_id: int = 1) -> list[Rule]:
    """A rule, a list of rules, or {"rules": [...]}; rules without an id are numbered from
    `first_id`."""
    if isinstance(data, dict) and set(data) == {"rules"}:
        data = data["rules"]
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_RULES:
        raise FaultError(f"at most {MAX_RULES} rules")
    return [parse_rule(item, str(first_id + i)) for i, item in enumerate(items)]


@functools.lru_cache(maxsize=256)
def _glob(pattern: str) -> re.Pattern:
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


def _like(pattern: str | None, value: str | None) -> bool:
    return pattern is None or (value is not None and _glob(pattern).match(value) is not None)


def matches(rule: Rule, op: str, bucket: str | None, key: str | None, method: str,
            principal: str) -> bool:
    """Whether the request is one the rule is about (its conditions on firing aside).
    `principal`: the access key, or `anonymous`."""
    return (_like(rule.op, op) and _like(rule.bucket, bucket) and _like(rule.key, key)
            and _like(rule.method, method) and _like(rule.principal, principal))


def awake(rule: Rule, uptime: float) -> bool:
    """Whether the rule's delay (`after` seconds from the server's start) has passed: matches
    before then are not counted."""
    return uptime >= rule.after


def fires(rule: Rule, nth: int, draw: float) -> bool:
    """Whether the rule fires on its `nth` counted match (from 1), given a uniform `draw` in
    [0, 1)."""
    if rule.times is not None and nth > rule.times:
        return False
    if rule.every is not None and nth % rule.every:
        return False
    return draw < rule.probability
