"""Property-based tests (hypothesis) over the pure modules: XML parsing, CORS configuration and
matching, ranges, SigV4 parsing, query splitting, listing and checksum combination.

Each property is bounded (200 examples, no deadline) so the file stays fast.
"""

from __future__ import annotations

import re
import zlib
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from s3mock import checksums, conditions, cors, xml
from s3mock.auth import sigv4
from s3mock.auth.authenticate import query_pairs
from s3mock.errors import S3Error
from s3mock.storage.base import Bucket, ObjectMeta
from s3mock.listing_entry import render
from s3mock.storage.sqlite_fs import SqliteStore

BOUNDED = settings(max_examples=200, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Characters XML 1.0 can carry verbatim as element text (CR is normalised to LF by any parser).
XML_CHAR = st.one_of(st.sampled_from("\t\n&<>'\"*"), st.characters(min_codepoint=0x20, max_codepoint=0x24F),
                     st.characters(min_codepoint=0x1F600, max_codepoint=0x1F64F))
XML_TEXT = st.text(XML_CHAR, max_size=20)


# --- xml.parse --------------------------------------------------------------------------------

XMLISH = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from([b"<a>", b"</a>", b"<b x='1'>", b"</b>", b"<!DOCTYPE a>", b"<!ENTITY e 'x'>",
                              b"&e;", b"&amp;", b"<![CDATA[x]]>", b"<?xml version='1.0'?>",
                              b"<?pi x?>", b"<!-- c -->", b"\xff", b"\xc3\x28", b"\x00", b"text",
                              b"<a xmlns='urn:x'>", b"<a:b xmlns:a='urn:y'>", b"</a:b>",
                              "<é>".encode(), b"\xef\xbb\xbf", b"<?xml version='1.0' encoding='UTF-16'?>"]),
             max_size=30).map(b"".join),
)


@BOUNDED
@given(XMLISH, st.one_of(st.none(), st.sampled_from(["a", "CORSConfiguration", "Delete"])))
def test_xml_parse_raises_only_s3_errors(body, root):
    try:
        doc = xml.parse(body, root)
    except S3Error as e:
        assert e.code in ("MalformedXML", "MaxMessageLengthExceeded")
    else:
        assert root is None or xml.local(doc) == root


@BOUNDED
@given(st.integers(min_value=0, max_value=200))
def test_xml_parse_depth_is_bounded(depth):
    body = b"<a>" * depth + b"x" + b"</a>" * depth
    if depth == 0:
        body = b"<a>x</a>"
    try:
        xml.parse(body)
    except S3Error as e:
        assert e.code == "MalformedXML"
        assert depth > 30


# --- cors -------------------------------------------------------------------------------------

def _no_more_than_one_star(s: str) -> bool:
    return s.count("*") <= 1


RULES = st.lists(st.builds(
    cors._rule,
    methods=st.lists(st.sampled_from(cors.METHODS), min_size=1, max_size=5),
    origins=st.lists(XML_TEXT.filter(_no_more_than_one_star), min_size=1, max_size=3),
    headers=st.lists(XML_TEXT.filter(_no_more_than_one_star), max_size=3),
    expose=st.lists(XML_TEXT.filter(lambda s: "*" not in s), max_size=3),
    max_age=st.one_of(st.none(), st.integers(min_value=-2**40, max_value=2**40)),
    id=st.one_of(st.none(), st.text(XML_CHAR, max_size=40)),
), min_size=1, max_size=5).map(tuple)


@BOUNDED
@given(RULES)
def test_cors_render_parse_round_trips(rules):
    body = cors.render(rules)
    parsed = cors.parse(body)
    assert parsed == rules
    assert [r.headers_lower for r in parsed] == [r.headers_lower for r in rules]
    assert cors.render(parsed) == body


@BOUNDED
@given(st.one_of(XMLISH, RULES.map(cors.render).flatmap(
    lambda b: st.tuples(st.integers(0, len(b)), st.binary(max_size=8)).map(
        lambda t: b[:t[0]] + t[1] + b[t[0]:]))))
def test_cors_parse_raises_only_s3_errors(body):
    try:
        rules = cors.parse(body)
    except S3Error:
        return
    # Whatever it accepted renders to a document that parses back to the same rules.
    assert cors.parse(cors.render(rules)) == rules


def _regex_match(pattern: str, value: str) -> bool:
    rx = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(rx, value, re.DOTALL) is not None


WILD_ALPHABET = st.sampled_from("ab*.-:/\n")


@BOUNDED
@given(st.text(WILD_ALPHABET, max_size=8).filter(_no_more_than_one_star), st.text(WILD_ALPHABET, max_size=10))
def test_wildcard_match_agrees_with_regex(pattern, value):
    assert cors.wildcard_match(pattern, value) == _regex_match(pattern, value)


@BOUNDED
@given(st.text(st.sampled_from("ab*"), max_size=4).filter(_no_more_than_one_star).flatmap(
    lambda p: st.tuples(st.just(p), st.builds(lambda a, b: p.replace("*", a) + b, st.text("ab", max_size=3),
                                              st.just("")))))
