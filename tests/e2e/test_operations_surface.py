"""The operating surface through the real command line: configuration precedence and one-line
errors, seed buckets (ACL, CORS, no clobbering across restarts), AWS_ENDPOINT_URL, health, reset,
the LocalStack and MinIO health paths, draining on SIGTERM/SIGINT, and the access log."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from botocore.exceptions import ClientError

from support import client

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
CORS_XML = ("<CORSConfiguration><CORSRule><ID>uploads-rule</ID><AllowedOrigin>http://app.test"
            "</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod>"
            "<AllowedHeader>*</AllowedHeader><MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>"
            "</CORSConfiguration>")
WAIT = 20.0                          # bound of every wait on the server


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("S3MOCK_", "AWS_"))}
    env.update(extra)
    return env


@dataclass
class Launched:
    """`python -m s3mock` with its output (stdout and stderr) collected line by line."""
    proc: subprocess.Popen
    lines: queue.Queue
    seen: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_line(self, pred, timeout: float = WAIT) -> str:
        """The first line not yet read that satisfies pred (bounded)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
            if pred(line):
                return line
        raise AssertionError("no such line; output so far:\n" + "".join(self.seen))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        return self.proc.wait(timeout=WAIT)


def launch(data_dir: Path, *args: str, env: dict[str, str] | None = None,
           port_flag: bool = True) -> Launched:
    cmd = [sys.executable, "-m", "s3mock", "--data-dir", str(data_dir), *args]
    if port_flag:
        cmd += ["--host", "127.0.0.1", "--port", "0"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env if env is not None else clean_env())
    lines: queue.Queue = queue.Queue()

    def pump() -> None:
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)
    threading.Thread(target=pump, daemon=True).start()
    srv = Launched(proc, lines)
    try:
        srv.wait_line(lambda line: line.strip() == "Ready.")
    except AssertionError:
        proc.kill()
        raise
    srv.port = int(re.search(r"serving http://127\.0\.0\.1:(\d+)", "".join(srv.seen)).group(1))
    return srv


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 30) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "s3mock", *args], capture_output=True, text=True,
                          env=env if env is not None else clean_env(), cwd=cwd, timeout=timeout)


def http(method: str, url: str, headers: dict | None = None, data: bytes | None = None):
    """(status, headers, body) without raising on error statuses, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with opener.open(req, timeout=WAIT) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def signed(method: str, url: str, access_key: str, secret_key: str) -> dict[str, str]:
    """Headers of a SigV4-signed request with an empty body, as botocore signs S3 requests."""
    req = botocore.awsrequest.AWSRequest(method=method, url=url, data=b"")
    botocore.auth.S3SigV4Auth(botocore.credentials.Credentials(access_key, secret_key), "s3",
                              "us-east-1").add_auth(req)
    return dict(req.headers.items())


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    """One lenient server (text logs) shared by this module's read-mostly tests."""
    s = launch(tmp_path_factory.mktemp("surface"))
    yield s
    s.stop()


@pytest.fixture
def name() -> str:
    return f"ops-{uuid.uuid4().hex[:16]}"


# configuration


