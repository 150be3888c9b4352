"""Static website hosting, the pure part: the website configuration (parse, validate, render),
the website endpoint's host names, the routing-rule and redirect decisions, and S3's HTML error
pages. Pure: no aiohttp, no I/O; website_http.py serves with it.
https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketWebsite.html
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Iterable

from s3mock import xml
from s3mock.errors import S3Error

MAX_BYTES = 64 * 1024
MAX_RULES = 50      # "You can have up to 50 routing rules" (how-to-page-redirect.html)
PROTOCOLS = ("http", "https")


@dataclass(frozen=True)
class Rule:
    """One RoutingRule: a condition (None: any) and where it redirects."""
    prefix: str | None = None           # Condition/KeyPrefixEquals
    error_code: int | None = None       # Condition/HttpErrorCodeReturnedEquals
    protocol: str | None = None
    host: str | None = None
    replace_prefix: str | None = None   # ReplaceKeyPrefixWith
    replace_key: str | None = None      # ReplaceKeyWith
    code: int | None = None             # HttpRedirectCode (default 301)
    has_condition: bool = False


@dataclass(frozen=True)
class Config:
    index: str | None = None            # IndexDocument/Suffix
    error: str | None = None            # ErrorDocument/Key
    redirect_host: str | None = None    # RedirectAllRequestsTo/HostName
    redirect_protocol: str | None = None
    rules: tuple[Rule, ...] = ()


def _invalid(message: str, name: str, value: str | None) -> S3Error:
    return S3Error("InvalidArgument", message, ArgumentName=name,
                   ArgumentValue="null" if value is None else value)


def _only(el, allowed: Iterable[str]) -> None:
    """Unknown elements are refused as S3's schema refuses them: MalformedXML."""
    names = set(allowed)
    for c in el:
        if xml.local(c) not in names:
            raise S3Error("MalformedXML")


def _one(el, name: str):
    found = xml.children(el, name)
    if len(found) > 1:
        raise S3Error("MalformedXML")
    return found[0] if found else None


def _text(el, name: str) -> str | None:
    c = _one(el, name)
    if c is None:
        return None
    if len(c):
        raise S3Error("MalformedXML")
    return (c.text or "").strip()


def parse(body: bytes) -> Config:
    """A WebsiteConfiguration document, validated as S3 validates it; raises S3Error."""
    doc = xml.parse(body, "WebsiteConfiguration")
    _only(doc, ("IndexDocument", "ErrorDocument", "RedirectAllRequestsTo", "RoutingRules"))
    redirect = _one(doc, "RedirectAllRequestsTo")
    if redirect is not None:
        if len(doc) > 1:
            raise _invalid("RedirectAllRequestsTo cannot be provided in conjunction with other "
                           "Routing Rules.", "RedirectAllRequestsTo", None)
        _only(redirect, ("HostName", "Protocol"))
        host = _text(redirect, "HostName")
        if not host:
            raise _invalid("A host name must be provided to redirect all requests (e.g. "
                           "\"example.com\").", "HostName", host)
        return Config(redirect_host=host, redirect_protocol=_protocol(_text(redirect, "Protocol")))
    index_el = _one(doc, "IndexDocument")
    if index_el is None:
        raise _invalid("A value for IndexDocument Suffix must be provided if "
                       "RedirectAllRequestsTo is empty", "IndexDocument", None)
    _only(index_el, ("Suffix",))
    suffix = _text(index_el, "Suffix")
    if not suffix or "/" in suffix:
        raise _invalid("The IndexDocument Suffix is not well formed", "IndexDocument", suffix)
    error = None
    error_el = _one(doc, "ErrorDocument")
    if error_el is not None:
        _only(error_el, ("Key",))
        error = _text(error_el, "Key")
        if not error:
            raise _invalid("The ErrorDocument Key is not well formed", "ErrorDocument", error)
    rules_el = _one(doc, "RoutingRules")
    rules: tuple[Rule, ...] = ()
    if rules_el is not None:
        _only(rules_el, ("RoutingRule",))
        if len(rules_el) == 0:
            raise S3Error("MalformedXML")
        if len(rules_el) > MAX_RULES:
            raise _invalid(f"The number of routing rules must not exceed allowed limit of "
                           f"{MAX_RULES} rules.", "RoutingRules", str(len(rules_el)))
        rules = tuple(_rule(r) for r in rules_el)
    return Config(index=suffix, error=error, rules=rules)


