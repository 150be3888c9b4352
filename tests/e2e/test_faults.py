"""Fault injection against a live server with boto3: each fault kind as a client meets it (S3's
error bodies, retries that recover, a reset connection, a cut body resumed by a ranged GET, a
stalled upload that times the client out, a write stored though the client was told 500), the
rules set at run time, from the environment and in every worker, and marked in the logs."""

from __future__ import annotations

import json
import logging
import os
import uuid

import pytest
from botocore.exceptions import (ClientError, ConnectionClosedError, IncompleteReadError,
                                 ReadTimeoutError, ResponseStreamingError)

from s3mock.errors import ERRORS
from support import client, start_server
from tests.e2e.browser_helpers import pattern
from tests.e2e.signing import error_of, send

# A short body: urllib3 says so mid-read, botocore at the end (the bytes counted short).
SHORT = (ResponseStreamingError, IncompleteReadError)
STRICT = ("--auth", "strict") if os.environ.get("S3MOCK_TEST_AUTH") == "strict" else ()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    """A server of this module's own: its rules never reach the session's other tests."""
    server = start_server(tmp_path_factory.mktemp("faults-data"), *STRICT)
    yield server
    server.stop()


def faults_call(server, method: str, body: object = None, rule_id: str = "") -> tuple[int, dict]:
    """/_s3mock/faults, signed by the default user (strict mode wants that)."""
    data = b"" if body is None else json.dumps(body).encode()
    resp, _ = send(server, method, "/_s3mock/faults" + (f"/{rule_id}" if rule_id else ""),
                   body=data)
    return resp.status_code, resp.json()


@pytest.fixture
def faults(srv):
    """Add rules (returns them with ids); every rule is removed after the test."""
    def add(*rules: dict) -> list[dict]:
        status, answer = faults_call(srv, "POST", list(rules))
        assert status == 200, answer
        return answer["rules"]
    yield add
    assert faults_call(srv, "DELETE")[0] == 200


def rules(server) -> list[dict]:
    status, answer = faults_call(server, "GET")
    assert status == 200
    return answer["rules"]


@pytest.fixture
def s3(srv):
    return client(srv.endpoint, retries={"mode": "standard", "max_attempts": 5})


@pytest.fixture
def once(srv):
    """A client that never retries: it shows the fault itself."""
    return client(srv.endpoint, retries={"mode": "standard", "total_max_attempts": 1})


@pytest.fixture
def bucket(s3) -> str:
    name = f"f-{uuid.uuid4().hex[:16]}"
    s3.create_bucket(Bucket=name)
    return name


def test_standard_retries_recover_from_slowdown(s3, bucket, faults, srv):
    faults({"op": "PutObject", "bucket": bucket, "error": "SlowDown", "times": 2})
    answer = s3.put_object(Bucket=bucket, Key="k", Body=b"data")
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"data"
    (rule,) = rules(srv)
    assert (rule["seen"], rule["fired"]) == (3, 2)


def test_slowdown_is_s3s_answer(srv, bucket, faults):
    faults({"op": "GetObject", "bucket": bucket, "error": "SlowDown"})
    resp, _ = send(srv, "GET", f"/{bucket}/missing")
    assert resp.status_code == 503
    # S3 sends no Retry-After and closes the connection (a recorded SlowDown's headers:
    # pingcap/tiflash#10538).
    assert "Retry-After" not in resp.headers and resp.headers["Connection"] == "close"
    assert error_of(resp) == [("Code", "SlowDown"), ("Message", "Please reduce your request rate."),
                              ("Resource", f"/{bucket}/missing")]


@pytest.mark.parametrize("code", ["ServiceUnavailable", "InternalError", "RequestTimeout",
                                  "ExpiredToken", "AccessDenied", "NoSuchKey"])