def test_flags_beat_env_beat_config_file(tmp_path):
    cfg = tmp_path / "s3mock.toml"
    cfg.write_text('[s3mock]\nregion = "eu-west-1"\naccess-key = "filekey"\nsecret-key = "filesecret"\n'
                   'auth = "strict"\n')
    env = clean_env(S3MOCK_CONFIG=str(cfg), S3MOCK_REGION="eu-west-2", S3MOCK_ACCESS_KEY="envkey",
                    S3MOCK_SECRET_KEY="envsecret")
    s = launch(tmp_path / "data", "--region", "ap-south-1", env=env)
    try:
        banner = "".join(s.seen)
        assert "region: ap-south-1  auth: strict" in banner          # flag > env; file's auth
        assert "access key: envkey" in banner and "secret key: envsecret" in banner   # env > file
        # the ARN a bucket policy names the user by (auth/identity.py)
        from s3mock.config import make_user
        assert f"accounts: envkey {make_user('envkey', 'envsecret').arn}" in banner
        # strict mode really uses the environment's keys: they work, the file's do not
        good = boto3.client("s3", endpoint_url=s.endpoint, aws_access_key_id="envkey",
                            aws_secret_access_key="envsecret", region_name="ap-south-1")
        assert good.list_buckets()["Buckets"] == []
        bad = boto3.client("s3", endpoint_url=s.endpoint, aws_access_key_id="filekey",
                           aws_secret_access_key="filesecret", region_name="ap-south-1")
        with pytest.raises(ClientError) as e:
            bad.list_buckets()
        assert e.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    finally:
        assert s.stop() == 0


@pytest.mark.parametrize("setup,mentions", [
    ({"env": {"S3MOCK_BUCKETS": "uploads:public-writes"}}, ("public-writes", "uploads")),
    ({"env": {"S3MOCK_BUCKETS": "Bad_Name"}}, ("Bad_Name",)),
    ({"toml": '[[buckets]]\nname = "uploads"\ncors = "<CORSConfiguration><CORSRule>'
              '<AllowedOrigin>*</AllowedOrigin><AllowedMethod>PATCH</AllowedMethod></CORSRule>'
              '</CORSConfiguration>"\n'}, ("uploads", "PATCH")),
    ({"toml": '[[buckets]]\nname = "uploads"\ncors = "nope.xml"\n'}, ("uploads", "nope.xml")),
    ({"toml": 'buckets = [{ name = "uploads", cors = { CORSRules = "x" } }]\n'}, ("uploads", "CORS")),
    ({"toml": "prt = 9000\n"}, ("prt",)),
    ({"args": ("--port", "abc")}, ("--port", "abc")),
    ({"args": ("--log-format", "yaml")}, ("--log-format", "yaml")),
], ids=["acl", "bucket-name", "cors-method", "cors-file", "cors-json", "unknown-key", "flag-type",
        "flag-choice"])
def test_invalid_configuration_is_one_line_and_exit_2(tmp_path, setup, mentions):
    args = list(setup.get("args", ()))
    if "toml" in setup:
        (tmp_path / "s3mock.toml").write_text(setup["toml"])
        args += ["--config", str(tmp_path / "s3mock.toml")]
    data = tmp_path / "data"
    proc = run_cli("--data-dir", str(data), "--port", "0", *args, env=clean_env(**setup.get("env", {})))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("s3mock: ") and proc.stderr.count("\n") == 1, proc.stderr
    for m in mentions:
        assert m in proc.stderr
    assert not data.exists()                 # refused before anything was created


def test_readme_config_example_seeds_its_buckets():
    from s3mock.config import load
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (block,) = [b for b in re.findall(r"^```toml\n(.*?)^```", readme, flags=re.S | re.M)
                if "[s3mock]" in b]         # the settings example (not Fault injection's rules)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"readme-{uuid.uuid4().hex}.toml"
    path.write_text(block)
    try:
        s = load({"config": str(path)}, environ={})
    finally:
        path.unlink()
    assert [(b.name, b.acl) for b in s.buckets] == [("uploads", "public-read"), ("private-data", None)]
    assert all(b.cors and b.cors.startswith(b"<?xml") for b in s.buckets)


# seed buckets


def bucket_acl(s3, bucket: str) -> set[tuple[str, str]]:
    grants = s3.get_bucket_acl(Bucket=bucket)["Grants"]
    return {(g["Grantee"].get("URI") or g["Grantee"].get("ID"), g["Permission"]) for g in grants}


