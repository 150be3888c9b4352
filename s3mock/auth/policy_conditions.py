"""Bucket-policy Condition operators: parse one (operator, key, values) and test it against a
request's keys, with IAM's semantics. Pure: no aiohttp, no I/O.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
- Within one key the policy's values are ORed; keys and operators are ANDed (the caller).
- A negated operator (StringNotEquals, NotIpAddress...) holds when no request value matches
  any policy value, so it holds on an absent key too; a positive one is false on an absent key.
- ...IfExists: an absent key satisfies the condition. Null: "true" means the key is absent.
- ForAnyValue: some request value satisfies it (false on an absent key); ForAllValues: every
  request value satisfies it (true on an absent key or no values).
Policy variables (${aws:username}, ${key, 'default'}, ${*} ${?} ${$}) are substituted in the
values of String and Arn operators and in Resource when the policy's Version is 2012-10-17.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

Keys = Callable[[str], "Sequence[str] | None"]


class ConditionError(ValueError):
    """A Condition S3 refuses; str(error) is S3's MalformedPolicy message."""


# base operator -> (family, negated); a negated operator holds when its positive twin does not
OPERATORS: dict[str, tuple[str, bool]] = {
    "StringEquals": ("string", False), "StringNotEquals": ("string", True),
    "StringEqualsIgnoreCase": ("istring", False), "StringNotEqualsIgnoreCase": ("istring", True),
    "StringLike": ("like", False), "StringNotLike": ("like", True),
    "NumericEquals": ("num=", False), "NumericNotEquals": ("num=", True),
    "NumericLessThan": ("num<", False), "NumericLessThanEquals": ("num<=", False),
    "NumericGreaterThan": ("num>", False), "NumericGreaterThanEquals": ("num>=", False),
    "DateEquals": ("date=", False), "DateNotEquals": ("date=", True),
    "DateLessThan": ("date<", False), "DateLessThanEquals": ("date<=", False),
    "DateGreaterThan": ("date>", False), "DateGreaterThanEquals": ("date>=", False),
    "Bool": ("bool", False), "BinaryEquals": ("binary", False),
    "IpAddress": ("ip", False), "NotIpAddress": ("ip", True),
    "ArnEquals": ("arn", False), "ArnLike": ("arn", False),
    "ArnNotEquals": ("arn", True), "ArnNotLike": ("arn", True),
    "Null": ("null", False),
}
_COMPARE = {"=": lambda a, b: a == b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
            ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def split_operator(written: str) -> tuple[str, str | None, bool]:
    """'ForAnyValue:StringLikeIfExists' -> ('StringLike', 'any', True). Names are exact-case."""
    qualifier, rest = None, written
    if written.startswith("ForAnyValue:"):
        qualifier, rest = "any", written[len("ForAnyValue:"):]
    elif written.startswith("ForAllValues:"):
        qualifier, rest = "all", written[len("ForAllValues:"):]
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    base = rest[:-len("IfExists")] if if_exists else rest
    if base not in OPERATORS or (base == "Null" and if_exists):   # IAM: IfExists "except Null"
        # https://github.com/versity/versitygw auth/bucket_policy_condition.go quotes S3's text
        raise ConditionError(f"Invalid Condition type : {written}")
    return base, qualifier, if_exists


def normalize_key(key: str) -> str:
    """The key as Keys is asked: the part before the first '/' lower-cased, the rest as written."""
    head, sep, tail = key.partition("/")
    return head.lower() + sep + tail


def wildcard_regex(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`*` any run (the empty one and '/' included), `?` any one character; the rest literal."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, flags | re.DOTALL)


def substitute(template: str, keys: Keys) -> str | None:
    """A value with its policy variables replaced; None when a variable has no value and no
    default (IAM: the element then matches nothing)."""
    missing = False

    def one(match: re.Match[str]) -> str:
        nonlocal missing
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return inner
        name, _, default = inner.partition(",")
        got = keys(normalize_key(name.strip()))
        if got:
            return got[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        missing = True
        return ""
    text = _VARIABLE.sub(one, template)
    return None if missing else text


_DECIMAL = re.compile(r"\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")


def _number(text: str) -> float | None:
    """A decimal number (not Python's float syntax: no nan, inf or 1_000)."""
    return float(text) if _DECIMAL.fullmatch(text) else None


def parse_date(text: str) -> float | None:
    """ISO 8601 (a date, or a time with or without zone, UTC if none) or epoch seconds."""
    text = text.strip()
    if re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _arn_parts(value: str) -> list[str] | None:
    parts = value.split(":", 5)
    return parts if len(parts) == 6 else None


def _matcher(family: str, values: Sequence[str]) -> Callable[[str], bool]:
    """A test of one request value against the policy's values (ORed)."""
    if family == "string" or family == "binary":
        exact = frozenset(values)
        return exact.__contains__
    if family == "istring":
        folded = frozenset(v.casefold() for v in values)
        return lambda rv: rv.casefold() in folded
    if family == "bool":
        lowered = frozenset(v.lower() for v in values)
        return lambda rv: rv.lower() in lowered
    if family == "like":
        regex = wildcard_regex("|".join(values)) if len(values) == 1 else re.compile(
            "|".join(f"(?:{wildcard_regex(v).pattern})" for v in values), re.DOTALL)
        return lambda rv: regex.fullmatch(rv) is not None
    if family.startswith(("num", "date")):
        convert = _number if family.startswith("num") else parse_date
        compare = _COMPARE[family.lstrip("numdate")]
        bounds = [b for b in (convert(v) for v in values) if b is not None]

        def ordered(rv: str) -> bool:
            got = convert(rv)
            return got is not None and any(compare(got, b) for b in bounds)
        return ordered
    if family == "ip":
        networks = [n for n in (_network(v) for v in values) if n is not None]
        # Answers per address: parsing one and testing it against each network costs several
        # microseconds, and a bucket's requests come from a handful of addresses.
        known: dict[str, bool] = {}

        def inside(rv: str) -> bool:
            hit = known.get(rv)
            if hit is not None:
                return hit
            try:
                address = ipaddress.ip_address(rv.strip())
                found = any(address.version == n.version and address in n for n in networks)
            except ValueError:
                found = False
            if len(known) >= 256:
                known.clear()
            known[rv] = found
            return found
        return inside
    if family == "arn":
        patterns = [[wildcard_regex(p) for p in parts]
                    for parts in (_arn_parts(v) for v in values) if parts]

        def arn(rv: str) -> bool:
            got = _arn_parts(rv)
            return got is not None and any(
                all(r.fullmatch(g) for r, g in zip(p, got)) for p in patterns)
        return arn
    raise AssertionError(family)


def _check_values(base: str, family: str, key: str, values: Sequence[str]) -> None:
    """S3 refuses values its operator cannot compare."""
    if family == "ip" or normalize_key(key) == "aws:sourceip":
        if not all(_network(v) for v in values):
            # https://github.com/versity/versitygw auth/bucket_policy.go policyErrInvalidIPCondition
            raise ConditionError("Invalid IP address in Conditions")
        return
    bad = ((family.startswith("num") and any(_number(v) is None for v in values))
           or (family.startswith("date") and any(parse_date(v) is None for v in values))
           or (family == "null" and any(v.lower() not in ("true", "false") for v in values)))
    if bad:
        raise ConditionError(f"Invalid value in Conditions for operator {base}")


class Condition:
    """One operator applied to one key: compiled once, tested per request."""
    __slots__ = ("operator", "key", "lookup", "values", "base", "family", "negated",
                 "qualifier", "if_exists", "dynamic", "_match", "_plain")

    def __init__(self, operator: str, key: str, values: Sequence[str], variables: bool):
        self.base, self.qualifier, self.if_exists = split_operator(operator)
        self.family, self.negated = OPERATORS[self.base]
        self.operator, self.key, self.lookup = operator, key, normalize_key(key)
        self.values = tuple(values)
        _check_values(self.base, self.family, key, self.values)
        self.dynamic = variables and self.family in ("string", "istring", "like", "arn") and any(
            "${" in v for v in self.values)
        self._match = None if self.family == "null" or self.dynamic else _matcher(self.family, self.values)
        # Most conditions: no set qualifier, no IfExists, values fixed at parse. holds() tests
        # those without decide()'s cases (it runs on every request a candidate statement meets).
        self._plain = self._match is not None and self.qualifier is None and not self.if_exists

    def test(self, keys: Keys) -> tuple[bool, list[str] | None]:
        """Whether the condition holds, and the request's values of its key (None: absent)."""
        got = keys(self.lookup)
        return self.decide(got, keys), (None if got is None else list(got))

    def holds(self, keys: Keys) -> bool:
        request = keys(self.lookup)
        if not self._plain:
            return self.decide(request, keys)
        if request:             # absent or empty: the negated operators hold, the others do not
            match = self._match
            for rv in request:
                if match(rv):
                    return not self.negated
        return self.negated

    def decide(self, request: Sequence[str] | None, keys: Keys) -> bool:
        """The condition on the request's values of its key (None: absent)."""
        if self.family == "null":
            absent = not request
            return any((v.lower() == "true") == absent for v in self.values)
        if not request:
            if self.if_exists or self.qualifier == "all":
                return True
            if request is None or self.qualifier == "any":
                return self.negated and self.qualifier is None
        match = self._match
        if match is None:
            values = [s for s in (substitute(v, keys) for v in self.values) if s is not None]
            match = _matcher(self.family, values)
        if self.qualifier == "all":
            return all(match(rv) != self.negated for rv in request)
        if self.qualifier == "any":
            return any(match(rv) != self.negated for rv in request)
        for rv in request:
            if match(rv):
                return not self.negated
        return self.negated