def test_injected_errors_carry_the_tables_status_and_message(once, bucket, faults, code):
    faults({"op": "HeadBucket", "bucket": bucket, "error": code},
           {"op": "ListObjectsV2", "bucket": bucket, "error": code})
    err = pytest.raises(ClientError, once.list_objects_v2, Bucket=bucket).value.response
    assert err["ResponseMetadata"]["HTTPStatusCode"] == ERRORS[code][0]
    assert (err["Error"]["Code"], err["Error"]["Message"]) == (code, ERRORS[code][1])


def test_a_rule_matches_only_its_key_glob_and_method(s3, once, bucket, faults, srv):
    faults({"bucket": bucket, "key": "logs/*", "method": "PUT", "error": "InternalError"})
    once.put_object(Bucket=bucket, Key="data/a", Body=b"a")
    with pytest.raises(ClientError, match="InternalError"):
        once.put_object(Bucket=bucket, Key="logs/a", Body=b"a")
    assert once.head_object(Bucket=bucket, Key="data/a")["ContentLength"] == 1   # HEAD: no match
    (rule,) = rules(srv)
    assert (rule["seen"], rule["fired"]) == (1, 1)


def test_every_nth_request_fails(once, bucket, faults):
    faults({"op": "HeadBucket", "bucket": bucket, "every": 3, "error": "ServiceUnavailable"})
    outcomes = []
    for _ in range(7):
        try:
            once.head_bucket(Bucket=bucket)
            outcomes.append(200)
        except ClientError as e:
            outcomes.append(e.response["ResponseMetadata"]["HTTPStatusCode"])
    assert outcomes == [200, 200, 503, 200, 200, 503, 200]


def test_standard_retries_recover_from_a_reset_connection(s3, once, bucket, faults, srv):
    s3.put_object(Bucket=bucket, Key="k", Body=b"kept")
    faults({"op": "GetObject", "bucket": bucket, "reset": True, "times": 1})
    answer = s3.get_object(Bucket=bucket, Key="k")
    assert answer["Body"].read() == b"kept" and answer["ResponseMetadata"]["RetryAttempts"] == 1
    faults({"op": "PutObject", "bucket": bucket, "reset": True, "times": 1, "id": "put-reset"})
    with pytest.raises(ConnectionClosedError):
        once.put_object(Bucket=bucket, Key="k", Body=b"never stored")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"kept"