def test_seed_buckets_with_acl_and_cors_never_clobber(tmp_path):
    (tmp_path / "cors.json").write_text(json.dumps({"CORSRules": [
        {"AllowedOrigins": ["http://assets.test"], "AllowedMethods": ["GET"], "ExposeHeaders": ["ETag"]}]}))
    cfg = tmp_path / "s3mock.toml"
    cfg.write_text("[[s3mock.buckets]]\nname = \"uploads\"\nacl = \"public-read\"\n"
                   f"cors = '{CORS_XML}'\n"
                   "[[s3mock.buckets]]\nname = \"assets\"\ncors = \"cors.json\"\n")
    data = tmp_path / "data"
    s = launch(data, "--config", str(cfg), "--user", "alice:alice-secret")
    try:
        assert "  buckets: uploads (created), assets (created)\n" in s.seen
        s3 = client(s.endpoint)
        listed = s3.list_buckets()
        assert sorted(b["Name"] for b in listed["Buckets"]) == ["assets", "uploads"]
        owner = listed["Owner"]["ID"]                               # the default user's
        assert s3.get_bucket_acl(Bucket="uploads")["Owner"]["ID"] == owner
        assert bucket_acl(s3, "uploads") == {(owner, "FULL_CONTROL"), (ALL_USERS, "READ")}
        assert bucket_acl(s3, "assets") == {(owner, "FULL_CONTROL")}
        rules = s3.get_bucket_cors(Bucket="uploads")["CORSRules"]
        assert rules == [{"ID": "uploads-rule", "AllowedHeaders": ["*"], "AllowedMethods": ["PUT", "GET"],
                          "AllowedOrigins": ["http://app.test"], "MaxAgeSeconds": 60}]
        assert s3.get_bucket_cors(Bucket="assets")["CORSRules"] == [
            {"AllowedMethods": ["GET"], "AllowedOrigins": ["http://assets.test"], "ExposeHeaders": ["ETag"]}]

        # the ACL is enforced: anonymous may list the public-read bucket only
        assert http("GET", f"{s.endpoint}/uploads")[0] == 200
        assert http("GET", f"{s.endpoint}/assets")[0] == 403
        # the CORS configuration answers preflights
        status, headers, _ = http("OPTIONS", f"{s.endpoint}/uploads/x.txt", {
            "Origin": "http://app.test", "Access-Control-Request-Method": "PUT"})
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "http://app.test"

        s3.put_object(Bucket="uploads", Key="keep.txt", Body=b"kept across restarts")
        s3.put_object(Bucket="assets", Key="logo.svg", Body=b"<svg/>")
        s3.put_bucket_cors(Bucket="assets", CORSConfiguration={"CORSRules": [
            {"AllowedOrigins": ["http://api.test"], "AllowedMethods": ["PUT"]}]})
    finally:
        assert s.stop() == 0

    # Restart with S3MOCK_BUCKETS (it replaces the file's list): uploads now private and without a
    # CORS entry, assets without entries, one new bucket.
    env = clean_env(S3MOCK_BUCKETS="uploads:private, assets, new-bucket:public-read-write")
    s = launch(data, "--config", str(cfg), env=env)
    try:
        assert "  buckets: uploads, assets, new-bucket (created)\n" in s.seen
        s3 = client(s.endpoint)
        assert s3.get_object(Bucket="uploads", Key="keep.txt")["Body"].read() == b"kept across restarts"
        assert s3.get_object(Bucket="assets", Key="logo.svg")["Body"].read() == b"<svg/>"
        assert bucket_acl(s3, "uploads") == {(owner, "FULL_CONTROL")}            # the entry's ACL wins
        assert http("GET", f"{s.endpoint}/uploads")[0] == 403
        assert s3.get_bucket_cors(Bucket="uploads")["CORSRules"][0]["ID"] == "uploads-rule"   # kept
        assert s3.get_bucket_cors(Bucket="assets")["CORSRules"] == [                # set by the API: kept
            {"AllowedMethods": ["PUT"], "AllowedOrigins": ["http://api.test"]}]
        assert bucket_acl(s3, "new-bucket") == {(owner, "FULL_CONTROL"), (ALL_USERS, "READ"),
                                                (ALL_USERS, "WRITE")}
    finally:
        assert s.stop() == 0


