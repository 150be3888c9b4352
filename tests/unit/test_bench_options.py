"""scripts/bench.py's scenario choice (--only: the named scenarios with those they read from, in
order), the order of a run's rounds, where the servers' data goes (--data-root) and which load
generator sends the small requests (--client), and --versioned buckets."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest
from aiohttp import web

_spec = importlib.util.spec_from_file_location(
    "bench", Path(__file__).resolve().parents[2] / "scripts" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
sys.modules["bench"] = bench          # dataclasses look their module up while it loads
_spec.loader.exec_module(bench)


def test_no_choice_runs_every_scenario():
    assert bench.chosen(None) == bench.SCENARIOS


@pytest.mark.parametrize("names,expected", [
    (["list"], ["list_pages"]),
    (["head"], ["put_small", "head_small"]),
    (["get-big", "put"], ["put_small", "put_big", "get_big"]),
    (["preflight", "get", "head"], ["put_small", "get_small", "head_small", "preflight"]),
])
def test_only_adds_what_a_scenario_reads(names, expected):
    assert [s.__name__ for s in bench.chosen(names)] == expected


def test_only_rejects_an_unknown_scenario(capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--only", "nonsense"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_rounds_run_each_scenario_on_both_servers_one_after_the_other(monkeypatch):
    """Each scenario on one server and then the other (the large PUT with its GET, which reads its
    object), the first server alternating by round; each server's state is its own."""
    calls = []

    def fake(name, reads=False):
        async def scenario(url, opts, state):
            if name == "put_big":
                state.big_bucket = f"{url}-object"
            calls.append((name, url, state.big_bucket if reads else ""))
            return bench.Result(name, 1, 1.0, 1.0, "ops/s")
        return scenario

    monkeypatch.setattr(bench, "put_big", fake("put_big"))
    monkeypatch.setattr(bench, "get_big", fake("get_big", reads=True))
    first, last = fake("first"), fake("last")
    targets = {"s3mock": ("S", None), "reference": ("R", None)}
    runs = asyncio.run(bench.run_rounds(targets, bench.Options(rounds=2),
                                        (first, bench.put_big, bench.get_big, last)))
    assert calls == [
        ("first", "S", ""), ("first", "R", ""),
        ("put_big", "S", ""), ("get_big", "S", "S-object"),
        ("put_big", "R", ""), ("get_big", "R", "R-object"),
        ("last", "S", ""), ("last", "R", ""),
        ("first", "R", ""), ("first", "S", ""),
        ("put_big", "R", ""), ("get_big", "R", "R-object"),
        ("put_big", "S", ""), ("get_big", "S", "S-object"),
        ("last", "R", ""), ("last", "S", "")]
    assert [[r.name for r in results] for results in runs["s3mock"]] == \
        [["first", "put_big", "get_big", "last"]] * 2
    assert len(runs["reference"]) == 2


# --- where the data goes (--data-root) and which client sends the small requests (--client) ---

def test_data_root_names_the_two_media_or_takes_a_directory(tmp_path, monkeypatch):
    assert bench.data_root("tmpfs") == Path("/dev/shm").resolve()
    assert bench.data_root("disk") == Path("/var/tmp").resolve()
    assert bench.data_root(str(tmp_path)) == tmp_path.resolve()
    monkeypatch.setattr(bench.tempfile, "tempdir", str(tmp_path))
    assert bench.data_root(None) == tmp_path.resolve()      # TMPDIR's, as before the option


MOUNTS = """/dev/vda / ext4 rw,relatime 0 0
tmpfs /dev/shm tmpfs rw,nosuid,nodev 0 0
/dev/vdb /srv/my\\040data xfs rw 0 0
tmpfs /srv/my tmpfs rw 0 0
"""


@pytest.mark.parametrize("path,expected", [
    ("/var/tmp", "ext4"), ("/dev/shm", "tmpfs"), ("/dev/shm/x/y", "tmpfs"), ("/dev/shmx", "ext4"),
    ("/srv/my data/bench", "xfs"), ("/srv/my", "tmpfs"), ("/srv/myother", "ext4"),
])
def test_fs_type_is_the_longest_mount_point_above_the_path(path, expected):
    assert bench.fs_type(Path(path), MOUNTS) == expected


def test_fs_type_without_a_mount_above_is_unknown():
    assert bench.fs_type(Path("/x"), "tmpfs /dev/shm tmpfs rw 0 0\n") == "unknown"


def test_data_root_that_is_not_a_directory_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        bench.main(["--data-root", str(tmp_path / "missing"), "--quick"])
    assert exit_.value.code == 2
    assert "is not a directory" in capsys.readouterr().err