def test_a_cut_body_is_resumed_by_a_ranged_get(s3, bucket, faults):
    data = pattern(300_000)
    s3.put_object(Bucket=bucket, Key="big", Body=data)
    faults({"op": "GetObject", "bucket": bucket, "key": "big", "cut": 100_000, "times": 1})
    got = bytearray()
    with pytest.raises(SHORT):
        for chunk in s3.get_object(Bucket=bucket, Key="big")["Body"].iter_chunks(8192):
            got += chunk
    assert len(got) == 100_000 and got == data[:100_000]
    rest = s3.get_object(Bucket=bucket, Key="big", Range=f"bytes={len(got)}-")
    assert rest["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert bytes(got) + rest["Body"].read() == data


def test_a_small_body_is_cut_too(s3, bucket, faults):
    s3.put_object(Bucket=bucket, Key="small", Body=b"0123456789")
    faults({"op": "GetObject", "bucket": bucket, "cut": 4, "times": 1})
    with pytest.raises(SHORT):
        s3.get_object(Bucket=bucket, Key="small")["Body"].read()


def test_a_stalled_upload_times_the_client_out(srv, once, s3, bucket, faults):
    faults({"op": "PutObject", "bucket": bucket, "stall": 60})
    impatient = client(srv.endpoint, retries={"mode": "standard", "total_max_attempts": 1},
                       read_timeout=1, connect_timeout=2)
    with pytest.raises(ReadTimeoutError):
        impatient.put_object(Bucket=bucket, Key="stalled", Body=b"x" * 50_000)
    with pytest.raises(ClientError, match="404"):
        s3.head_object(Bucket=bucket, Key="stalled")


def test_fail_after_the_write_leaves_the_object_stored(once, s3, bucket, faults):
    faults({"op": "PutObject", "bucket": bucket, "fail_after": True, "times": 1})
    with pytest.raises(ClientError) as exc:
        once.put_object(Bucket=bucket, Key="written", Body=b"stored anyway")
    assert exc.value.response["Error"]["Code"] == "InternalError"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert s3.get_object(Bucket=bucket, Key="written")["Body"].read() == b"stored anyway"


def test_latency_and_throttle_keep_the_answer_whole(s3, bucket, faults, srv):
    data = pattern(200_000)
    s3.put_object(Bucket=bucket, Key="paced", Body=data)
    faults({"op": "GetObject", "bucket": bucket, "latency": [0.01, 0.05], "throttle": 1_000_000},
           {"op": "HeadObject", "bucket": bucket, "latency": 0.01})
    assert s3.get_object(Bucket=bucket, Key="paced")["Body"].read() == data
    small = s3.put_object(Bucket=bucket, Key="tiny", Body=b"tiny")
    assert s3.get_object(Bucket=bucket, Key="tiny")["Body"].read() == b"tiny"
    assert s3.head_object(Bucket=bucket, Key="tiny")["ETag"] == small["ETag"]
    assert [(r["seen"], r["fired"]) for r in rules(srv)] == [(2, 2), (1, 1)]


def test_the_request_log_names_the_fault(srv, once, bucket, faults):
    faults({"op": "HeadBucket", "bucket": bucket, "error": "SlowDown", "id": "slow-heads"})
    with pytest.raises(ClientError):
        once.head_bucket(Bucket=bucket)
    resp, _ = send(srv, "GET", "/_s3mock/requests", query="limit=5")
    logged = [r for r in resp.json()["requests"] if r["op"] == "HeadBucket"]
    assert logged[-1]["fault"] == "slow-heads:error=SlowDown" and logged[-1]["status"] == 503


def test_the_access_log_names_the_fault(caplog):
    from s3mock.testing import running
    with running(access_log=True) as server, caplog.at_level(logging.INFO, "s3mock.access"):
        s3 = server.client(retries={"mode": "standard", "total_max_attempts": 1})
        s3.create_bucket(Bucket="logged")
        server.add_faults(op="ListObjectsV2", error="InternalError", id="broken-list")
        with pytest.raises(ClientError):
            s3.list_objects_v2(Bucket="logged")
        s3.head_bucket(Bucket="logged")
    lines = [r.getMessage() for r in caplog.records if r.name == "s3mock.access"]
    (listed,) = [line for line in lines if "op=ListObjectsV2" in line]
    assert listed.endswith(" fault=broken-list:error=InternalError") and "status=500" in listed
    assert not any("fault=" in line for line in lines if "op=HeadBucket" in line)


def test_rules_from_the_environment_apply_from_the_start(tmp_path):
    rule = {"op": "ListBuckets", "error": "ServiceUnavailable", "times": 1}
    server = start_server(tmp_path, *STRICT, env={"S3MOCK_FAULTS": json.dumps([rule])})
    try:
        s3 = client(server.endpoint, retries={"mode": "standard", "max_attempts": 3})
        assert s3.list_buckets()["ResponseMetadata"]["RetryAttempts"] == 1
        assert [(r["id"], r["seen"], r["fired"]) for r in rules(server)] == [("1", 2, 1)]
    finally:
        server.stop()


def test_rules_apply_in_every_worker_with_shared_counts(tmp_path):
    """Each client below opens new connections, which the kernel spreads over both workers."""
    server = start_server(tmp_path, *STRICT, "--workers", "2")
    try:
        s3 = client(server.endpoint)
        s3.create_bucket(Bucket="shared")
        faults_call(server, "POST", {"op": "HeadBucket", "times": 5, "error": "InternalError"})
        failed = 0
        for _ in range(16):
            fresh = client(server.endpoint, retries={"mode": "standard", "total_max_attempts": 1})
            try:
                fresh.head_bucket(Bucket="shared")
            except ClientError:
                failed += 1
        assert failed == 5
        assert [(r["seen"], r["fired"]) for r in rules(server)] == [(16, 5)]
    finally:
        server.stop()