def test_wildcard_matches_its_own_expansions(pair):
    pattern, value = pair
    assert cors.wildcard_match(pattern, value)


# --- conditions.parse_range ------------------------------------------------------------------

NUM = st.one_of(st.just(""), st.integers(0, 50).map(str), st.integers(0, 10**30).map(str),
                st.just("9" * 5000), st.just("0" * 40 + "3"), st.just("\u0663"))
RANGE_HEADER = st.one_of(
    st.builds(lambda a, b, sp: f"{sp}bytes={a}-{b}{sp}", NUM, NUM, st.sampled_from(["", " "])),
    st.builds(lambda a, b, c, d: f"bytes={a}-{b},{c}-{d}", NUM, NUM, NUM, NUM),
    st.text(max_size=30),
    st.text(st.sampled_from("bytes=-0123456789, "), max_size=20),
)


@BOUNDED
@given(st.one_of(st.none(), RANGE_HEADER), st.integers(0, 60))
def test_parse_range_total_and_within_object(header, size):
    try:
        r = conditions.parse_range(header, size)
    except S3Error as e:
        assert e.code == "InvalidRange" and e.status == 416
        return
    if r is not None:
        start, end = r
        assert 0 <= start < end <= size


@BOUNDED
@given(st.integers(0, 60), st.integers(0, 70), st.integers(0, 70))
def test_parse_range_consistent_with_the_rfc(size, first, last):
    # bytes=first-last
    try:
        r = conditions.parse_range(f"bytes={first}-{last}", size)
    except S3Error:
        assert first >= size and last >= first
    else:
        if last < first:
            assert r is None
        else:
            assert first < size and r == (first, min(last, size - 1) + 1)
    # bytes=first-
    try:
        assert conditions.parse_range(f"bytes={first}-", size) == (first, size)
    except S3Error:
        assert first >= size
    # bytes=-n: the last n bytes
    try:
        r = conditions.parse_range(f"bytes=-{last}", size)
    except S3Error:
        assert last == 0
    else:
        assert last > 0 and (r == (max(size - last, 0), size) or (size == 0 and r is None))


@BOUNDED
@given(st.one_of(RANGE_HEADER, st.text(max_size=30)), st.integers(0, 60))
def test_parse_copy_range_raises_only_s3_errors(header, size):
    try:
        start, end = conditions.parse_copy_range(header, size)
    except S3Error as e:
        assert e.code in ("InvalidArgument", "InvalidRange")
    else:
        assert 0 <= start < end <= size


# --- sigv4 parsing ----------------------------------------------------------------------------

AUTH_PIECES = st.sampled_from([
    "AWS4-HMAC-SHA256", " ", ",", "=", ";", "/", "Credential=", "SignedHeaders=", "Signature=",
    "test/20250101/us-east-1/s3/aws4_request", "host;x-amz-date", "0" * 64, "a/b/c/d", "20250101",
    "s3", "aws4_request", "\u00e9", "\x00", "Credential", "x" * 300,
])
AUTH_HEADER = st.one_of(
    st.lists(AUTH_PIECES, max_size=15).map("".join),
    st.text(max_size=80).map(lambda s: "AWS4-HMAC-SHA256 " + s),
)
DATES = st.one_of(st.text(max_size=40), st.sampled_from([
    "20250101T000000Z", "Wed, 01 Jan 2025 00:00:00 GMT", "Wed, 01 Jan 99999 00:00:00 GMT",
    "Wed, 32 Jan 2025 00:00:00 GMT", "Wed, 01 Jan 2025 25:00:00 +9999", "1", "Jan", ", , ,",
    "Wed, 01 Jan 0000 00:00:00 GMT", "Mon, 01 Jan 1 00:00:00 -2400"]))


@BOUNDED
@given(AUTH_HEADER, st.one_of(st.none(), DATES), st.one_of(st.none(), DATES))
def test_sigv4_parse_header_raises_only_s3_errors(auth, amz_date, date):
    headers = {k: v for k, v in (("x-amz-date", amz_date), ("Date", date)) if v is not None}
    try:
        signed = sigv4.parse_header(auth, headers)
    except S3Error:
        return
    assert isinstance(signed.signature, str)
    try:
        sigv4.check_time(signed, 1735689600.0)
    except S3Error:
        pass


QUERY_VALUES = {
    "X-Amz-Algorithm": st.one_of(st.just("AWS4-HMAC-SHA256"), st.text(max_size=20)),
    "X-Amz-Credential": st.one_of(st.just("test/20250101/us-east-1/s3/aws4_request"),
                                  st.lists(st.sampled_from(["test", "20250101", "us-east-1", "s3",
                                                            "aws4_request", "", "x" * 300, "\u0663" * 8]),
                                           max_size=7).map("/".join), st.text(max_size=30)),
    "X-Amz-Date": st.one_of(st.just("20250101T000000Z"), st.just("\u0663" * 8 + "T" + "\u0663" * 6 + "Z"),
                            st.text(max_size=20)),
    "X-Amz-Expires": st.one_of(st.integers(-10, 10**6).map(str), st.just("9" * 5000), st.just("\u0663"),
                               st.text(max_size=10)),
    "X-Amz-SignedHeaders": st.text(max_size=20),
    "X-Amz-Signature": st.text(max_size=70),
}


