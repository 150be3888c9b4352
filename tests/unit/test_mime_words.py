"""User metadata's RFC 2047 round trip (s3mock.mime_words) against values recorded on Amazon S3.

Recorded: localstack/localstack tests/aws/services/s3/test_s3.snapshot.json (2026-02-21) and
minio/minio#21282. The rest are the rules those recordings fit (javax.mail's MimeUtility).
"""

from __future__ import annotations

import string
from email.header import decode_header, make_header

import pytest

from s3mock.mime_words import from_header, to_header

RECORDED = [
    # stored text, what S3 returned
    ("Ã¶", "=?UTF-8?B?w4PCtg==?="),
    ("ÄMÄZÕÑ S3", "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3?="),
    ("test_—_file%E2%80%94_é_2?.pdf", "=?UTF-8?Q?test=5F=E2=80=94=5Ffile%E2%80%94=5F=C3=A9=5F2=3F.pdf?="),
    ("test_—_file%E2%80%94_é_2👑.pdf", "=?UTF-8?Q?test=5F=E2=80=94=5Ffile%E2%80%94=5F=C3=A9=5F2=F0=9F=91=91.pdf?="),
    ("non-ascii-%E2%80%94_—_é_", "=?UTF-8?Q?non-ascii-%E2%80%94=5F=E2=80=94=5F=C3=A9=5F?="),
    ("\x00\x01\x02\x03", "=?UTF-8?B?AAECAw==?="),
    ("\x00\x01\x02\x03\x04", "=?UTF-8?B?AAECAwQ=?="),
    ("�������", "=?UTF-8?B?77+977+977+977+977+977+977+9?="),
    ("\ufffda\ufffd", "=?UTF-8?B?77+9Ye+/vQ==?="),
    (string.punctuation, string.punctuation),
    ("! \"#$%&'()*+,-./0123456789:;<>'?@AZ[\\]^_`az{|}~\t", "! \"#$%&'()*+,-./0123456789:;<>'?@AZ[\\]^_`az{|}~\t"),
]


@pytest.mark.parametrize("text,returned", RECORDED)
def test_returned_as_s3_returned_it(text, returned):
    assert to_header(text) == returned


@pytest.mark.parametrize("sent,stored", [
    ("=?UTF-8?B?YWJj?=", "abc"),                            # recorded: decoded before storing
    ("=?UTF-8?Q?actually-ascii?=", "actually-ascii"),
    ("plain ascii", "plain ascii"),
    ("Hello World\u00c3\u00a9", "Hello World\u00c3\u0083\u00c2\u00a9"),   # UTF-8 bytes read as ISO-8859-1
    ("Orl\udce9ans", "Orléans"),                            # a raw E9 byte (not UTF-8)
    ("=?UTF-8?B?=GGG?=", "=?UTF-8?B?=GGG?="),                # not decodable: kept as sent
    ("=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?="),
])
def test_stored_from_header(sent, stored):
    assert from_header(sent) == stored


def test_mostly_ascii_is_q_else_b():
    assert to_header("aé").startswith("=?UTF-8?B?")          # a tie is B
    assert to_header("abé").startswith("=?UTF-8?Q?")
    assert to_header("a👑b").startswith("=?UTF-8?B?")         # an astral character counts twice


@pytest.mark.parametrize("text", ["é" * 80, "x" * 300 + "é", "line\nbreak", "tab\tand\rcr", "👑" * 40])
def test_long_or_control_text_is_header_safe_and_round_trips(text):
    encoded = to_header(text)
    words = encoded.split(" ")
    assert all(len(w) <= 75 and w.startswith("=?UTF-8?") for w in words)
    assert encoded.isascii() and encoded.isprintable()
    assert str(make_header(decode_header(encoded))) == text
    assert from_header(encoded) == text