def _protocol(value: str | None) -> str | None:
    if value is not None and value not in PROTOCOLS:
        raise _invalid("Invalid protocol, protocol can be http or https. If not defined the "
                       "protocol will be selected automatically.", "Protocol", value)
    return value


def _code(value: str | None, name: str, ok, message: str) -> int | None:
    if value is None:
        return None
    try:
        n = int(value)
    except ValueError:
        n = 0
    if not ok(n) or not value.isdigit():
        raise _invalid(message.format(value), name, value)
    return n


def _rule(el) -> Rule:
    _only(el, ("Condition", "Redirect"))
    cond, redirect = _one(el, "Condition"), _one(el, "Redirect")
    if redirect is None:
        raise S3Error("MalformedXML")
    prefix = error_code = None
    if cond is not None:
        _only(cond, ("KeyPrefixEquals", "HttpErrorCodeReturnedEquals"))
        prefix = _text(cond, "KeyPrefixEquals")
        error_code = _code(_text(cond, "HttpErrorCodeReturnedEquals"), "HttpErrorCodeReturnedEquals",
                           lambda n: 400 <= n <= 599,
                           "The provided HTTP error code ({}) is not valid. Valid codes are 4XX "
                           "or 5XX.")
        if prefix is None and error_code is None:
            raise _invalid("Condition cannot be empty. To redirect all requests without a "
                           "condition, the condition element shouldn't be present.", "Condition", None)
    _only(redirect, ("Protocol", "HostName", "ReplaceKeyPrefixWith", "ReplaceKeyWith",
                     "HttpRedirectCode"))
    replace_prefix, replace_key = _text(redirect, "ReplaceKeyPrefixWith"), _text(redirect, "ReplaceKeyWith")
    if replace_prefix is not None and replace_key is not None:
        raise _invalid("You can only define ReplaceKeyPrefix or ReplaceKey but not both.",
                       "ReplaceKeyPrefixWith", replace_prefix)
    code = _code(_text(redirect, "HttpRedirectCode"), "HttpRedirectCode",
                 lambda n: 301 <= n <= 399,
                 "The provided HTTP redirect code ({}) is not valid. Valid codes are 3XX except 300.")
    host = _text(redirect, "HostName")
    return Rule(prefix, error_code, _protocol(_text(redirect, "Protocol")), host or None,
                replace_prefix, replace_key, code, cond is not None)


def render(config: Config) -> bytes:
    """The configuration as GetBucketWebsite returns it."""
    if config.redirect_host is not None:
        return xml.render("WebsiteConfiguration", [("RedirectAllRequestsTo", [
            ("HostName", config.redirect_host), ("Protocol", config.redirect_protocol)])])
    content: list = [("IndexDocument", [("Suffix", config.index)])]
    if config.error is not None:
        content.append(("ErrorDocument", [("Key", config.error)]))
    if config.rules:
        content.append(("RoutingRules", [("RoutingRule", _rule_content(r)) for r in config.rules]))
    return xml.render("WebsiteConfiguration", content)


def _rule_content(r: Rule) -> list:
    out: list = []
    if r.has_condition:
        out.append(("Condition", [("HttpErrorCodeReturnedEquals", r.error_code),
                                  ("KeyPrefixEquals", r.prefix)]))
    out.append(("Redirect", [("HostName", r.host), ("HttpRedirectCode", r.code),
                             ("Protocol", r.protocol), ("ReplaceKeyPrefixWith", r.replace_prefix),
                             ("ReplaceKeyWith", r.replace_key)]))
    return out


