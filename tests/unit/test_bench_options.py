"""scripts/bench.py's --only: the named scenarios run with those they read from, in order."""

from __future__ import annotations

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
