"""The fuzz targets in fuzz/ run in CI: atheris (coverage-guided) for a bounded number of runs over
the committed seed corpus, and, always, hypothesis driving the same target functions in-process
(the fallback where atheris has no wheel). Plus the inputs the fuzzers found, as regressions: each
was a 500 InternalError from a live server before its fix."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
RUNS = 2000


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, FUZZ / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


fuzz_xml, fuzz_auth = _load("fuzz_xml"), _load("fuzz_auth")
TARGETS = {"fuzz_xml": fuzz_xml, "fuzz_auth": fuzz_auth}


def seeds(module) -> list[bytes]:
    return [p.read_bytes() for p in sorted(module.CORPUS.iterdir())]


@pytest.mark.parametrize("name", TARGETS)
def test_seed_corpus_is_there_and_passes(name):
    found = seeds(TARGETS[name])
    assert len(found) >= 5
    for data in found:
        TARGETS[name].test_one_input(data)


def test_auth_seeds_are_validly_signed():
    """The seeds start the fuzzer past the clock and at a signature that verifies."""
    from s3mock.auth.authenticate import authenticate
    signed = 0
    for data in seeds(fuzz_auth):
        req, _ = fuzz_auth.parse_request(data)
        result = authenticate(req, fuzz_auth.USERS, fuzz_auth.OWNER, strict=True, now=fuzz_auth.NOW)
        signed += result.principal.canonical_id == fuzz_auth.OWNER.canonical_id
    assert signed == 5          # every seed but the (anonymous) POST policy form


@pytest.mark.parametrize("name", TARGETS)
def test_atheris_bounded_run(name, tmp_path):
    pytest.importorskip("atheris", reason="atheris has no wheel for this platform (optional)")
    corpus = tmp_path / "corpus"
    shutil.copytree(TARGETS[name].CORPUS, corpus)      # new units go to the copy, not the repo
    proc = subprocess.run(
        [sys.executable, str(FUZZ / f"{name}.py"), str(corpus), f"-runs={RUNS}", "-seed=1",
         f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert f"Done {RUNS} runs" in proc.stderr
    assert not list(tmp_path.glob("crash-*"))


def _mutations(module):
    """Seeds with a random slice replaced by random bytes: mostly well-formed, a little broken."""
    return st.tuples(st.sampled_from(seeds(module)), st.integers(0, 4096), st.integers(0, 64),
                     st.binary(max_size=64)).map(
        lambda t: t[0][:t[1]] + t[3] + t[0][t[1] + t[2]:])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=512), _mutations(fuzz_xml)))
def test_hypothesis_xml_target(data):
    fuzz_xml.test_one_input(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=512), _mutations(fuzz_auth)))
def test_hypothesis_auth_target(data):
    fuzz_auth.test_one_input(data)


NOW_HTTP = "Wed, 01 Jan 2025 12:00:00 GMT"
FOUND = {
    # SigV2 header with a header value that is not UTF-8 (UnicodeEncodeError signing it)
    "sigv2-non-utf8-header": (f"GET /b/k HTTP/1.1\r\nHost: h\r\nDate: {NOW_HTTP}\r\n".encode()
                              + b"x-amz-meta-a: \xff\r\nAuthorization: AWS test:abc\r\n\r\n"),
    # SigV2 signature that is not ASCII (TypeError in hmac.compare_digest)
    "sigv2-non-ascii-signature": (f"GET /b/k HTTP/1.1\r\nHost: h\r\nDate: {NOW_HTTP}\r\n".encode()
                                  + "Authorization: AWS test:é\r\n\r\n".encode()),
    # SigV4 with a non-UTF-8 signed header and a non-ASCII signature
    "sigv4-non-utf8": (b"GET /b/k HTTP/1.1\r\nHost: h\r\nx-amz-date: 20250101T120000Z\r\n"
                       b"x-amz-content-sha256: UNSIGNED-PAYLOAD\r\nx-amz-meta-a: \xca\r\n"
                       b"Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-\xca/s3/aws4_request, "
                       b"SignedHeaders=host;x-amz-meta-a, Signature=\xc3\xa9\r\n\r\n"),
    # a Date whose year overflows datetime (OverflowError), SigV2 and SigV4
    "sigv2-date-overflow": (b"GET /b/k HTTP/1.1\r\nHost: h\r\nDate: Wed, 01 Jan 99999999999 12:00:00 GMT\r\n"
                            b"Authorization: AWS test:abc\r\n\r\n"),
    "sigv4-date-overflow": (b"GET /b/k HTTP/1.1\r\nHost: h\r\nDate: Wed, 01 Jan 99999999999 12:00:00 GMT\r\n"
                            b"Authorization: AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/s3/aws4_request, "
                            b"SignedHeaders=host, Signature=ab\r\n\r\n"),
    # SigV2 presigned URL with an Expires far in the past (datetime.fromtimestamp overflow)
    "sigv2-expires-negative": (b"GET /b/k?AWSAccessKeyId=test&Signature=x&Expires=-99999999999999999 HTTP/1.1\r\n"
                               b"Host: h\r\n\r\n"),
}


@pytest.mark.parametrize("data", FOUND.values(), ids=FOUND.keys())
def test_inputs_the_fuzzer_found(data):
    fuzz_auth.test_one_input(data)