# --- the endpoint's host names ---------------------------------------------------------------

_SITES: dict[tuple[str, str], str | None] = {}     # host -> bucket (None: not a website host)
_SITES_LIMIT = 256
LABEL = ".s3-website"


def site_bucket(host: str, domain: str) -> str | None:
    """The bucket a website-endpoint Host names: BUCKET.s3-website.DOMAIN,
    BUCKET.s3-website-REGION.DOMAIN or BUCKET.s3-website.REGION.DOMAIN (None: not one).
    Remembered per host, as operations.is_virtual_host remembers its answers."""
    try:
        return _SITES[host, domain]
    except KeyError:
        pass
    bucket = None
    hostname = (host.rsplit(":", 1)[0] if not host.endswith("]") else host).lower()
    suffix = "." + domain.lower()
    if domain and hostname.endswith(suffix):
        rest = hostname[: -len(suffix)]
        i = rest.rfind(LABEL)
        tail = rest[i + len(LABEL):] if i > 0 else None
        if tail is not None and (tail == "" or (tail[0] in "-." and len(tail) > 1
                                                and "." not in tail[1:])):
            bucket = rest[:i]
    if len(_SITES) >= _SITES_LIMIT:
        _SITES.clear()
    _SITES[host, domain] = bucket
    return bucket


# --- routing ---------------------------------------------------------------------------------

def first_rule(config: Config, key: str, error_code: int | None) -> Rule | None:
    """The first rule whose condition holds for `key`: before the object is read
    (error_code None) only rules without an error condition apply; after an error, those whose
    error condition names its status (how-to-page-redirect.html)."""
    for rule in config.rules:
        if rule.error_code != error_code:   # a rule without one was tried before the read
            continue
        if rule.prefix is not None and not key.startswith(rule.prefix):
            continue
        return rule
    return None


def rule_location(rule: Rule, key: str, host: str, scheme: str) -> str:
    """Where a rule redirects `key`: ReplaceKeyWith, or the matched prefix replaced by
    ReplaceKeyPrefixWith, on the rule's host and protocol (the request's when not given)."""
    if rule.replace_key is not None:
        target = rule.replace_key
    elif rule.replace_prefix is not None:
        target = rule.replace_prefix + key[len(rule.prefix or ""):]
    else:
        target = key
    return f"{rule.protocol or scheme}://{rule.host or host}/{target}"


# --- HTML error pages ------------------------------------------------------------------------

REASONS = {301: "Moved Permanently", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 412: "Precondition Failed", 416: "Requested Range Not Satisfiable",
           500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable"}


def _items(err: S3Error) -> list[str]:
    lines = [f"<li>Code: {escape(err.code)}</li>", f"<li>Message: {escape(err.message)}</li>"]
    lines += [f"<li>{escape(k)}: {escape(v)}</li>" for k, v in err.fields.items()]
    return lines


def error_page(err: S3Error, request_id: str, host_id: str,
               document_error: S3Error | None = None) -> bytes:
    """S3's HTML error page for the website endpoint (CustomErrorDocSupport.html); with
    `document_error`, the section saying the custom error document could not be read either."""
    title = f"{err.status} {REASONS.get(err.status, 'Error')}"
    lines = ["<html>", f"<head><title>{title}</title></head>", "<body>", f"<h1>{title}</h1>",
             "<ul>", *_items(err), f"<li>RequestId: {escape(request_id)}</li>",
             f"<li>HostId: {escape(host_id)}</li>", "</ul>"]
    if document_error is not None:
        lines += ["<h3>An Error Occurred While Attempting to Retrieve a Custom Error Document</h3>",
                  "<ul>", *_items(document_error), "</ul>"]
    lines += ["<hr/>", "</body>", "</html>", ""]
    return "\n".join(lines).encode()