# conventions: AWS_ENDPOINT_URL, default region


@pytest.mark.parametrize("variable", ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"])
def test_sdk_reads_the_printed_endpoint_from_the_environment(srv, monkeypatch, tmp_path, name, variable):
    printed = re.search(r"serving (http://\S+) from", "".join(srv.seen)).group(1)
    for var in [v for v in os.environ if v.startswith("AWS_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv(variable, printed)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    s3 = boto3.session.Session().client("s3")          # no endpoint_url, no region
    assert s3.meta.endpoint_url == printed
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"via env")
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"via env"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None    # us-east-1


# health


def test_health_endpoint_json(srv):
    status, headers, body = http("GET", f"{srv.endpoint}/_s3mock/health")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    data = json.loads(body)
    from s3mock import __version__
    assert data["status"] == "ok" and data["version"] == __version__
    assert isinstance(data["uptime"], (int, float)) and data["uptime"] >= 0
    assert Path(data["data_dir"]).name.startswith("surface")


def test_health_command(srv, tmp_path):
    ok = run_cli("health", "--endpoint", srv.endpoint)
    assert ok.returncode == 0 and ok.stdout.startswith("healthy: s3mock ") and ok.stderr == ""
    # without --endpoint: from S3MOCK_HOST / S3MOCK_PORT, 0.0.0.0 meaning this machine
    by_env = run_cli("health", env=clean_env(S3MOCK_HOST="0.0.0.0", S3MOCK_PORT=str(srv.port)))
    assert by_env.returncode == 0, by_env.stderr
    # something answers, but not s3mock's health: unhealthy
    wrong = run_cli("health", "--endpoint", f"{srv.endpoint}/some-bucket")
    assert wrong.returncode == 1 and wrong.stderr.count("\n") == 1 and "HTTP 404" in wrong.stderr


def test_health_command_when_nothing_answers(tmp_path):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    refused = run_cli("health", "--port", str(port))
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith("s3mock health: ") and refused.stderr.count("\n") == 1
    # a port that accepts connections but never answers: the bounded timeout ends the check
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        hung = run_cli("health", "--endpoint", f"http://127.0.0.1:{silent.getsockname()[1]}")
    assert hung.returncode == 1 and "timed out" in hung.stderr and hung.stderr.count("\n") == 1


def test_localstack_and_minio_health_paths(srv):
    status, headers, body = http("GET", f"{srv.endpoint}/_localstack/health")
    assert status == 200 and json.loads(body)["services"]["s3"] == "running"
    assert http("HEAD", f"{srv.endpoint}/_localstack/health")[0] == 200
    status, _, body = http("GET", f"{srv.endpoint}/minio/health/live")
    assert status == 200 and body == b""
    assert http("HEAD", f"{srv.endpoint}/minio/health/live")[0] == 200


# reset


def fill(s3, bucket: str) -> str:
    s3.create_bucket(Bucket=bucket)
    for i in range(3):
        s3.put_object(Bucket=bucket, Key=f"k{i}", Body=b"x" * i)
    return s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]


def test_reset_empties_buckets_lenient(srv, name):
    s3 = client(srv.endpoint)
    fill(s3, name)
    s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["*"], "AllowedMethods": ["GET"]}]})
    status, _, body = http("POST", f"{srv.endpoint}/_s3mock/reset")     # unsigned: fine when lenient
    assert status == 200
    result = json.loads(body)
    assert result["status"] == "ok" and result["objects_deleted"] >= 3 and result["uploads_aborted"] >= 1
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]   # the bucket stays ...
    assert s3.list_objects_v2(Bucket=name)["KeyCount"] == 0            # ... empty
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    assert s3.get_bucket_cors(Bucket=name)["CORSRules"]                # its configuration stays

    status, _, body = http("POST", f"{srv.endpoint}/_s3mock/reset?delete-buckets")
    assert status == 200 and name in json.loads(body)["buckets_deleted"]
    assert s3.list_buckets()["Buckets"] == []


