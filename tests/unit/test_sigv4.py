"""SigV4 against AWS's published vectors: the generic Signature Version 4 test suite and the S3
examples of the S3 API reference (header, presigned, chunked, trailer). Pure: s3mock.auth.sigv4.

Sources (the vectors are embedded below as data):
- Generic suite (aws-sig-v4-test-suite, 2015-08-30, AKIDEXAMPLE, service "service"), formerly at
  https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html; copies in
  https://github.com/awslabs/aws-c-auth/tree/main/tests/aws-signing-test-suite/v4 (which also has
  the "-unnormalized" variants, the form S3 uses) and aws-sdk-js-v3 signature-v4/src/suite.fixture.ts.
- S3 header examples: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html
- S3 presigned example: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
- S3 chunked upload: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
- S3 trailer: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
"""

from __future__ import annotations

import hashlib

import pytest
from multidict import CIMultiDict

from s3mock.auth import sigv4
from s3mock.auth.authenticate import query_pairs
from s3mock.errors import S3Error

E = sigv4.EMPTY_SHA256

# -- the generic suite ---------------------------------------------------------------------------
# Each vector: the request as sent (raw path and query, headers in order, body), the published
# canonical request's SignedHeaders, and the published signature. The canonical request and
# string-to-sign are checked for the vectors AWS printed them for (get-vanilla, get-header-value-trim,
# post-x-www-form-urlencoded, get-utf8); for the others the published signature is the check.
SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
SUITE_CRED = sigv4.Credential("AKIDEXAMPLE", "20150830", "us-east-1", "service")
SUITE_DATE = "20150830T123600Z"
BASE = [("Host", "example.amazonaws.com"), ("X-Amz-Date", SUITE_DATE)]
H1 = "host;my-header1;x-amz-date"