@BOUNDED
@given(st.fixed_dictionaries({}, optional=QUERY_VALUES))
def test_sigv4_parse_query_raises_only_s3_errors(query):
    try:
        signed = sigv4.parse_query(query)
    except S3Error as e:
        assert e.code == "AuthorizationQueryParametersError"
        return
    assert signed.presigned and 0 <= (signed.expires or 0) <= sigv4.MAX_EXPIRES
    try:
        sigv4.check_time(signed, 1735689600.0)
    except S3Error:
        pass


# --- authenticate.query_pairs ----------------------------------------------------------------

TEXT_NO_SURROGATES = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


@BOUNDED
@given(st.lists(st.tuples(TEXT_NO_SURROGATES, TEXT_NO_SURROGATES), max_size=6))
def test_query_pairs_round_trip(pairs):
    raw = "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)
    assert query_pairs(raw) == pairs


@BOUNDED
@given(st.one_of(st.text(max_size=60), st.text(st.sampled_from("a=&%2FFf0C3(+"), max_size=40)))
def test_query_pairs_total(raw):
    pairs = query_pairs(raw)
    assert len(pairs) <= raw.count("&") + 1
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in pairs)


# --- listing: SqliteStore.list_objects against a pure model -------------------------------------

KEY_CHARS = st.sampled_from(["a", "b", "/", "-", "\u00e9", "\U0001f600", "\x00", "\ufffd"])
KEYS = st.sets(st.lists(KEY_CHARS, min_size=1, max_size=5).map("".join), max_size=25)
SHORT = st.lists(KEY_CHARS, max_size=3).map("".join)


def model_list(keys, prefix, delimiter, after):
    """S3's listing: keys after `after` starting with `prefix`, rolled up at the first delimiter
    after the prefix; a common prefix comes once, in key order, and never at or before `after`."""
    items = set()
    for k in keys:
        if not k.startswith(prefix) or k <= after:
            continue
        pos = k.find(delimiter, len(prefix)) if delimiter else -1
        item = (k[:pos + len(delimiter)], True) if pos >= 0 else (k, False)
        if item[0] > after:
            items.add(item)
    return sorted(items)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = SqliteStore(tmp_path_factory.mktemp("props-store"), render)
    yield s
    s.close()


_counter = iter(range(10**9))


@BOUNDED
@given(KEYS, SHORT, st.sampled_from(["", "/", "a", "-/", "\U0001f600"]), SHORT, st.integers(0, 6))
def test_listing_matches_model_and_paginates(store, keys, prefix, delimiter, after, limit):
    bucket = f"p{next(_counter)}"
    store.create_bucket(Bucket(bucket, 0.0, "owner", "us-east-1"))
    for k in keys:
        store.commit_object(ObjectMeta(bucket, k, 0, "etag", 0.0, "owner"))

    expected = model_list(keys, prefix, delimiter, after)
    page = store.list_objects(bucket, prefix, delimiter, after, limit)
    got = sorted([(m[0], False) for m in page.entries] + [(p, True) for p in page.prefixes])
    assert got == expected[:limit]
    assert page.truncated == (limit > 0 and len(expected) > limit)

    # Paging with the last key/prefix as the next marker visits everything once, in order.
    if limit > 0:
        seen, marker = [], after
        for _ in range(len(expected) + 2):
            page = store.list_objects(bucket, prefix, delimiter, marker, limit)
            items = sorted([(m[0], False) for m in page.entries] + [(p, True) for p in page.prefixes])
            seen += items
            if not page.truncated:
                break
            assert items and page.last == items[-1][0]
            marker = page.last
        else:
            pytest.fail("pagination did not end")
        assert seen == expected


# --- checksums.combine ---------------------------------------------------------------------------

@BOUNDED
@given(st.sampled_from(["CRC32", "CRC32C", "CRC64NVME"]), st.binary(max_size=300), st.binary(max_size=300))
def test_checksum_combine_equals_direct(algorithm, a, b):
    def crc(data):
        h = checksums.new(algorithm)
        h.update(data)
        return h.digest()
    assert checksums.combine(algorithm, crc(a), crc(b), len(b)) == crc(a + b)
    if algorithm == "CRC32":
        assert crc(a + b) == zlib.crc32(a + b).to_bytes(4, "big")


@BOUNDED
@given(st.sampled_from(["CRC32", "CRC32C", "CRC64NVME"]), st.lists(st.binary(max_size=100), min_size=1, max_size=6))
def test_checksum_combine_folds_over_parts(algorithm, parts):
    def crc(data):
        h = checksums.new(algorithm)
        h.update(data)
        return h.digest()
    acc = crc(parts[0])
    for p in parts[1:]:
        acc = checksums.combine(algorithm, acc, crc(p), len(p))
    assert acc == crc(b"".join(parts))