def test_reset_empties_a_versioned_bucket_of_every_version(srv, name):
    s3 = client(srv.endpoint)
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"1", b"2"):
        s3.put_object(Bucket=name, Key="k", Body=body)
    s3.delete_object(Bucket=name, Key="gone")
    status, _, body = http("POST", f"{srv.endpoint}/_s3mock/reset")
    assert status == 200 and json.loads(body)["objects_deleted"] == 3
    r = s3.list_object_versions(Bucket=name)
    assert "Versions" not in r and "DeleteMarkers" not in r
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"    # configuration stays
    s3.delete_bucket(Bucket=name)


def test_reset_requires_the_owner_in_strict_mode(tmp_path):
    s = launch(tmp_path / "data", "--auth", "strict", "--user", "alice:alice-secret",
               env=clean_env(S3MOCK_BUCKETS="seeded"))
    try:
        s3 = client(s.endpoint)
        fill(s3, "other")
        s3.put_object(Bucket="seeded", Key="k", Body=b"v")
        url = f"{s.endpoint}/_s3mock/reset?delete-buckets"
        for headers in ({}, signed("POST", url, "alice", "alice-secret")):
            status, _, body = http("POST", url, headers)
            assert status == 403 and b"<Code>AccessDenied</Code>" in body
        status, _, body = http("POST", url, signed("POST", url, "test", "wrong-secret"))
        assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
        assert s3.list_objects_v2(Bucket="other")["KeyCount"] == 3       # nothing was touched

        status, _, body = http("POST", url, signed("POST", url, "test", "test"))
        assert status == 200 and json.loads(body)["buckets_deleted"] == ["other"]
        assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["seeded"]
        assert s3.list_objects_v2(Bucket="seeded")["KeyCount"] == 0
    finally:
        assert s.stop() == 0


