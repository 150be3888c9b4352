"""scripts/bench.py's scenario choice (--only: the named scenarios with those they read from, in
order) and the order of a run's rounds."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path

import pytest

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
