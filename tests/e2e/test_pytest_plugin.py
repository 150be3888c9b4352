"""The pytest plugin (entry point `pytest11`) and s3mock.running(): the README's examples run as
they are, fixtures isolate tests, and the plugin costs nothing in a session that does not use it.

The README's pytest and running() examples are ```py blocks (not ```python, which test_readme.py
runs against its live server): they start their own server.
"""

from __future__ import annotations

import os
import re
import socket
import tomllib
import urllib.request
from importlib.metadata import entry_points
from pathlib import Path

import pytest

import s3mock
import s3mock.testing  # noqa: F401  imported once here: pytester's in-process runs
                     # drop the modules first imported inside them, which would leave two copies

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PY_BLOCKS = re.findall(r"^```py\n(.*?)^```", README, flags=re.S | re.M)
PLUGIN = "s3mock.pytest_plugin"


def plugin_args() -> list[str]:
    """-p s3mock.pytest_plugin unless the installed entry point loads it already."""
    installed = any(ep.value == PLUGIN for ep in entry_points(group="pytest11"))
    return ["-p", "no:cacheprovider"] + ([] if installed else ["-p", PLUGIN])


@pytest.fixture(autouse=True)
def inner_session(pytester, monkeypatch):
    """The inner sessions import s3mock from this checkout, with pytest-asyncio (from the test
    dependencies) configured as in pyproject.toml."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")


def block(marker: str) -> str:
    (code,) = [b for b in PY_BLOCKS if marker in b]
    return code


def test_entry_point_is_declared():
    with open(ROOT / "pyproject.toml", "rb") as f:
        project = tomllib.load(f)["project"]
    assert project["entry-points"]["pytest11"] == {"s3mock": PLUGIN}


def test_readme_pytest_example_runs_verbatim(pytester):
    pytester.makeconftest(block("def s3mock_options"))
    pytester.makepyfile(test_uploads=block("def test_upload"))
    result = pytester.runpytest_inprocess(*plugin_args())
    result.assert_outcomes(passed=2)


def test_readme_events_example_runs_verbatim(pytester):
    pytester.makepyfile(test_events=block("def test_a_csv_upload_is_announced"))
    result = pytester.runpytest_inprocess(*plugin_args())
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("auth", ["lenient", "strict"])
def test_events_fixture_sees_what_its_test_published(pytester, auth):
    pytester.makeconftest(f"""
        import pytest

        @pytest.fixture(scope="session")
        def s3mock_options():
            return {{"auth": "{auth}"}}
    """)
    pytester.makepyfile(test_events='''
        import asyncio
        import pytest
        from s3mock import event_outbox
        from s3mock.app import STORE
        from s3mock.testing import EventTimeout

        def publish(server, key):
            """As a handler publishes an event, on the server's loop."""
            message = {"Records": [{"eventName": "ObjectCreated:Put",
                                    "s3": {"bucket": {"name": "b"}, "object": {"key": key}}}]}
            async def run():
                event_outbox.publish(server._runner.app[STORE], [("arn:aws:sqs:us-east-1:1:q", message)])
            asyncio.run_coroutine_threadsafe(run(), server._loop).result(10)

        def test_first(s3mock_server, s3mock_events):
            publish(s3mock_server, "one")
            assert s3mock_events.wait("ObjectCreated:Put", key="one")["Records"][0]["s3"]["object"]["key"] == "one"

        def test_second_sees_only_its_own(s3mock_server, s3mock_events):
            with pytest.raises(EventTimeout, match="arrived: nothing"):
                s3mock_events.wait(key="one", timeout=0.2)
            publish(s3mock_server, "two")
            assert s3mock_events.wait(bucket="b")["Records"][0]["s3"]["object"]["key"] == "two"
    ''')
    result = pytester.runpytest_inprocess(*plugin_args())
    result.assert_outcomes(passed=2)


def test_readme_faults_example_runs_verbatim(pytester):
    pytester.makepyfile(test_readme_faults=block("def test_an_upload_survives_two_slowdowns"))
    result = pytester.runpytest_inprocess(*plugin_args())
    result.assert_outcomes(passed=3)


def test_fixtures_isolate_tests_and_share_one_server(pytester):
    pytester.makepyfile(test_isolation='''
        import urllib.request, json

        SEEN = []

        def test_first(s3_client, s3mock_server, s3mock_endpoint):
            assert s3mock_endpoint == s3mock_server.endpoint
            assert s3mock_endpoint.startswith("http://127.0.0.1:")
            SEEN.append(s3mock_endpoint)
            s3_client.create_bucket(Bucket="left-over")
            s3_client.put_object(Bucket="left-over", Key="k", Body=b"v")
            mpu = s3_client.create_multipart_upload(Bucket="left-over", Key="big")

        def test_second_starts_empty(s3_resource, s3mock_endpoint):
            assert SEEN == [s3mock_endpoint]                      # the same session server
            assert list(s3_resource.buckets.all()) == []
            opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
            with opener.open(s3mock_endpoint + "/_s3mock/health") as r:
                assert json.load(r)["status"] == "ok"

        def test_endpoint_alone_does_not_reset(s3mock_server, s3mock_endpoint):
            c = s3mock_server.client()
            c.create_bucket(Bucket="kept")

        def test_previous_bucket_is_still_there(s3mock_server):
            names = [b["Name"] for b in s3mock_server.client().list_buckets()["Buckets"]]
            assert names == ["kept"]

        def test_client_resets_again(s3_client):
            assert s3_client.list_buckets()["Buckets"] == []
    ''')
    result = pytester.runpytest_inprocess(*plugin_args())
    result.assert_outcomes(passed=5)


def test_plugin_costs_nothing_unless_used(pytester):
    pytester.makepyfile(test_plain='''
        import sys, threading

        def test_plain():
            assert "s3mock.pytest_plugin" in sys.modules          # the plugin is loaded ...
            assert "s3mock.testing" not in sys.modules            # ... but nothing behind it
            assert "s3mock.app" not in sys.modules
            assert not [t for t in threading.enumerate() if t.name == "s3mock-server"]
    ''')
    result = pytester.runpytest_subprocess(*plugin_args())
    result.assert_outcomes(passed=1)


def test_readme_running_example_runs_verbatim():
    exec(compile(block("s3mock.running("), "README.md running() example", "exec"), {"__name__": "__readme__"})


def test_running_context_manager(tmp_path):
    with s3mock.running(tmp_path / "data", buckets=["seeded:public-read"], region="eu-west-1",
                        access_key="AK", secret_key="SK", auth="strict") as server:
        assert (server.access_key, server.secret_key, server.region) == ("AK", "SK", "eu-west-1")
        assert server.endpoint == f"http://127.0.0.1:{server.port}"
        assert server.env == {"AWS_ENDPOINT_URL": server.endpoint, "AWS_ACCESS_KEY_ID": "AK",
                              "AWS_SECRET_ACCESS_KEY": "SK", "AWS_DEFAULT_REGION": "eu-west-1"}
        s3 = server.client()
        s3.put_object(Bucket="seeded", Key="a.txt", Body=b"alpha")
        # seeded public-read: anonymous may list it
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{server.endpoint}/seeded") as r:
            assert b"<Key>a.txt</Key>" in r.read()
        assert server.client().get_bucket_location(Bucket="seeded")["LocationConstraint"] == "eu-west-1"
        assert server.reset(delete_buckets=False) == {"objects_deleted": 1, "uploads_aborted": 0,
                                                      "buckets_deleted": []}
        assert s3.list_objects_v2(Bucket="seeded")["KeyCount"] == 0
        s3.put_object(Bucket="seeded", Key="b.txt", Body=b"beta")
        port = server.port
    # stopped: the port is closed, and the data is on disk for the next server
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    with s3mock.running(tmp_path / "data", buckets=["seeded"], access_key="AK", secret_key="SK") as again:
        assert again.client().get_object(Bucket="seeded", Key="b.txt")["Body"].read() == b"beta"


def test_running_without_data_dir_uses_a_temporary_one():
    with s3mock.running() as server:
        data_dir = server.data_dir
        assert data_dir.is_dir()
        server.client().create_bucket(Bucket="tmp-bucket")
    assert not data_dir.exists()


def test_running_rejects_invalid_settings():
    from s3mock.config import ConfigError
    with pytest.raises(ConfigError, match="public-writes"):
        with s3mock.running(buckets=["uploads:public-writes"]):
            pass


def test_running_access_log_goes_through_logging(caplog):
    caplog.set_level("INFO", logger="s3mock.access")
    with s3mock.running(access_log=True) as server:
        rid = server.client().list_buckets()["ResponseMetadata"]["RequestId"]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        opener.open(f"{server.endpoint}/_s3mock/health").close()
    records = [r for r in caplog.records if r.name == "s3mock.access"]
    mine = [r for r in records if r.access["request_id"] == rid]
    assert len(mine) == 1
    assert (mine[0].access["op"], mine[0].access["status"], mine[0].access["principal"]) == (
        "ListBuckets", 200, "test")
    assert mine[0].getMessage().startswith("GET / op=ListBuckets status=200 ")
    assert [r.access["path"] for r in records] == ["/", "/_s3mock/health"]