# shutdown


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_drains_an_upload_in_flight(tmp_path, sig):
    data_dir = tmp_path / "data"
    s = launch(data_dir)
    body = os.urandom(256 * 1024)
    try:
        s3 = client(s.endpoint)
        s3.create_bucket(Bucket="drain")
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "drain", "Key": "slow.bin"})
        target = url[len(s.endpoint):]
        conn = socket.create_connection(("127.0.0.1", s.port), timeout=WAIT)
        conn.sendall((f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n"
                      f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n").encode())
        assert conn.recv(1024).startswith(b"HTTP/1.1 100 Continue")      # the handler is running
        conn.sendall(body[: len(body) // 2])
        s.proc.send_signal(sig)
        s.wait_line(lambda line: "stopping: draining" in line)
        deadline = time.monotonic() + WAIT                                # the listener is closed ...
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", s.port), timeout=1).close()
            except ConnectionRefusedError:
                break
            time.sleep(0.02)
        else:
            raise AssertionError("the server still accepts connections")
        conn.sendall(body[len(body) // 2:])                               # ... the upload completes
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = conn.recv(65536)
            assert chunk, reply
            reply += chunk
        conn.close()
        assert reply.startswith(b"HTTP/1.1 200 ")
        assert f'ETag: "{hashlib.md5(body).hexdigest()}"'.encode() in reply
        assert s.proc.wait(timeout=WAIT) == 0
    finally:
        s.stop(signal.SIGKILL)

    again = launch(data_dir)
    try:
        assert client(again.endpoint).get_object(Bucket="drain", Key="slow.bin")["Body"].read() == body
    finally:
        assert again.stop() == 0


# access log


TEXT_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?P<method>[A-Z]+) (?P<path>\S+) "
                       r"op=(?P<op>\S+) status=(?P<status>\d+) bytes=(?P<bytes>\d+) ms=(?P<ms>[\d.]+) "
                       r"principal=(?P<principal>\S+) cors=(?P<cors>\S+) id=(?P<request_id>\w+)$")


def parse_text(line: str) -> dict | None:
    m = TEXT_LINE.match(line.rstrip("\n"))
    return m.groupdict() if m else None


def parse_json(line: str) -> dict | None:
    if not line.startswith("{"):
        return None
    fields = json.loads(line)
    return fields if "method" in fields else None


def traffic(endpoint: str, bucket: str) -> dict[str, str]:
    """Requests with known log fields; returns label -> request id where the client sees one."""
    s3 = client(endpoint)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["http://nope.test"], "AllowedMethods": ["PUT"]},
        {"AllowedOrigins": ["http://app.test"], "AllowedMethods": ["GET"]}]})
    ids = {"put": s3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")
           ["ResponseMetadata"]["RequestId"]}
    status, h, body = http("GET", f"{endpoint}/{bucket}/hello.txt", {"Origin": "http://app.test"})
    assert status == 403                      # anonymous, private object: refused, CORS headers kept
    ids["anonymous"] = h["x-amz-request-id"]
    ids["signed-get"] = s3.get_object(Bucket=bucket, Key="hello.txt")["ResponseMetadata"]["RequestId"]
    status, h, _ = http("OPTIONS", f"{endpoint}/{bucket}/hello.txt",
                        {"Origin": "http://evil.test", "Access-Control-Request-Method": "GET"})
    assert status == 403
    ids["preflight"] = h["x-amz-request-id"]
    status, h, _ = http("HEAD", f"{endpoint}/{bucket}/hello.txt", {"Origin": "http://other.test"})
    ids["head-no-rule"] = h["x-amz-request-id"]
    # an operation s3mock does not have: named, and its caller's refusal or NotImplemented logged
    status, h, _ = http("GET", f"{endpoint}/{bucket}/hello.txt?retention")
    assert status == 403
    ids["unimplemented-anonymous"] = h["x-amz-request-id"]
    with pytest.raises(ClientError) as e:
        s3.get_object_retention(Bucket=bucket, Key="hello.txt")
    assert e.value.response["Error"]["Code"] == "NotImplemented"
    ids["unimplemented"] = e.value.response["ResponseMetadata"]["RequestId"]
    # virtual-host style (through the server as proxy: <bucket>.localhost needs no DNS)
    port = endpoint.rsplit(":", 1)[1]
    vs3 = client(f"http://localhost:{port}", s3={"addressing_style": "virtual"}, proxies={"http": endpoint})
    ids["virtual-put"] = vs3.put_object(Bucket=bucket, Key="hello.txt", Body=b"hello")[
        "ResponseMetadata"]["RequestId"]
    up = vs3.create_multipart_upload(Bucket=bucket, Key="hello.txt")["UploadId"]
    ids["virtual-part"] = vs3.upload_part(Bucket=bucket, Key="hello.txt", UploadId=up, PartNumber=1,
                                          Body=b"hello")["ResponseMetadata"]["RequestId"]
    vs3.abort_multipart_upload(Bucket=bucket, Key="hello.txt", UploadId=up)
    ids["virtual-list"] = vs3.list_objects_v2(Bucket=bucket)["ResponseMetadata"]["RequestId"]
    return ids


