"""Bucket CORS exactly as S3 does it: the configuration model and its validation, and the
evaluation of preflight and actual requests, with an explanation of every decision.

Pure: no I/O, and nothing from aiohttp but its header names (aiohttp.hdrs, each an istr, a str);
nothing is remembered between calls (cors_http.RulesCache does that). Rule numbers (C5, P3, M3,
...) refer to shared/spec/cors.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import hdrs

from s3mock import xml
from s3mock.errors import ERRORS, S3Error

METHODS = ("GET", "PUT", "HEAD", "POST", "DELETE")
MAX_RULES = 100
MAX_BYTES = 64 * 1024
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
NOT_ALLOWED = ERRORS["AccessForbidden"][1]      # "This CORS request is not allowed"


@dataclass(frozen=True)
class Rule:
    methods: tuple[str, ...]
    origins: tuple[str, ...]
    headers: tuple[str, ...] = ()
    expose: tuple[str, ...] = ()
    max_age: int | None = None
    id: str | None = None
    headers_lower: tuple[str, ...] = field(default=(), compare=False)


def _rule(methods, origins, headers=(), expose=(), max_age=None, id=None) -> Rule:
    return Rule(tuple(methods), tuple(origins), tuple(headers), tuple(expose), max_age, id,
                tuple(h.lower() for h in headers))


def parse(body: bytes) -> tuple[Rule, ...]:
    """A PutBucketCors document -> rules, validated in document order (C2-C13)."""
    if len(body) > MAX_BYTES:
        raise S3Error("MaxMessageLengthExceeded")                                   # C11
    doc = xml.parse(body, "CORSConfiguration")
    elements = xml.children(doc, "CORSRule")
    if not elements:
        raise S3Error("MalformedXML")                                              # C3
    if len(elements) > MAX_RULES:
        raise S3Error("InvalidRequest", "The number of CORS rules should not exceed allowed "
                      "limit of 100 rules.")                                        # C10
    return tuple(_parse_rule(el) for el in elements)


def _values(el, name: str) -> list[str]:
    return [c.text or "" for c in xml.children(el, name)]


def _parse_rule(el) -> Rule:
    known = {"ID", "AllowedMethod", "AllowedOrigin", "AllowedHeader", "ExposeHeader", "MaxAgeSeconds"}
    if any(xml.local(c) not in known for c in el):
        raise S3Error("MalformedXML")
    methods, origins = _values(el, "AllowedMethod"), _values(el, "AllowedOrigin")
    headers, expose = _values(el, "AllowedHeader"), _values(el, "ExposeHeader")
    ids, ages = _values(el, "ID"), _values(el, "MaxAgeSeconds")
    if not methods or not origins or len(ids) > 1 or len(ages) > 1:
        raise S3Error("MalformedXML")                                              # C4
    if ids and len(ids[0]) > 255:
        raise S3Error("InvalidArgument", "ID length should not exceed allowed limit of 255",
                      ArgumentName="ID", ArgumentValue=ids[0])
    for m in methods:
        if m not in METHODS:
            raise S3Error("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                          f"Unsupported method is {m}")                            # C5
    for o in origins:
        if o.count("*") > 1:
            raise S3Error("InvalidRequest", f'AllowedOrigin "{o}" can not have more than one wildcard.')
    for h in headers:
        if h.count("*") > 1:
            raise S3Error("InvalidRequest", f'AllowedHeader "{h}" can not have more than one wildcard.')
    for h in expose:
        if "*" in h:
            raise S3Error("InvalidRequest", f'ExposeHeader "{h}" contains wildcard. We currently do '
                          "not support wildcard for ExposeHeader.")                # C8
    max_age = None
    if ages:
        try:
            max_age = int(ages[0].strip())                                         # C9
        except ValueError:
            raise S3Error("MalformedXML") from None
    return _rule(methods, origins, headers, expose, max_age, ids[0] if ids else None)


def render(rules: tuple[Rule, ...]) -> bytes:
    """GetBucketCors: the rules in order, values verbatim, only the members set (C15)."""
    content = []
    for r in rules:
        item: list = [("ID", r.id)] if r.id is not None else []
        item += [("AllowedHeader", h) for h in r.headers]
        item += [("AllowedMethod", m) for m in r.methods]
        item += [("AllowedOrigin", o) for o in r.origins]
        item += [("ExposeHeader", h) for h in r.expose]
        if r.max_age is not None:
            item.append(("MaxAgeSeconds", r.max_age))
        content.append(("CORSRule", item))
    return xml.render("CORSConfiguration", content)


def wildcard_match(pattern: str, value: str) -> bool:
    """`*` alone matches anything; one `*` matches any run, anchored at both ends (M3)."""
    if pattern == "*":
        return True
    star = pattern.find("*")
    if star < 0:
        return pattern == value
    head, tail = pattern[:star], pattern[star + 1:]
    return len(value) >= len(head) + len(tail) and value.startswith(head) and value.endswith(tail)


def request_headers(acrh: str | None) -> list[str]:
    """Access-Control-Request-Headers: trimmed, lower-cased, empty items dropped (M5)."""
    if not acrh:
        return []
    return [h.strip().lower() for h in acrh.split(",") if h.strip()]


@dataclass
class RuleCheck:
    """Why one rule did or did not match."""
    index: int
    id: str | None
    origin: bool
    method: bool
    denied_headers: list[str]

    @property
    def matched(self) -> bool:
        return self.origin and self.method and not self.denied_headers

    def reason(self) -> str:
        if self.matched:
            return "matched"
        failed = [name for name, ok in (("origin", self.origin), ("method", self.method)) if not ok]
        if self.denied_headers:
            failed.append("headers " + ",".join(self.denied_headers))
        return "no " + " / ".join(failed)


def check(rule: Rule, index: int, origin: str, method: str, headers: list[str]) -> RuleCheck:
    return RuleCheck(
        index, rule.id,
        origin=any(wildcard_match(p, origin) for p in rule.origins),
        method=method in rule.methods,
        denied_headers=[h for h in headers if not any(wildcard_match(p, h) for p in rule.headers_lower)],
    )


def first_match(rules: tuple[Rule, ...], origin: str, method: str,
                headers: list[str]) -> tuple[int | None, list[RuleCheck]]:
    """The first rule matching origin, method and every requested header (M1), and every check made."""
    checks = []
    for i, rule in enumerate(rules):
        c = check(rule, i, origin, method, headers)
        checks.append(c)
        if c.matched:
            return i, checks
    return None, checks


def response_headers(rule: Rule, origin: str, headers: list[str]) -> dict[str, str]:
    """Section 5: what S3 adds to the response of a request a rule matched."""
    wildcard = "*" in rule.origins
    out = {hdrs.ACCESS_CONTROL_ALLOW_ORIGIN: "*" if wildcard else origin}
    if not wildcard:
        out[hdrs.ACCESS_CONTROL_ALLOW_CREDENTIALS] = "true"
    out[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = ", ".join(rule.methods)
    if headers:
        out[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = ", ".join(headers)
    if rule.expose:
        out[hdrs.ACCESS_CONTROL_EXPOSE_HEADERS] = ", ".join(rule.expose)
    if rule.max_age is not None:
        out[hdrs.ACCESS_CONTROL_MAX_AGE] = str(rule.max_age)
    out[hdrs.VARY] = VARY
    return out


@dataclass
class Decision:
    allowed: bool
    headers: dict[str, str] = field(default_factory=dict)
    error: S3Error | None = None
    rule: int | None = None
    checks: list[RuleCheck] = field(default_factory=list)
    reason: str = ""


def preflight(rules: tuple[Rule, ...] | None, bucket: str | None, bucket_exists: bool,
              is_object: bool, origin: str | None, acrm: str | None, acrh: str | None) -> Decision:
    """An OPTIONS request, in the recorded decision order P1-P5. Never authenticated (X1)."""
    if origin is None:
        return Decision(False, error=S3Error("BadRequest", "Insufficient information. Origin "
                                             "request header needed."), reason="no Origin header")
    method = acrm if acrm is not None else "OPTIONS"
    if bucket is None or not bucket_exists:
        return Decision(False, error=S3Error("AccessForbidden", "CORSResponse: Bucket not found",
                                             Method=method, ResourceType="BUCKET"),
                        reason="bucket not found")
    if not rules:
        return Decision(False, error=S3Error("AccessForbidden", "CORSResponse: CORS is not enabled "
                                             "for this bucket.", Method=method, ResourceType="BUCKET"),
                        reason="no CORS configuration")
    if acrm not in METHODS:
        return Decision(False, error=S3Error("BadRequest", "Invalid Access-Control-Request-Method: "
                                             f"{acrm if acrm is not None else 'null'}"),
                        reason="missing or invalid Access-Control-Request-Method")
    headers = request_headers(acrh)
    index, checks = first_match(rules, origin, acrm, headers)
    if index is None:
        return Decision(False, error=S3Error("AccessForbidden", NOT_ALLOWED, Method=acrm,
                                             ResourceType="OBJECT" if is_object else "BUCKET"),
                        checks=checks, reason="no rule matched")
    return Decision(True, response_headers(rules[index], origin, headers), rule=index,
                    checks=checks, reason="matched")


def actual(rules: tuple[Rule, ...] | None, origin: str | None, method: str, acrm: str | None,
           acrh: str | None) -> Decision:
    """A non-OPTIONS request: never blocked, decorated when a rule matches (R3, A1-A4)."""
    if origin is None:
        return Decision(False, reason="no Origin header")
    if not rules:
        return Decision(False, reason="no CORS configuration")
    headers = request_headers(acrh)
    index, checks = first_match(rules, origin, acrm or method, headers)
    if index is None:
        return Decision(False, checks=checks, reason="no rule matched")
    return Decision(True, response_headers(rules[index], origin, headers), rule=index,
                    checks=checks, reason="matched")