@pytest.mark.parametrize("argv,client", [([], "bench_load"), (["--client", "aiohttp"], "aiohttp"),
                                         (["--quick", "--client", "bench_load"], "bench_load")])
def test_client_option_reaches_the_scenarios(argv, client, monkeypatch):
    seen = {}

    async def fake_rounds(targets, opts, scenarios, report):
        seen["client"] = opts.client
        return {name: [[bench.Result("x", 1, 1.0, 1.0, "ops/s")]] for name in targets}

    monkeypatch.setattr(bench, "run_rounds", fake_rounds)
    assert bench.main(["--endpoint", "http://127.0.0.1:1", *argv]) == 0
    assert seen["client"] == client


def test_client_option_rejects_an_unknown_client(capsys):
    with pytest.raises(SystemExit):
        bench.main(["--client", "curl"])
    assert "invalid choice: 'curl'" in capsys.readouterr().err


@pytest.mark.parametrize("client", ["bench_load", "aiohttp"])
async def test_both_clients_send_the_same_requests_and_count_the_same_errors(client, aiohttp_server):
    seen = []

    async def handle(request: web.Request) -> web.Response:
        seen.append((request.method, request.path, request.headers.get("X-Sig"), await request.read()))
        return web.Response(body=b"ok", status=404 if request.path.endswith("missing") else 200)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app, host="127.0.0.1")
    base = f"http://127.0.0.1:{server.port}"
    requests = [bench.Req("PUT", bench.URL(f"{base}/b/k{i}"), {"X-Sig": str(i)}, b"body")
                for i in range(20)] + [bench.Req("GET", bench.URL(f"{base}/b/missing"), {"X-Sig": "m"})]
    opts = bench.Options(concurrency=4, client=client)
    result = await bench._timed("PUT", base, requests, opts, bench.State(),
                                lambda r: r.status == 200 and r.body == b"ok", "")
    assert sorted(seen) == sorted([("PUT", f"/b/k{i}", str(i), b"body") for i in range(20)] +
                                  [("GET", "/b/missing", "m", b"")])
    assert (result.count, result.errors) == (21, 1)
    assert f"{client} client" in result.note


def test_both_servers_keep_their_data_under_the_data_root(tmp_path):
    """The reference writes its objects' files in its data directory, under the chosen root."""
    server = bench.Server("reference", [], tmp_path)
    try:
        assert server.data_dir.parent == tmp_path

        async def put() -> int:
            async with bench.Client(server.base_url, bench.Options()) as c:
                await c.create_bucket("b")
                async with c.request("PUT", c.url("b", "k"), data=b"stored") as r:
                    return r.status
        assert asyncio.run(put()) == 200
        assert (server.data_dir / "b" / "k").read_bytes() == b"stored"
    finally:
        server.stop()
    assert not server.data_dir.exists()


@pytest.mark.parametrize("name", ["s3mock", "reference"])
def test_versioned_buckets_version_s3mocks_objects_and_the_reference_still_answers(tmp_path, name):
    """--versioned: s3mock's scenario buckets get versioning Enabled, so each PUT makes a version;
    the reference takes the PutBucketVersioning for a CreateBucket and runs as before."""
    server = bench.Server(name, [], tmp_path)
    try:
        async def put() -> tuple[int, str | None, str]:
            async with bench.Client(server.base_url, bench.Options(versioned=True)) as c:
                await c.create_bucket("bench-versioned")
                async with c.request("PUT", c.url("bench-versioned", "k"), data=b"stored") as r:
                    status, version = r.status, r.headers.get("x-amz-version-id")
                async with c.request("GET", c.url("bench-versioned", versioning="")) as r:
                    return status, version, await r.text()
        status, version, config = asyncio.run(put())
        assert status == 200
        if name == "s3mock":
            assert version not in (None, "null") and len(version) == 32
            assert "<Status>Enabled</Status>" in config
        else:
            assert version is None
    finally:
        server.stop()


def test_versioned_option_reaches_the_scenarios(monkeypatch):
    seen = {}

    async def fake_rounds(targets, opts, scenarios, report):
        seen["versioned"] = opts.versioned
        return {name: [[bench.Result("x", 1, 1.0, 1.0, "ops/s")]] for name in targets}

    monkeypatch.setattr(bench, "run_rounds", fake_rounds)
    assert bench.main(["--endpoint", "http://127.0.0.1:1", "--versioned"]) == 0
    assert seen["versioned"] is True
    assert bench.main(["--endpoint", "http://127.0.0.1:1"]) == 0
    assert seen["versioned"] is False