EXPECTED = {   # label -> (method, op, status, bytes, principal, cors); bytes None: any
    "put": ("PUT", "PutObject", "200", "0", "test", "n/a"),
    "anonymous": ("GET", "GetObject", "403", None, "anonymous", "rule:1"),
    "signed-get": ("GET", "GetObject", "200", "5", "test", "n/a"),
    "preflight": ("OPTIONS", "Preflight", "403", None, "-", "refused"),
    "head-no-rule": ("HEAD", "HeadObject", "403", "0", "anonymous", "none"),
    "unimplemented-anonymous": ("GET", "GetObjectRetention", "403", None, "anonymous", "n/a"),
    "unimplemented": ("GET", "GetObjectRetention", "501", None, "test", "n/a"),
    "virtual-put": ("PUT", "PutObject", "200", "0", "test", "n/a"),
    "virtual-part": ("PUT", "UploadPart", "200", "0", "test", "n/a"),
    "virtual-list": ("GET", "ListObjectsV2", "200", None, "test", "n/a"),
}
PATHS = {"virtual-list": ""}     # label -> the path after /bucket (the rest: /hello.txt)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_access_log_one_line_per_request(tmp_path, fmt, name):
    s = launch(tmp_path / "data", "--log-format", fmt)
    parse = parse_json if fmt == "json" else parse_text
    try:
        ids = traffic(s.endpoint, name)
        by_id: dict[str, dict] = {}
        for label in EXPECTED:
            line = s.wait_line(lambda ln: (f := parse(ln)) is not None and f["request_id"] == ids[label])
            by_id[label] = parse(line)
        for label, (method, op, status, size, principal, cors) in EXPECTED.items():
            f = by_id[label]
            assert str(f["status"]) == status, (label, f)
            assert (f["method"], f["op"], f["principal"], f["cors"]) == (method, op, principal, cors), (label, f)
            assert f["path"] == f"/{name}" + PATHS.get(label, "/hello.txt"), (label, f)
            if size is not None:
                assert str(f["bytes"]) == size, (label, f)
            assert float(f["ms"]) >= 0
        if fmt == "json":
            assert set(by_id["put"]) == {"time", "method", "path", "op", "status", "bytes", "ms",
                                         "principal", "cors", "request_id"}
            assert isinstance(by_id["put"]["status"], int) and isinstance(by_id["put"]["ms"], float)
    finally:
        assert s.stop() == 0
    # every request got exactly one line (the rest of the output is read once the server exited)
    while (line := s.lines.get(timeout=WAIT)) is not None:
        s.seen.append(line)
    ids_logged = [f["request_id"] for f in map(parse, s.seen) if f is not None]
    assert all(ids_logged.count(i) == 1 for i in ids.values())
    if fmt == "json":     # every line is JSON, the other records too
        for line in s.seen[s.seen.index("Ready.\n") + 1:]:
            json.loads(line)


def test_download_abandoned_mid_body_is_one_line_not_a_traceback(tmp_path):
    """A browser cancelling a download closes the connection mid-body: the server says so in one
    line (no traceback: nothing went wrong on its side) and goes on serving."""
    s = launch(tmp_path / "data")
    try:
        s3 = client(s.endpoint)
        s3.create_bucket(Bucket="bkt")
        body = os.urandom(32 * 1024 * 1024)
        s3.put_object(Bucket="bkt", Key="big", Body=body)
        s3.put_object_acl(Bucket="bkt", Key="big", ACL="public-read")
        with socket.create_connection(("127.0.0.1", s.port), timeout=WAIT) as c:
            c.sendall(f"GET /bkt/big HTTP/1.1\r\nHost: 127.0.0.1:{s.port}\r\n\r\n".encode())
            got = 0
            while got < 1024 * 1024:
                got += len(c.recv(65536) or b"x" * (1024 * 1024))
        s.wait_line(lambda ln: "GET bkt/big: the client closed the connection" in ln)
        assert s3.get_object(Bucket="bkt", Key="big")["Body"].read() == body
        s.wait_line(lambda ln: "op=GetObject status=200" in ln and "principal=test" in ln)
    finally:
        assert s.stop() == 0
    while (line := s.lines.get(timeout=WAIT)) is not None:
        s.seen.append(line)
    assert not any("Traceback" in line or "failed mid-stream" in line for line in s.seen), s.seen