SUITE = [
    # name, method, target (raw, as on the wire), extra headers, signed headers, body, signature
    ("get-vanilla", "GET", "/", [], "host;x-amz-date", b"",
     "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
    ("get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1", [], "host;x-amz-date", b"",
     "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
    ("get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1", [], "host;x-amz-date", b"",
     "eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1"),
    ("get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1", [], "host;x-amz-date", b"",
     "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"),
    # aws-c-auth addition: sorted on the encoded names ("%E1..." < "Param" < "Param-3").
    ("get-vanilla-query-order-encoded", "GET", "/?Param-3=Value3&Param=Value2&%E1%88%B4=Value1", [],
     "host;x-amz-date", b"", "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
    ("get-vanilla-empty-query-key", "GET", "/?Param1=value1", [], "host;x-amz-date", b"",
     "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
    ("get-vanilla-query-unreserved", "GET",
     "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz="
     "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [], "host;x-amz-date", b"",
     "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
    ("get-vanilla-utf8-query", "GET", "/?%E1%88%B4=bar", [], "host;x-amz-date", b"",
     "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
    ("post-vanilla-query-nonunreserved (aws-sdk-js-v3 fixture)", "POST",
     "/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D", [], "host;x-amz-date", b"",
     "66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"),
    ("get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", [],
     "host;x-amz-date", b"", "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
    # The .req files hold the path unencoded ("GET /ሴ", "GET /example space/"); on the wire a
    # client sends it percent-encoded, and the canonical URI is the same either way.
    ("get-utf8", "GET", "/%E1%88%B4", [], "host;x-amz-date", b"",
     "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
    ("get-space", "GET", "/example%20space/", [], "host;x-amz-date", b"",
     "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
    ("get-header-key-duplicate", "GET", "/",
     [("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")], H1, b"",
     "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
    ("get-header-value-order", "GET", "/",
     [("My-Header1", "value4"), ("My-Header1", "value1"), ("My-Header1", "value3"), ("My-Header1", "value2")],
     H1, b"", "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
    ("get-header-value-trim", "GET", "/", [("My-Header1", " value1"), ("My-Header2", ' "a   b   c"')],
     "host;my-header1;my-header2;x-amz-date", b"",
     "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
    ("post-vanilla", "POST", "/", [], "host;x-amz-date", b"",
     "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
    ("post-vanilla-query", "POST", "/?Param1=value1", [], "host;x-amz-date", b"",
     "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
    ("post-header-key-sort", "POST", "/", [("My-Header1", "value1")], H1, b"",
     "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
    ("post-header-value-case", "POST", "/", [("My-Header1", "VALUE1")], H1, b"",
     "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
    ("post-x-www-form-urlencoded", "POST", "/", [("Content-Type", "application/x-www-form-urlencoded")],
     "content-type;host;x-amz-date", b"Param1=value1",
     "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ("post-x-www-form-urlencoded-parameters", "POST", "/",
     [("Content-Type", "application/x-www-form-urlencoded; charset=utf8")],
     "content-type;host;x-amz-date", b"Param1=value1",
     "1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"),
    # normalize-path: S3 neither removes dot segments nor merges slashes, so the path is signed as
    # sent: these are aws-c-auth's "-unnormalized" signatures (the form its S3 signer uses).
    ("get-slash-dot-slash-unnormalized", "GET", "/./", [], "host;x-amz-date", b"",
     "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145"),
    ("get-slash-pointless-dot-unnormalized", "GET", "/./example", [], "host;x-amz-date", b"",
     "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff"),
    ("get-slashes-unnormalized", "GET", "//example//", [], "host;x-amz-date", b"",
     "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5"),
    ("get-relative-relative-unnormalized", "GET", "/example1/example2/../..", [], "host;x-amz-date", b"",
     "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b"),
]

# The suite's own canonical requests and string-to-sign hashes (.creq / .sts), where printed.
SUITE_CREQ = {
    "get-vanilla": ("GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                    f"host;x-amz-date\n{E}",
                    "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"),
    "get-header-value-trim": ("GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\n"
                              'my-header2:"a b c"\nx-amz-date:20150830T123600Z\n\n'
                              f"host;my-header1;my-header2;x-amz-date\n{E}",
                              "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"),
    "get-utf8": ("GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                 f"host;x-amz-date\n{E}", None),
    "post-x-www-form-urlencoded": (
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e", None),
}


def suite_signed(signed_headers: str, signature: str = "") -> sigv4.Signed:
    return sigv4.Signed(SUITE_CRED, tuple(signed_headers.split(";")), signature, SUITE_DATE, False)


def suite_creq(method, target, extra, signed_headers, body) -> str:
    path, _, query = target.partition("?")
    return sigv4.canonical_request(method, path, query_pairs(query), CIMultiDict(BASE + extra),
                                   suite_signed(signed_headers), "example.amazonaws.com",
                                   hashlib.sha256(body).hexdigest())


@pytest.mark.parametrize("name,method,target,extra,signed_headers,body,signature", SUITE,
                         ids=[v[0] for v in SUITE])
def test_generic_suite_vector(name, method, target, extra, signed_headers, body, signature):
    creq = suite_creq(method, target, extra, signed_headers, body)
    if name in SUITE_CREQ:
        want, sts_hash = SUITE_CREQ[name]
        assert creq == want
        if sts_hash:
            assert hashlib.sha256(creq.encode()).hexdigest() == sts_hash
    sts = sigv4.string_to_sign(suite_signed(signed_headers), creq)
    assert sts.split("\n")[:3] == ["AWS4-HMAC-SHA256", SUITE_DATE, "20150830/us-east-1/service/aws4_request"]
    assert sigv4.sign(sigv4.signing_key(SUITE_SECRET, SUITE_CRED), sts) == signature


@pytest.mark.parametrize("path", ["/./", "/example1/example2/../..", "/foo/.."])
def test_s3_does_not_normalise_the_path(path):
    """The generic suite's normalised signature for these paths is get-vanilla's (the path becomes
    "/"); S3 signs the path as sent, so that signature must not verify for them."""
    assert sigv4.canonical_uri(path) == path
    creq = suite_creq("GET", path, [], "host;x-amz-date", b"")
    sts = sigv4.string_to_sign(suite_signed("host;x-amz-date"), creq)
    assert sigv4.sign(sigv4.signing_key(SUITE_SECRET, SUITE_CRED), sts) != SUITE[0][-1]


def test_s3_does_not_double_encode_the_path():
    """Generic services encode an already-encoded path again (%20 -> %2520); S3 does not."""
    assert sigv4.canonical_uri("/example%20space/") == "/example%20space/"
    assert sigv4.canonical_uri("/test$file.text") == "/test%24file.text"
    assert sigv4.canonical_uri("/a+b%2Bc") == "/a%2Bb%2Bc"        # a raw `+` in a path is a plus


def test_generic_presigned_vector_from_aws_c_auth():
    """get-vanilla-query-order-key-case, query-signed form (generic service: empty payload hash).
    X-Amz-Signature is left out of the canonical query; the other X-Amz-* parameters are in it."""
    raw = ("Param2=value2&Param1=value1&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
           "%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z"
           "&X-Amz-SignedHeaders=host&X-Amz-Expires=3600&X-Amz-Signature="
           "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5")
    signed = sigv4.Signed(SUITE_CRED, ("host",), "", SUITE_DATE, True, 3600)
    creq = sigv4.canonical_request("GET", "/", query_pairs(raw), CIMultiDict(BASE), signed,
                                   "example.amazonaws.com", E)
    assert creq.split("\n")[2] == (
        "Param1=value1&Param2=value2&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE"
        "%2F20150830%2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z"
        "&X-Amz-Expires=3600&X-Amz-SignedHeaders=host")
    assert sigv4.sign(sigv4.signing_key(SUITE_SECRET, SUITE_CRED), sigv4.string_to_sign(signed, creq)) == \
        "86012e2c9ad4d77369f5d81c11f75158aae4f895a085212cc6d3f923d300bed5"


# -- the S3 examples -----------------------------------------------------------------------------
S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
S3_AKID = "AKIAIOSFODNN7EXAMPLE"
S3_DATE = "20130524T000000Z"
NOW = 1369353600.0                     # 2013-05-24T00:00:00Z, the examples' request time
S3_HOST = "examplebucket.s3.amazonaws.com"
WELCOME = b"Welcome to Amazon S3."
WELCOME_SHA = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"


def s3_auth(signed_headers: str, signature: str) -> str:
    return (f"AWS4-HMAC-SHA256 Credential={S3_AKID}/20130524/us-east-1/s3/aws4_request,"
            f"SignedHeaders={signed_headers},Signature={signature}")


S3_EXAMPLES = [
    # name, method, path, query, headers, signed headers, canonical request, sts hash, signature
    ("GET Object", "GET", "/test.txt", "",
     [("Host", S3_HOST), ("Range", "bytes=0-9"), ("x-amz-content-sha256", E), ("x-amz-date", S3_DATE)],
     "host;range;x-amz-content-sha256;x-amz-date",
     f"GET\n/test.txt\n\nhost:{S3_HOST}\nrange:bytes=0-9\nx-amz-content-sha256:{E}\n"
     f"x-amz-date:{S3_DATE}\n\nhost;range;x-amz-content-sha256;x-amz-date\n{E}",
     "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972",
     "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
    ("PUT Object", "PUT", "/test$file.text", "",
     [("Host", S3_HOST), ("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-date", S3_DATE),
      ("x-amz-storage-class", "REDUCED_REDUNDANCY"), ("x-amz-content-sha256", WELCOME_SHA)],
     "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
     f"PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\nhost:{S3_HOST}\n"
     f"x-amz-content-sha256:{WELCOME_SHA}\nx-amz-date:{S3_DATE}\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
     f"date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n{WELCOME_SHA}",
     "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d",
     "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
    # `?lifecycle`: a query parameter without a value is canonical as `lifecycle=`.
    ("GET Bucket Lifecycle", "GET", "/", "lifecycle",
     [("Host", S3_HOST), ("x-amz-date", S3_DATE), ("x-amz-content-sha256", E)],
     "host;x-amz-content-sha256;x-amz-date",
     f"GET\n/\nlifecycle=\nhost:{S3_HOST}\nx-amz-content-sha256:{E}\nx-amz-date:{S3_DATE}\n\n"
     f"host;x-amz-content-sha256;x-amz-date\n{E}",
     "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca",
     "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
    ("GET Bucket (List Objects)", "GET", "/", "max-keys=2&prefix=J",
     [("Host", S3_HOST), ("x-amz-date", S3_DATE), ("x-amz-content-sha256", E)],
     "host;x-amz-content-sha256;x-amz-date",
     f"GET\n/\nmax-keys=2&prefix=J\nhost:{S3_HOST}\nx-amz-content-sha256:{E}\nx-amz-date:{S3_DATE}\n\n"
     f"host;x-amz-content-sha256;x-amz-date\n{E}",
     "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7",
     "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
]


@pytest.mark.parametrize("name,method,path,query,headers,signed_headers,creq,sts_hash,signature",
                         S3_EXAMPLES, ids=[v[0] for v in S3_EXAMPLES])
def test_s3_header_examples(name, method, path, query, headers, signed_headers, creq, sts_hash, signature):
    h = CIMultiDict(headers + [("Authorization", s3_auth(signed_headers, signature))])
    signed = sigv4.parse_header(h["Authorization"], h)
    assert (signed.credential.access_key, signed.credential.scope, signed.amz_date) == (
        S3_AKID, "20130524/us-east-1/s3/aws4_request", S3_DATE)
    got = sigv4.canonical_request(method, path, query_pairs(query), h, signed, S3_HOST,
                                  h["x-amz-content-sha256"])
    assert got == creq
    sts = sigv4.string_to_sign(signed, got)
    assert sts == f"AWS4-HMAC-SHA256\n{S3_DATE}\n20130524/us-east-1/s3/aws4_request\n{sts_hash}"
    key = sigv4.verify(method, path, query_pairs(query), h, signed, S3_SECRET, S3_HOST, NOW)
    assert key == sigv4.signing_key(S3_SECRET, signed.credential)


def test_s3_example_tampered_is_signature_does_not_match_with_s3s_fields():
    name, method, path, query, headers, signed_headers, creq, sts_hash, signature = S3_EXAMPLES[0]
    h = CIMultiDict(headers)
    h["Range"] = "bytes=0-10"
    signed = sigv4.parse_header(s3_auth(signed_headers, signature), h)
    with pytest.raises(S3Error) as e:
        sigv4.verify(method, path, [], h, signed, S3_SECRET, S3_HOST, NOW)
    sts = sigv4.string_to_sign(signed, creq.replace("bytes=0-9", "bytes=0-10"))
    assert (e.value.code, e.value.status) == ("SignatureDoesNotMatch", 403)
    assert list(e.value.fields) == ["AWSAccessKeyId", "StringToSign", "SignatureProvided",
                                    "StringToSignBytes", "CanonicalRequest", "CanonicalRequestBytes"]
    assert e.value.fields["AWSAccessKeyId"] == S3_AKID
    assert e.value.fields["StringToSign"] == sts
    assert e.value.fields["SignatureProvided"] == signature
    assert e.value.fields["CanonicalRequest"] == creq.replace("bytes=0-9", "bytes=0-10")
    assert e.value.fields["StringToSignBytes"] == " ".join(f"{b:02x}" for b in sts.encode())
    assert e.value.fields["CanonicalRequestBytes"].startswith("47 45 54 0a 2f 74")   # "GET\n/t"


def test_unsigned_payload_is_signed_as_the_literal():
    h = CIMultiDict([("Host", S3_HOST), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"), ("x-amz-date", S3_DATE)])
    signed = sigv4.Signed(sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"),
                          ("host", "x-amz-content-sha256", "x-amz-date"), "", S3_DATE, False)
    creq = sigv4.canonical_request("PUT", "/k", [], h, signed, S3_HOST, "UNSIGNED-PAYLOAD")
    assert creq.endswith("\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD")
    good = sigv4.sign(sigv4.signing_key(S3_SECRET, signed.credential), sigv4.string_to_sign(signed, creq))
    signed = sigv4.Signed(signed.credential, signed.signed_headers, good, S3_DATE, False)
    sigv4.verify("PUT", "/k", [], h, signed, S3_SECRET, S3_HOST, NOW)


def test_missing_content_sha256_on_a_header_request():
    h = CIMultiDict([("Host", S3_HOST), ("x-amz-date", S3_DATE)])
    signed = sigv4.parse_header(s3_auth("host;x-amz-date", "0" * 64), h)
    with pytest.raises(S3Error) as e:
        sigv4.verify("GET", "/k", [], h, signed, S3_SECRET, S3_HOST, NOW)
    assert (e.value.code, e.value.status, e.value.message) == (
        "InvalidRequest", 400, "Missing required header for this request: x-amz-content-sha256")


# -- canonical pieces ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw,presigned,want", [
    ("cors", False, "cors="),
    ("uploads&prefix=a", False, "prefix=a&uploads="),
    ("list-type=2&prefix=dir%2F&delimiter=%2F", False, "delimiter=%2F&list-type=2&prefix=dir%2F"),
    ("prefix=a+b", False, "prefix=a%2Bb"),              # `+` in a query is a plus, not a space
    ("prefix=a%20b", False, "prefix=a%20b"),
    ("b=2&a=2&a=1", False, "a=1&a=2&b=2"),
    ("X-Amz-Signature=abc&X-Amz-Date=1", True, "X-Amz-Date=1"),
    ("X-Amz-Signature=abc&X-Amz-Date=1", False, "X-Amz-Date=1&X-Amz-Signature=abc"),
], ids=["empty-value", "subresource-sorted", "encoded", "plus", "space", "repeated", "presigned",
        "header-keeps-it"])
def test_canonical_query(raw, presigned, want):
    assert sigv4.canonical_query(query_pairs(raw), presigned) == want


def test_canonical_headers_fold_whitespace_and_join_repeats():
    h = CIMultiDict([("X-Amz-Meta-A", "  one   two  "), ("x-amz-meta-b", "1"), ("X-AMZ-META-B", " 2 ")])
    assert sigv4.canonical_headers(h, ["host", "x-amz-meta-a", "x-amz-meta-b"], "h:9000") == (
        "host:h:9000\nx-amz-meta-a:one two\nx-amz-meta-b:1,2\n")


# -- presigned (query string) example --------------------------------------------------------------
PRESIGNED_QUERY = ("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524"
                   "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
                   "&X-Amz-SignedHeaders=host&X-Amz-Signature="
                   "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")


def test_s3_presigned_example():
    pairs = query_pairs(PRESIGNED_QUERY)
    signed = sigv4.parse_query(dict(pairs))
    assert (signed.presigned, signed.expires, signed.signed_headers) == (True, 86400, ("host",))
    h = CIMultiDict([("Host", S3_HOST)])
    creq = sigv4.canonical_request("GET", "/test.txt", pairs, h, signed, S3_HOST, "UNSIGNED-PAYLOAD")
    assert creq == (
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524"
        "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400"
        f"&X-Amz-SignedHeaders=host\nhost:{S3_HOST}\n\nhost\nUNSIGNED-PAYLOAD")
    assert hashlib.sha256(creq.encode()).hexdigest() == \
        "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04"
    sigv4.verify("GET", "/test.txt", pairs, h, signed, S3_SECRET, S3_HOST, NOW + 86400)


def test_s3_presigned_example_expired_one_second_later():
    pairs = query_pairs(PRESIGNED_QUERY)
    signed = sigv4.parse_query(dict(pairs))
    with pytest.raises(S3Error) as e:
        sigv4.verify("GET", "/test.txt", pairs, CIMultiDict([("Host", S3_HOST)]), signed, S3_SECRET,
                     S3_HOST, NOW + 86401)
    assert (e.value.code, e.value.status, e.value.message) == ("AccessDenied", 403, "Request has expired")
    assert e.value.fields == {"X-Amz-Expires": "86400", "Expires": "2013-05-25T00:00:00Z",
                              "ServerTime": "2013-05-25T00:00:01Z"}


@pytest.mark.parametrize("change,message", [
    ({"X-Amz-Expires": "604801"}, "X-Amz-Expires must be less than a week (in seconds); that is, the "
                                  "given X-Amz-Expires must be less than 604800 seconds"),
    ({"X-Amz-Expires": "-1"}, "X-Amz-Expires must be non-negative"),
    ({"X-Amz-Expires": "soon"}, "X-Amz-Expires should be a number"),
    ({"X-Amz-Date": "2013-05-24"}, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""),
    ({"X-Amz-Signature": None}, "Query-string authentication version 4 requires the X-Amz-Algorithm, "
     "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters."),
    ({"X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3"},
     "Error parsing the X-Amz-Credential parameter; the Credential is mal-formed; expecting "
     "\"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    ({"X-Amz-Credential": "AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/ec2/aws4_request"},
     "Error parsing the X-Amz-Credential parameter; incorrect service \"ec2\". This endpoint belongs to \"s3\"."),
], ids=["expires-too-long", "expires-negative", "expires-nan", "date", "missing", "credential", "service"])
def test_presigned_parameter_errors(change, message):
    query = dict(query_pairs(PRESIGNED_QUERY))
    for k, v in change.items():
        if v is None:
            del query[k]
        else:
            query[k] = v
    with pytest.raises(S3Error) as e:
        sigv4.parse_query(query)
    assert (e.value.code, e.value.status, e.value.message) == ("AuthorizationQueryParametersError", 400, message)


@pytest.mark.parametrize("credential,message", [
    ("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3",
     "the Credential is mal-formed; expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\"."),
    ("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/sqs/aws4_request",
     "incorrect service \"sqs\". This endpoint belongs to \"s3\"."),
    ("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws5_request",
     "incorrect terminal \"aws5_request\". This endpoint uses \"aws4_request\"."),
    ("AKIAIOSFODNN7EXAMPLE/2013052/us-east-1/s3/aws4_request",
     "incorrect date format \"2013052\". This date in the credential must be in the format \"yyyyMMdd\"."),
])
def test_authorization_header_malformed(credential, message):
    h = CIMultiDict([("x-amz-date", S3_DATE)])
    with pytest.raises(S3Error) as e:
        sigv4.parse_header(f"AWS4-HMAC-SHA256 Credential={credential},SignedHeaders=host,Signature=0", h)
    assert (e.value.code, e.value.status, e.value.message) == (
        "AuthorizationHeaderMalformed", 400, "The authorization header is malformed; " + message)


@pytest.mark.parametrize("offset,skewed", [(-901, True), (-900, False), (900, False), (901, True)])
def test_clock_skew_is_fifteen_minutes(offset, skewed):
    signed = sigv4.Signed(sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"), ("host",), "",
                          S3_DATE, False)
    if not skewed:
        sigv4.check_time(signed, NOW + offset)
        return
    with pytest.raises(S3Error) as e:
        sigv4.check_time(signed, NOW + offset)
    assert (e.value.code, e.value.status) == ("RequestTimeTooSkewed", 403)
    assert list(e.value.fields.items())[0] == ("RequestTime", S3_DATE)
    assert list(e.value.fields)[1:] == ["ServerTime", "MaxAllowedSkewMilliseconds"]
    assert e.value.fields["MaxAllowedSkewMilliseconds"] == "900000"


# -- chunked upload and trailer examples -----------------------------------------------------------
STREAM_SEED = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
STREAM_CHUNKS = [(b"a" * 65536, "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
                 (b"a" * 1024, "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
                 (b"", "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9")]
TRAILER_SEED = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
TRAILER_CHUNKS = [(b"a" * 65536, "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"),
                  (b"a" * 1024, "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"),
                  (b"", "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992")]
TRAILER_SIGNATURE = "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"


def stream_request(content_sha: str, extra: list[tuple[str, str]], signed_headers: str, seed: str):
    h = CIMultiDict([("Host", "s3.amazonaws.com"), ("x-amz-date", S3_DATE), ("x-amz-storage-class",
                     "REDUCED_REDUNDANCY"), ("Content-Encoding", "aws-chunked"),
                     ("x-amz-decoded-content-length", "66560"), ("x-amz-content-sha256", content_sha)] + extra)
    return h, sigv4.parse_header(s3_auth(signed_headers, seed), h)


def test_s3_chunked_upload_example():
    h, signed = stream_request(
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", [("Content-Length", "66824")],
        "content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;"
        "x-amz-decoded-content-length;x-amz-storage-class", STREAM_SEED)
    key = sigv4.verify("PUT", "/examplebucket/chunkObject.txt", [], h, signed, S3_SECRET,
                       "s3.amazonaws.com", NOW)
    verifier = sigv4.ChunkVerifier(key, signed)
    for data, signature in STREAM_CHUNKS:
        verifier.chunk(signature, data)


def test_s3_trailer_example():
    h, signed = stream_request(
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", [("x-amz-trailer", "x-amz-checksum-crc32c")],
        "content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;"
        "x-amz-storage-class;x-amz-trailer", TRAILER_SEED)
    key = sigv4.verify("PUT", "/examplebucket/chunkObject.txt", [], h, signed, S3_SECRET,
                       "s3.amazonaws.com", NOW)
    verifier = sigv4.ChunkVerifier(key, signed)
    for data, signature in TRAILER_CHUNKS:
        verifier.chunk(signature, data)
    verifier.trailer(TRAILER_SIGNATURE, b"x-amz-checksum-crc32c:sOO8/Q==\n")


@pytest.mark.parametrize("break_at", range(3))
def test_chunk_chain_refuses_a_tampered_or_reordered_chunk(break_at):
    key = sigv4.signing_key(S3_SECRET, sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"))
    signed = sigv4.Signed(sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"), (), STREAM_SEED,
                          S3_DATE, False)
    verifier = sigv4.ChunkVerifier(key, signed)
    for i, (data, signature) in enumerate(STREAM_CHUNKS):
        if i == break_at:
            with pytest.raises(S3Error) as e:
                verifier.chunk(signature, data + b"x")
            assert (e.value.code, e.value.status) == ("SignatureDoesNotMatch", 403)
            return
        verifier.chunk(signature, data)


def test_chunk_chain_refuses_a_skipped_chunk_and_a_missing_signature():
    key = sigv4.signing_key(S3_SECRET, sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"))
    signed = sigv4.Signed(sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"), (), STREAM_SEED,
                          S3_DATE, False)
    with pytest.raises(S3Error):
        sigv4.ChunkVerifier(key, signed).chunk(STREAM_CHUNKS[1][1], STREAM_CHUNKS[1][0])
    with pytest.raises(S3Error):
        sigv4.ChunkVerifier(key, signed).chunk(None, STREAM_CHUNKS[0][0])


def test_trailer_signature_covers_the_trailer_bytes():
    key = sigv4.signing_key(S3_SECRET, sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"))
    signed = sigv4.Signed(sigv4.Credential(S3_AKID, "20130524", "us-east-1", "s3"), (), TRAILER_SEED,
                          S3_DATE, False)
    verifier = sigv4.ChunkVerifier(key, signed)
    for data, signature in TRAILER_CHUNKS:
        verifier.chunk(signature, data)
    with pytest.raises(S3Error) as e:
        verifier.trailer(TRAILER_SIGNATURE, b"x-amz-checksum-crc32c:AAAAAA==\n")
    assert e.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("presigned, code", [(False, "AuthorizationHeaderMalformed"),
                                             (True, "AuthorizationQueryParametersError")])
def test_credential_date_must_be_the_request_date(presigned, code):
    signed = sigv4.Signed(sigv4.Credential("AKID", "20130523", "us-east-1", "s3"), ("host",),
                          "0" * 64, "20130524T000000Z", presigned, 3600 if presigned else None)
    now = sigv4.parse_time("20130524T000000Z")
    with pytest.raises(S3Error) as e:
        sigv4.verify("GET", "/", [], {"x-amz-content-sha256": sigv4.EMPTY_SHA256}, signed, "secret",
                     "example.com", now)
    assert e.value.code == code
    assert 'Invalid credential date "20130523". This date is not the same as X-Amz-Date: "20130524".' \
        in e.value.message
