"""The pure CORS engine (s3mock/cors.py), table-driven: every case is labelled with the rule of
shared/spec/cors.md it proves (C2-C11, C13, C15, R3, P1-P5, M1-M7, section 5, A1-A4, A7)."""

from __future__ import annotations

from xml.sax.saxutils import escape

import pytest
from lxml import etree

from s3mock import cors
from s3mock.errors import S3Error

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
MALFORMED = ("The XML you provided was not well-formed or did not validate against our "
             "published schema")
NOT_ALLOWED = ("CORSResponse: This CORS request is not allowed. This is usually because the "
               "evalution of Origin, request method / Access-Control-Request-Method or "
               "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"


# ---------------------------------------------------------------- helpers

def rule_xml(methods=("GET",), origins=("*",), headers=(), expose=(), max_age=None, id=None,
             extra="") -> str:
    parts = []
    if id is not None:
        parts.append(f"<ID>{escape(id)}</ID>")
    parts += [f"<AllowedMethod>{escape(m)}</AllowedMethod>" for m in methods]
    parts += [f"<AllowedOrigin>{escape(o)}</AllowedOrigin>" for o in origins]
    parts += [f"<AllowedHeader>{escape(h)}</AllowedHeader>" for h in headers]
    parts += [f"<ExposeHeader>{escape(h)}</ExposeHeader>" for h in expose]
    if max_age is not None:
        parts.append(f"<MaxAgeSeconds>{max_age}</MaxAgeSeconds>")
    return "<CORSRule>" + "".join(parts) + extra + "</CORSRule>"


def doc(*rules: str, ns: bool = True) -> bytes:
    root = f'<CORSConfiguration xmlns="{NS}">' if ns else "<CORSConfiguration>"
    return (root + "".join(rules) + "</CORSConfiguration>").encode()


def R(methods=("GET",), origins=("*",), headers=(), expose=(), max_age=None, id=None) -> cors.Rule:
    """A parsed rule, built through the parser so the test uses what the server stores."""
    (rule,) = cors.parse(doc(rule_xml(methods, origins, headers, expose, max_age, id)))
    return rule


def parse_error(body: bytes) -> S3Error:
    with pytest.raises(S3Error) as info:
        cors.parse(body)
    return info.value


def pre(rules, origin="http://a.com", acrm="GET", acrh=None, *, bucket="bkt", exists=True,
        is_object=True) -> cors.Decision:
    return cors.preflight(tuple(rules) if rules is not None else None, bucket, exists, is_object,
                          origin, acrm, acrh)


# ---------------------------------------------------------------- C2-C11, C13: parse/validate

VALID_DOCS = [
    pytest.param(doc(rule_xml()), [R()], id="C2-namespaced"),
    pytest.param(doc(rule_xml(), ns=False), [R()], id="C2-namespace-optional"),
    pytest.param(doc("<CORSRule><MaxAgeSeconds>5</MaxAgeSeconds><ExposeHeader>ETag</ExposeHeader>"
                     "<AllowedOrigin>http://a.com</AllowedOrigin><AllowedHeader>x-a</AllowedHeader>"
                     "<AllowedMethod>PUT</AllowedMethod><ID>r1</ID></CORSRule>"),
                 [R(["PUT"], ["http://a.com"], ["x-a"], ["ETag"], 5, "r1")], id="C2-children-any-order"),
    pytest.param(doc(rule_xml(id="x" * 255)), [R(id="x" * 255)], id="C2-id-255-chars"),
    pytest.param(doc(*[rule_xml(origins=[f"http://o{i}"]) for i in range(100)]),
                 [R(origins=[f"http://o{i}"]) for i in range(100)], id="C2-100-rules"),
    pytest.param(doc(rule_xml(methods=cors.METHODS)), [R(methods=cors.METHODS)],
                 id="C5-all-five-methods"),
    pytest.param(doc(rule_xml(origins=[""])), [R(origins=[""])], id="C6-empty-origin-accepted"),
    pytest.param(doc(rule_xml(origins=["*", "https://test.com"])),
                 [R(origins=["*", "https://test.com"])], id="C6-star-with-other-origins"),
    pytest.param(doc(rule_xml(origins=["http://*.example.com"])),
                 [R(origins=["http://*.example.com"])], id="C6-one-wildcard"),
    pytest.param(doc(rule_xml(headers=["x-AMZ-*", "Content-Type"])),
                 [R(headers=["x-AMZ-*", "Content-Type"])], id="C7-one-wildcard-case-kept"),
    pytest.param(doc(rule_xml(expose=["GET", "PUT"])), [R(expose=["GET", "PUT"])],
                 id="C8-values-not-validated"),
    pytest.param(doc(rule_xml(max_age=-1)), [R(max_age=-1)], id="C9-negative-accepted"),
    pytest.param(doc(rule_xml(max_age=0)), [R(max_age=0)], id="C9-zero"),
    pytest.param(doc(rule_xml()), [R(max_age=None)], id="C9-omitted-is-none"),
]


@pytest.mark.parametrize("body, expected", VALID_DOCS)
def test_parse_valid(body, expected):
    assert list(cors.parse(body)) == expected


def test_C2_parsed_values_verbatim():
    (rule,) = cors.parse(doc(rule_xml(["GET", "PUT"], ["http://test.com:80", "HTTP://X"],
                                      ["X-Amz-Meta-A"], ["ETag", "x-amz-version-id"], 3000, "My Id")))
    assert rule.methods == ("GET", "PUT")
    assert rule.origins == ("http://test.com:80", "HTTP://X")
    assert rule.headers == ("X-Amz-Meta-A",)
    assert rule.expose == ("ETag", "x-amz-version-id")
    assert rule.max_age == 3000 and rule.id == "My Id"


def _padded(size: int) -> bytes:
    body = doc(rule_xml())
    pad = size - len(body)
    return body.replace(b"<CORSRule>", b" " * pad + b"<CORSRule>", 1)


@pytest.mark.parametrize("size", [pytest.param(64 * 1024, id="C2-exactly-64KB-accepted")])
def test_parse_size_limit_ok(size):
    body = _padded(size)
    assert len(body) == size
    assert cors.parse(body) == (R(),)


def err(code, message, status=400, **fields):
    return (code, message, status, fields)


INVALID_DOCS = [
    pytest.param(doc(), err("MalformedXML", MALFORMED), id="C3-no-rules"),
    pytest.param(b"<CORSConfiguration/>", err("MalformedXML", MALFORMED), id="C3-empty-element"),
    pytest.param(doc("<CORSRule/>"), err("MalformedXML", MALFORMED), id="C4-empty-rule"),
    pytest.param(doc(rule_xml(origins=())), err("MalformedXML", MALFORMED), id="C4-no-origin"),
    pytest.param(doc(rule_xml(methods=())), err("MalformedXML", MALFORMED), id="C4-no-method"),
    pytest.param(doc(rule_xml(), rule_xml(origins=())), err("MalformedXML", MALFORMED),
                 id="C4-second-rule-incomplete"),
    pytest.param(b"<CORSConfiguration><CORSRule>", err("MalformedXML", MALFORMED),
                 id="C2-not-well-formed"),
    pytest.param(b"", err("MalformedXML", MALFORMED), id="C2-empty-body"),
    pytest.param(b"<Other/>", err("MalformedXML", MALFORMED), id="C2-wrong-root"),
    pytest.param(doc(rule_xml(id="x" * 256)), None, id="C2-id-over-255"),
    pytest.param(doc(rule_xml(methods=["MYMETHOD"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is MYMETHOD"), id="C5-unknown-method"),
    pytest.param(doc(rule_xml(methods=["get"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is get"), id="C5-lower-case"),
    pytest.param(doc(rule_xml(methods=[""])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is "), id="C5-empty-method"),
    pytest.param(doc(rule_xml(methods=["OPTIONS"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is OPTIONS"), id="C5-options"),
    pytest.param(doc(rule_xml(methods=["*"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is *"), id="C5-star"),
    pytest.param(doc(rule_xml(methods=["GET", "PATCH", "FOO"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is PATCH"), id="C5-first-invalid-reported"),
    pytest.param(doc(rule_xml(origins=["*example*.com"])),
                 err("InvalidRequest", 'AllowedOrigin "*example*.com" can not have more than one '
                     "wildcard."), id="C6-two-wildcards"),
    pytest.param(doc(rule_xml(origins=["http://a.com", "**"])),
                 err("InvalidRequest", 'AllowedOrigin "**" can not have more than one wildcard.'),
                 id="C6-second-origin-two-wildcards"),
    pytest.param(doc(rule_xml(headers=["*-amz-*"])),
                 err("InvalidRequest", 'AllowedHeader "*-amz-*" can not have more than one '
                     "wildcard."), id="C7-two-wildcards"),
    pytest.param(doc(rule_xml(expose=["x-amz-*"])),
                 err("InvalidRequest", 'ExposeHeader "x-amz-*" contains wildcard. We currently do '
                     "not support wildcard for ExposeHeader."), id="C8-wildcard"),
    pytest.param(doc(rule_xml(expose=["ETag", "*"])),
                 err("InvalidRequest", 'ExposeHeader "*" contains wildcard. We currently do '
                     "not support wildcard for ExposeHeader."), id="C8-star-alone"),
    pytest.param(doc(rule_xml(max_age="abc")), err("MalformedXML", MALFORMED), id="C9-not-integer"),
    pytest.param(doc(rule_xml(max_age="1.5")), err("MalformedXML", MALFORMED), id="C9-fraction"),
    pytest.param(doc(*[rule_xml() for _ in range(101)]),
                 err("InvalidRequest", "The number of CORS rules should not exceed allowed limit "
                     "of 100 rules."), id="C10-101-rules"),
    pytest.param(_padded(64 * 1024 + 1), err("MaxMessageLengthExceeded", "Your request was too big."),
                 id="C11-over-64KB"),
    pytest.param(doc(rule_xml(methods=["BAD"]), rule_xml(origins=["**"])),
                 err("InvalidRequest", "Found unsupported HTTP method in CORS config. "
                     "Unsupported method is BAD"), id="C13-first-rule-first"),
    pytest.param(doc(rule_xml(origins=["**"]), rule_xml(methods=["BAD"])),
                 err("InvalidRequest", 'AllowedOrigin "**" can not have more than one wildcard.'),
                 id="C13-document-order"),
    pytest.param(doc(rule_xml(methods=["BAD"]), *[rule_xml() for _ in range(100)]),
                 err("InvalidRequest", "The number of CORS rules should not exceed allowed limit "
                     "of 100 rules."), id="C13-rule-count-before-per-rule"),
]


@pytest.mark.parametrize("body, expected", INVALID_DOCS)
def test_parse_invalid(body, expected):
    e = parse_error(body)
    if expected is None:              # exact error not settled by public material (spec section 10)
        assert e.status == 400
        return
    code, message, status, fields = expected
    assert (e.code, e.message, e.status) == (code, message, status)
    for k, v in fields.items():
        assert e.fields[k] == v


# ---------------------------------------------------------------- C15: render (GetBucketCors)

def _rule_children(body: bytes) -> list[list[tuple[str, str]]]:
    root = etree.fromstring(body)
    assert root.tag == f"{{{NS}}}CORSConfiguration"
    return [[(etree.QName(c).localname, c.text or "") for c in rule] for rule in root]


RENDER_CASES = [
    pytest.param([R()], [[("AllowedMethod", "GET"), ("AllowedOrigin", "*")]],
                 id="C15-only-members-set"),
    pytest.param([R(["PUT", "GET"], ["http://test.com:80", "HTTP://Upper.com"], ["X-Amz-Meta-A"],
                    ["ETag"], 0, "id1")],
                 [[("ID", "id1"), ("AllowedHeader", "X-Amz-Meta-A"), ("AllowedMethod", "PUT"),
                   ("AllowedMethod", "GET"), ("AllowedOrigin", "http://test.com:80"),
                   ("AllowedOrigin", "HTTP://Upper.com"), ("ExposeHeader", "ETag"),
                   ("MaxAgeSeconds", "0")]], id="C15-verbatim-all-members"),
    pytest.param([R(origins=["http://b"]), R(origins=["http://a"])],
                 [[("AllowedMethod", "GET"), ("AllowedOrigin", "http://b")],
                  [("AllowedMethod", "GET"), ("AllowedOrigin", "http://a")]], id="C15-rule-order"),
    pytest.param([R(origins=[""])], [[("AllowedMethod", "GET"), ("AllowedOrigin", "")]],
                 id="C15-empty-origin-echoed"),
    pytest.param([R(origins=["http://a&b<c>"])],
                 [[("AllowedMethod", "GET"), ("AllowedOrigin", "http://a&b<c>")]],
                 id="C15-escaped"),
]


@pytest.mark.parametrize("rules, expected", RENDER_CASES)
def test_render(rules, expected):
    body = cors.render(tuple(rules))
    assert _rule_children(body) == expected
    assert cors.parse(body) == tuple(rules)          # what is stored reads back identically


# ---------------------------------------------------------------- M3: wildcard_match

WILDCARDS = [
    ("*", "http://anything", True, "M3-star-alone"),
    ("*", "", True, "M3-star-matches-empty"),
    ("start*end", "startend", True, "M3-empty-run"),
    ("start*end", "start1end", True, "M3-one-char"),
    ("start*end", "start12end", True, "M3-many-chars"),
    ("start*end", "0start12end", False, "M3-anchored-prefix"),
    ("start*end", "start12end0", False, "M3-anchored-suffix"),
    ("start*end", "startend-startend", True, "M3-repeated-parts"),
    ("abc*bcd", "abcd", False, "M3-no-overlap"),
    ("prefix*", "prefix", True, "M3-prefix-star-empty"),
    ("prefix*", "prefix.anything/at:all", True, "M3-spans-dots-slashes"),
    ("*suffix", "foo.suffix", True, "M3-star-suffix"),
    ("*suffix", "foo.suffix.get", False, "M3-star-suffix-anchored"),
    ("http://*.origin.com", "http://test.origin.com", True, "M3-host-wildcard"),
    ("http://*.origin.com", "http://test.origin.com/", False, "M2-trailing-slash"),
    ("http://*.origin.com", "https://test.origin.com", False, "M2-scheme"),
    ("*.allowedorigin.com", ".allowedorigin.com", True, "M3-empty-host-label"),
    ("http://a.com", "http://a.com", True, "M2-exact"),
    ("http://a.com", "http://A.com", False, "M2-case-sensitive"),
    ("http://a.com", "http://a.com:80", False, "M2-port"),
    ("", "", True, "C6-empty-origin-matches-empty"),
]


@pytest.mark.parametrize("pattern, value, expected",
                         [pytest.param(p, v, e, id=i) for p, v, e, i in WILDCARDS])
def test_wildcard_match(pattern, value, expected):
    assert cors.wildcard_match(pattern, value) is expected


# ---------------------------------------------------------------- M5: Access-Control-Request-Headers

@pytest.mark.parametrize("acrh, expected", [
    pytest.param(None, [], id="M5-absent"),
    pytest.param("", [], id="M5-empty"),
    pytest.param("Content-Type, X-Amz-Date", ["content-type", "x-amz-date"], id="M5-lower-trimmed"),
    pytest.param("content-type,x-amz-date", ["content-type", "x-amz-date"], id="M5-no-space"),
    pytest.param("content-type,,expires, ", ["content-type", "expires"], id="M5-empty-items-dropped"),
    pytest.param(" b , a ", ["b", "a"], id="M5-request-order-kept"),
])
def test_request_headers(acrh, expected):
    assert cors.request_headers(acrh) == expected


# ---------------------------------------------------------------- P1-P5: preflight decision order

P_RULES = [R(["GET", "PUT"], ["http://a.com"], ["x-amz-*"])]


def _expect(decision: cors.Decision, status, code, message, **fields):
    assert not decision.allowed and decision.headers == {}
    e = decision.error
    assert e is not None
    assert (e.status, e.code, e.message) == (status, code, message)
    assert e.fields == fields


PREFLIGHT_REFUSED = [
    # P1: Origin first, whatever the bucket.
    pytest.param(dict(rules=P_RULES, origin=None),
                 (400, "BadRequest", "Insufficient information. Origin request header needed."),
                 {}, id="P1-no-origin-configured"),
    pytest.param(dict(rules=None, origin=None),
                 (400, "BadRequest", "Insufficient information. Origin request header needed."),
                 {}, id="P1-no-origin-unconfigured"),
    pytest.param(dict(rules=None, origin=None, exists=False),
                 (400, "BadRequest", "Insufficient information. Origin request header needed."),
                 {}, id="P1-no-origin-missing-bucket"),
    pytest.param(dict(rules=None, origin=None, acrm=None, bucket=None, exists=False),
                 (400, "BadRequest", "Insufficient information. Origin request header needed."),
                 {}, id="P1-no-origin-service-root"),
    # P2
    pytest.param(dict(rules=None, exists=False, acrm="PUT"),
                 (403, "AccessForbidden", "CORSResponse: Bucket not found"),
                 {"Method": "PUT", "ResourceType": "BUCKET"}, id="P2-bucket-not-found"),
    pytest.param(dict(rules=None, exists=False, acrm=None),
                 (403, "AccessForbidden", "CORSResponse: Bucket not found"),
                 {"Method": "OPTIONS", "ResourceType": "BUCKET"}, id="P2-no-acrm-is-OPTIONS"),
    pytest.param(dict(rules=None, exists=False, acrm="PATCH"),
                 (403, "AccessForbidden", "CORSResponse: Bucket not found"),
                 {"Method": "PATCH", "ResourceType": "BUCKET"}, id="P2-before-P4"),
    pytest.param(dict(rules=None, bucket=None, exists=False, acrm="GET", is_object=False),
                 (403, "AccessForbidden", "CORSResponse: Bucket not found"),
                 {"Method": "GET", "ResourceType": "BUCKET"}, id="P2-service-root"),
    # P3
    pytest.param(dict(rules=None, acrm="PUT"),
                 (403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket."),
                 {"Method": "PUT", "ResourceType": "BUCKET"}, id="P3-no-config-object-url-BUCKET"),
    pytest.param(dict(rules=(), acrm=None, is_object=False),
                 (403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket."),
                 {"Method": "OPTIONS", "ResourceType": "BUCKET"}, id="P3-no-acrm-is-OPTIONS"),
    pytest.param(dict(rules=None, acrm="PATCH"),
                 (403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket."),
                 {"Method": "PATCH", "ResourceType": "BUCKET"}, id="P3-before-P4"),
    # P4
    pytest.param(dict(rules=P_RULES, acrm=None),
                 (400, "BadRequest", "Invalid Access-Control-Request-Method: null"), {},
                 id="P4-acrm-absent"),
    pytest.param(dict(rules=P_RULES, acrm="PATCH"),
                 (400, "BadRequest", "Invalid Access-Control-Request-Method: PATCH"), {},
                 id="P4-acrm-unknown"),
    pytest.param(dict(rules=P_RULES, acrm="OPTIONS"),
                 (400, "BadRequest", "Invalid Access-Control-Request-Method: OPTIONS"), {},
                 id="P4-acrm-options"),
    pytest.param(dict(rules=P_RULES, acrm="get"),
                 (400, "BadRequest", "Invalid Access-Control-Request-Method: get"), {},
                 id="P4-M4-acrm-lower-case"),
    pytest.param(dict(rules=P_RULES, acrm="PATCH", origin="http://nope"),
                 (400, "BadRequest", "Invalid Access-Control-Request-Method: PATCH"), {},
                 id="P4-before-P5"),
    # P5
    pytest.param(dict(rules=P_RULES, origin="http://b.com"),
                 (403, "AccessForbidden", NOT_ALLOWED), {"Method": "GET", "ResourceType": "OBJECT"},
                 id="P5-origin-object-url"),
    pytest.param(dict(rules=P_RULES, origin="http://b.com", is_object=False),
                 (403, "AccessForbidden", NOT_ALLOWED), {"Method": "GET", "ResourceType": "BUCKET"},
                 id="P5-origin-bucket-url"),
    pytest.param(dict(rules=P_RULES, acrm="DELETE"),
                 (403, "AccessForbidden", NOT_ALLOWED), {"Method": "DELETE", "ResourceType": "OBJECT"},
                 id="P5-M4-method"),
    pytest.param(dict(rules=P_RULES, acrh="x-amz-date, content-type"),
                 (403, "AccessForbidden", NOT_ALLOWED), {"Method": "GET", "ResourceType": "OBJECT"},
                 id="P5-M5-one-header-not-allowed"),
]


@pytest.mark.parametrize("kwargs, expected, fields", PREFLIGHT_REFUSED)
def test_preflight_refused(kwargs, expected, fields):
    rules = kwargs.pop("rules")
    _expect(pre(rules, **kwargs), *expected, **fields)


def test_P5_allowed_preflight_headers():
    d = pre(P_RULES, acrm="PUT", acrh="X-Amz-Meta-Foo")
    assert d.allowed and d.error is None and d.rule == 0
    assert d.headers == {
        "Access-Control-Allow-Origin": "http://a.com",
        "Access-Control-Allow-Credentials": "true",
        "Access-Control-Allow-Methods": "GET, PUT",
        "Access-Control-Allow-Headers": "x-amz-meta-foo",
        "Vary": VARY,
    }


# ---------------------------------------------------------------- M1-M7: matching

MATCHING = [
    # (rules, origin, acrm, acrh, expected matched rule index or None)
    pytest.param([R(origins=["http://a.com"]), R(origins=["*"])], "http://a.com", "GET", None, 0,
                 id="M1-first-of-two-matching"),
    pytest.param([R(["PUT"], ["http://a.com"]), R(["GET"], ["http://a.com"])], "http://a.com", "GET",
                 None, 1, id="M1-origin-ok-method-not-skipped"),
    pytest.param([R(["GET"], ["http://a.com"]), R(["GET"], ["http://a.com"], ["x-b"])],
                 "http://a.com", "GET", "x-b", 1, id="M1-headers-not-skipped"),
    pytest.param([R(["GET"], ["http://x.com"], ["*"]), R(["GET"], ["*"], ["x-b"])],
                 "http://a.com", "GET", "x-b", 1, id="M1-origin-not-skipped"),
    pytest.param([R(["GET"], ["http://a.com"], ["x-a"]), R(["GET"], ["http://a.com"], ["x-b"])],
                 "http://a.com", "GET", "x-a, x-b", None, id="M1-headers-split-across-rules-no-match"),
    pytest.param([R(origins=["http://a.com", "http://b.com"])], "http://b.com", "GET", None, 0,
                 id="M2-any-listed-origin"),
    pytest.param([R(origins=["https://localhost:4200"])], "http://localhost:4200", "GET", None, None,
                 id="M2-scheme-differs"),
    pytest.param([R(origins=["http://www.example.com"])], "http://www.example.com:80", "GET", None,
                 None, id="M2-explicit-default-port"),
    pytest.param([R(origins=["http://a.com"])], "http://A.COM", "GET", None, None,
                 id="M2-case-sensitive"),
    pytest.param([R(origins=["localhost:4566"])], "localhost:4566", "GET", None, 0,
                 id="M2-non-url-origin"),
    pytest.param([R(origins=["*"])], "null", "GET", None, 0, id="M3-star-any-origin"),
    pytest.param([R(origins=["http://*.origin.com"])], "http://test.origin.com", "GET", None, 0,
                 id="M3-partial-origin"),
    pytest.param([R(origins=["http://*.origin.com"])], "http://test.origin.com/", "GET", None, None,
                 id="M3-partial-origin-anchored"),
    pytest.param([R(["GET"])], "http://a.com", "PUT", None, None, id="M4-method-not-listed"),
    pytest.param([R(["GET", "HEAD"])], "http://a.com", "HEAD", None, 0, id="M4-method-listed"),
    pytest.param([R(headers=["x-AMZ-server-SIDE-encryption"])], "http://a.com", "GET",
                 "x-amz-server-side-encryption", 0, id="M5-rule-casing-ignored"),
    pytest.param([R(headers=["x-amz-expected-bucket-owner"])], "http://a.com", "GET",
                 "x-AMZ-expected-BUCKET-owner", 0, id="M5-request-casing-ignored"),
    pytest.param([R(headers=["x-amz-*"])], "http://a.com", "GET", "x-amz-date, X-Amz-Meta-A", 0,
                 id="M5-prefix-wildcard"),
    pytest.param([R(headers=["x-amz-*"])], "http://a.com", "GET", "content-type", None,
                 id="M5-prefix-wildcard-other-header"),
    pytest.param([R(headers=["*"])], "http://a.com", "GET", "anything, at-all", 0,
                 id="M5-star-all-headers"),
    pytest.param([R(headers=["content-type", "expires"])], "http://a.com", "GET",
                 "content-type,expires", 0, id="M5-no-space-after-comma"),
    pytest.param([R(headers=["content-type", "expires"])], "http://a.com", "GET",
                 "content-type,,expires", 0, id="M5-empty-items-dropped"),
    pytest.param([R(headers=["*-type"])], "http://a.com", "GET", "Content-Type", 0,
                 id="M5-suffix-wildcard"),
    pytest.param([R(headers=())], "http://a.com", "GET", "content-type", None,
                 id="M6-no-allowed-header-any-acrh-refused"),
    pytest.param([R(headers=())], "http://a.com", "GET", None, 0,
                 id="M6-no-allowed-header-no-acrh-ok"),
    pytest.param([R(headers=(), expose=["x-foo"], max_age=10)], "http://a.com", "GET", "x-foo", None,
                 id="M7-expose-does-not-allow-header"),
    pytest.param([R(origins=["http://a.com"], max_age=-5, expose=["ETag"])], "http://a.com", "GET",
                 None, 0, id="M7-max-age-expose-irrelevant"),
]


@pytest.mark.parametrize("rules, origin, acrm, acrh, expected", MATCHING)
def test_matching_preflight(rules, origin, acrm, acrh, expected):
    d = pre(rules, origin, acrm, acrh)
    assert d.rule == expected
    assert d.allowed is (expected is not None)
    if expected is None:
        assert d.error is not None and d.error.message == NOT_ALLOWED


@pytest.mark.parametrize("rules, origin, acrm, acrh, expected", MATCHING)
def test_matching_actual_same_rule(rules, origin, acrm, acrh, expected):
    """An actual request carrying the same ACRM/ACRH is matched by the same rule (R3)."""
    d = cors.actual(tuple(rules), origin, "POST", acrm, acrh)
    assert d.rule == expected and d.allowed is (expected is not None)
    assert d.error is None


def test_repeated_preflights_follow_origin_headers_and_rule_changes():
    """A repeat answers the same, another origin or header list is evaluated for itself, and new
    rules are evaluated afresh (the engine remembers nothing; cors_http's cache remembers answers:
    test_cors_cache.py)."""
    rules = (R(["PUT"], ["http://*.a.com"], ["x-amz-*"], max_age=60),)
    first = pre(rules, "http://one.a.com", "PUT", "X-Amz-Date")
    again = pre(rules, "http://one.a.com", "PUT", "X-Amz-Date")
    assert again.allowed and again.headers == first.headers
    assert again.headers["Access-Control-Allow-Origin"] == "http://one.a.com"
    other = pre(rules, "http://two.a.com", "PUT", "x-amz-acl")
    assert other.headers["Access-Control-Allow-Origin"] == "http://two.a.com"
    assert other.headers["Access-Control-Allow-Headers"] == "x-amz-acl"
    assert not pre(rules, "http://one.a.com", "PUT", "content-type").allowed
    changed = (R(["GET"], ["http://*.a.com"], ["x-amz-*"]),)
    refused = pre(changed, "http://one.a.com", "PUT", "X-Amz-Date")
    assert not refused.allowed and refused.error is not None and refused.error.message == NOT_ALLOWED
    assert pre(changed, "http://one.a.com", "GET", "X-Amz-Date").headers[
        "Access-Control-Allow-Methods"] == "GET"


def test_M1_per_rule_checks_explain_each_failure():
    rules = (R(["PUT"], ["http://x.com"], id="wrong-both"), R(["GET"], ["http://a.com"], ["x-a"]),
             R(["GET"], ["http://a.com"], ["*"]), R(["GET"], ["*"]))
    d = pre(rules, "http://a.com", "GET", "x-a, x-b")
    assert d.rule == 2
    # scanning stops at the first match
    assert [(c.index, c.id, c.origin, c.method, c.denied_headers) for c in d.checks] == [
        (0, "wrong-both", False, False, ["x-a", "x-b"]),
        (1, None, True, True, ["x-b"]),
        (2, None, True, True, []),
    ]
    assert [c.reason() for c in d.checks] == [
        "no origin / method / headers x-a,x-b", "no headers x-b", "matched"]


# ---------------------------------------------------------------- section 5: response headers

HEADERS_TABLE = [
    pytest.param(R(["GET"], ["*"]), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Vary": VARY}, id="S5-star-no-credentials-vary"),
    pytest.param(R(["GET", "PUT"], ["http://a.com"]), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "http://a.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET, PUT", "Vary": VARY},
                 id="S5-echo-origin-credentials"),
    pytest.param(R(["GET"], ["http://*.origin.com"]), "http://test.origin.com", None,
                 {"Access-Control-Allow-Origin": "http://test.origin.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET", "Vary": VARY},
                 id="S5-echo-origin-not-pattern"),
    pytest.param(R(["GET"], ["http://x.com", "*"]), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Vary": VARY}, id="S5-star-and-specific-origins-gives-star"),
    pytest.param(R(["DELETE", "GET", "POST", "PUT", "HEAD"], ["*"]), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "*",
                  "Access-Control-Allow-Methods": "DELETE, GET, POST, PUT, HEAD", "Vary": VARY},
                 id="S5-all-methods-config-order"),
    pytest.param(R(["GET"], ["*"], ["*"]), "http://a.com", "X-Amz-Date,Content-Type",
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Access-Control-Allow-Headers": "x-amz-date, content-type", "Vary": VARY},
                 id="S5-allow-headers-requested-lowercased-in-order"),
    pytest.param(R(["GET"], ["*"], ["X-Amz-*"], ["ETag", "x-amz-Version-Id"], 3000), "http://a.com",
                 None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Access-Control-Expose-Headers": "ETag, x-amz-Version-Id",
                  "Access-Control-Max-Age": "3000", "Vary": VARY},
                 id="S5-expose-verbatim-max-age-no-acah-without-acrh"),
    pytest.param(R(["GET"], ["*"], max_age=0), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Access-Control-Max-Age": "0", "Vary": VARY}, id="S5-max-age-zero"),
    pytest.param(R(["GET"], ["*"], max_age=-1), "http://a.com", None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET",
                  "Access-Control-Max-Age": "-1", "Vary": VARY}, id="S5-C9-max-age-negative"),
]


@pytest.mark.parametrize("rule, origin, acrh, expected", HEADERS_TABLE)
def test_section5_headers_preflight(rule, origin, acrh, expected):
    d = pre([rule], origin, rule.methods[0], acrh)
    assert d.allowed and d.headers == expected


@pytest.mark.parametrize("rule, origin, acrh, expected", HEADERS_TABLE)
def test_section5_headers_actual_identical(rule, origin, acrh, expected):
    d = cors.actual((rule,), origin, rule.methods[0], None, acrh)
    assert d.allowed and d.headers == expected


# ---------------------------------------------------------------- R3, A1-A4, A7: actual requests

A_RULES = (R(["GET"], ["http://a.com"], ["x-amz-*"]),)

ACTUAL = [
    # (rules, origin, method, acrm, acrh, expected headers or None)
    pytest.param(A_RULES, None, "GET", None, None, None, id="A1-no-origin"),
    pytest.param(A_RULES, None, "GET", "GET", "x-amz-date", None, id="A1-no-origin-acrm-ignored"),
    pytest.param(None, "http://a.com", "GET", None, None, None, id="A2-no-config"),
    pytest.param((), "http://a.com", "GET", None, None, None, id="A2-empty-config"),
    pytest.param(A_RULES, "http://b.com", "GET", None, None, None, id="A3-origin-no-match"),
    pytest.param(A_RULES, "http://a.com", "PUT", None, None, None, id="A3-method-no-match"),
    pytest.param(A_RULES, "http://a.com", "GET", "PUT", None, None, id="R3-acrm-wins-over-method"),
    pytest.param(A_RULES, "http://a.com", "GET", None, "x-amz-date, content-type", None,
                 id="R3-acrh-checked"),
    pytest.param(A_RULES, "http://a.com", "PUT", "GET", None,
                 {"Access-Control-Allow-Origin": "http://a.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET", "Vary": VARY}, id="R3-put-with-acrm-get"),
    pytest.param(A_RULES, "http://a.com", "GET", None, None,
                 {"Access-Control-Allow-Origin": "http://a.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET", "Vary": VARY}, id="A4-match-no-acah"),
    pytest.param(A_RULES, "http://a.com", "GET", None, "X-Amz-Date",
                 {"Access-Control-Allow-Origin": "http://a.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET", "Access-Control-Allow-Headers": "x-amz-date",
                  "Vary": VARY}, id="A4-acah-only-with-acrh"),
    pytest.param(A_RULES, "http://a.com", "GET", "", None,
                 {"Access-Control-Allow-Origin": "http://a.com",
                  "Access-Control-Allow-Credentials": "true",
                  "Access-Control-Allow-Methods": "GET", "Vary": VARY}, id="R3-empty-acrm-uses-method"),
    pytest.param((R(["GET"]),), "http://a.com", "HEAD", None, None, None, id="A7-head-needs-HEAD"),
    pytest.param((R(["HEAD"]),), "http://a.com", "HEAD", None, None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "HEAD",
                  "Vary": VARY}, id="A7-head-allowed"),
    pytest.param((R(["GET", "PUT"]),), "http://a.com", "POST", None, None, None,
                 id="A7-post-needs-POST"),
    pytest.param((R(["POST"]),), "http://a.com", "POST", None, None,
                 {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
                  "Vary": VARY}, id="A7-post-allowed"),
]


@pytest.mark.parametrize("rules, origin, method, acrm, acrh, expected", ACTUAL)
def test_actual(rules, origin, method, acrm, acrh, expected):
    d = cors.actual(rules, origin, method, acrm, acrh)
    assert d.error is None                      # A2/A3: CORS never blocks an actual request
    if expected is None:
        assert not d.allowed and d.headers == {} and d.rule is None
    else:
        assert d.allowed and d.headers == expected


def test_A4_real_request_headers_not_checked():
    """actual() only sees ACRH, never the real request headers: a rule without AllowedHeader
    still decorates a request that sends x-amz-request-payer as a real header (REC get-non-allowed)."""
    d = cors.actual((R(["GET"], ["*"]),), "http://a.com", "GET", None, None)
    assert d.allowed and "Access-Control-Allow-Headers" not in d.headers
