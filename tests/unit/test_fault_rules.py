"""The fault rules (faults.py) by tables: which requests a rule matches, when it fires, and the
message an invalid rule gets."""

from __future__ import annotations

import pytest

from s3mock.config import ConfigError, load
from s3mock.faults import FaultError, Rule, awake, fires, matches, parse_rule, parse_rules

REQUEST = dict(op="PutObject", bucket="photos", key="logs/2025/a.txt", method="PUT",
               principal="test")


@pytest.mark.parametrize("rule,request_changes,expected", [
    ({}, {}, True),                                         # no condition: every request
    ({"op": "PutObject"}, {}, True),
    ({"op": "GetObject"}, {}, False),
    ({"op": "Put*"}, {}, True),                             # wildcards
    ({"op": "*Object"}, {"op": "GetObject"}, True),
    ({"op": "*Object"}, {"op": "ListObjectsV2"}, False),
    ({"op": "List?bjects*"}, {"op": "ListObjectsV2"}, True),
    ({"op": "putobject"}, {}, False),                       # operation names are case-sensitive
    ({"bucket": "photos"}, {}, True),
    ({"bucket": "photo"}, {}, False),                       # a glob matches the whole name
    ({"bucket": "ph*"}, {}, True),
    ({"bucket": "photos"}, {"bucket": None}, False),        # ListBuckets names no bucket
    ({"key": "logs/*"}, {}, True),
    ({"key": "logs/*"}, {"key": "data/logs/a"}, False),
    ({"key": "*.txt"}, {}, True),                           # `*` crosses `/`, as fnmatch does
    ({"key": "logs/[0-9]*"}, {}, True),
    ({"key": "*"}, {"key": None}, False),                   # a bucket operation has no key
    ({"key": "a\nb"}, {"key": "a\nb"}, True),               # any character, newlines too
    ({"method": "PUT"}, {}, True),
    ({"method": "GET"}, {}, False),
    ({"principal": "test"}, {}, True),
    ({"principal": "anonymous"}, {}, False),
    ({"principal": "anonymous"}, {"principal": "anonymous"}, True),
    ({"op": "PutObject", "bucket": "photos", "key": "logs/*", "method": "PUT",
      "principal": "test"}, {}, True),
    ({"op": "PutObject", "bucket": "videos", "key": "logs/*"}, {}, False),  # every field must
])
def test_matching(rule, request_changes, expected):
    parsed = parse_rule({**rule, "latency": 0}, "1")
    assert matches(parsed, **{**REQUEST, **request_changes}) is expected


@pytest.mark.parametrize("rule,draws,expected", [
    ({}, [0.5] * 4, [True] * 4),
    ({"times": 2}, [0.5] * 4, [True, True, False, False]),
    ({"every": 3}, [0.5] * 7, [False, False, True, False, False, True, False]),
    ({"times": 4, "every": 2}, [0.5] * 6, [False, True, False, True, False, False]),
    ({"probability": 0.25}, [0.1, 0.25, 0.9, 0.0], [True, False, False, True]),
    ({"probability": 0}, [0.0], [False]),
    ({"probability": 1}, [0.999], [True]),
    ({"times": 1, "probability": 0.5}, [0.9, 0.1], [False, False]),   # the 2nd is past `times`
])
def test_firing(rule, draws, expected):
    parsed = parse_rule({**rule, "error": "SlowDown"}, "1")
    assert [fires(parsed, n, d) for n, d in enumerate(draws, 1)] == expected


def test_a_delay_counts_from_the_start():
    rule = parse_rule({"after": 5, "error": "SlowDown"}, "1")
    assert [awake(rule, t) for t in (0, 4.99, 5, 60)] == [False, False, True, True]


@pytest.mark.parametrize("data,message", [
    ("SlowDown", "a rule must be a JSON object"),
    ({}, "a rule needs an action"),
    ({"op": "GetObject"}, "a rule needs an action"),
    ({"eror": "SlowDown"}, "unknown field 'eror'"),
    ({"error": "Slowdown"}, "error must be an S3 error code"),
    ({"error": "NotModified"}, "error must be an S3 error code"),
    ({"error": 503}, "error must be an S3 error code"),
    ({"error": "SlowDown", "reset": True}, "at most one of"),
    ({"cut": 10, "stall": 5}, "at most one of"),
    ({"message": "hi", "latency": 1}, "message goes with error"),
    ({"op": 3, "reset": True}, "op must be a string"),
    ({"probability": 1.5, "reset": True}, "probability must be a number from 0 to 1"),
    ({"probability": "1", "reset": True}, "probability must be a number"),
    ({"times": 0, "reset": True}, "times must be an integer from 1"),
    ({"times": 1.5, "reset": True}, "times must be an integer"),
    ({"every": True, "reset": True}, "every must be an integer"),
    ({"after": -1, "reset": True}, "after must be a number from 0"),
    ({"latency": -1}, "latency must be a number from 0"),
    ({"latency": [2, 1]}, "latency[1] must be a number from 2"),
    ({"latency": [1, 2, 3]}, "latency must be a number"),
    ({"latency": 10_000}, "latency must be a number from 0 to 600"),
    ({"throttle": 0}, "throttle must be an integer from 1"),
    ({"cut": -1}, "cut must be an integer from 0"),
    ({"stall": 601}, "stall must be a number from 0 to 600"),
    ({"reset": "yes"}, "reset must be true or false"),
    ({"id": "", "reset": True}, "id must be a string of 1 to 64 characters"),
])
def test_invalid_rules_are_named(data, message):
    with pytest.raises(FaultError) as exc:
        parse_rule(data, "1")
    assert message in str(exc.value)


def test_rule_forms_and_ids():
    one = {"op": "GetObject", "error": "SlowDown"}
    assert [r.id for r in parse_rules(one, 7)] == ["7"]
    assert [r.id for r in parse_rules([one, {**one, "id": "mine"}], 3)] == ["3", "mine"]
    assert [r.id for r in parse_rules({"rules": [one, one]})] == ["1", "2"]
    rule = parse_rule({"latency": [0.1, 0.2], "stall": True}, "x")
    assert rule.latency == (0.1, 0.2) and rule.stall == 600.0
    assert rule.to_json() == {"id": "x", "latency": [0.1, 0.2], "stall": 600.0}
    assert parse_rule(rule.to_json(), "x") == rule                   # what GET shows reads back
    assert parse_rule({"error": "SlowDown"}, "s").label == "s:error=SlowDown"
    assert Rule(id="t", throttle=10).label == "t:throttle"


def test_configuration_reads_rules_from_the_environment_and_the_file(tmp_path):
    env = {"S3MOCK_FAULTS": '[{"op": "GetObject", "error": "SlowDown", "times": 2}]'}
    (rule,) = load({}, environ=env).faults
    assert (rule.op, rule.error, rule.times) == ("GetObject", "SlowDown", 2)
    path = tmp_path / "s3mock.toml"
    path.write_text('[[s3mock.faults]]\nop = "PutObject"\nlatency = [0.1, 0.5]\n')
    (rule,) = load({"config": str(path)}, environ={}).faults
    assert (rule.op, rule.latency) == ("PutObject", (0.1, 0.5))
    assert load({}, environ={}).faults == ()


@pytest.mark.parametrize("value,message", [
    ("[{", "invalid faults: not JSON"),
    ('{"op": "GetObject"}', "invalid faults: a rule needs an action"),
    ('[{"error": "Nope"}]', "invalid faults: error must be an S3 error code"),
])
def test_invalid_rules_in_the_environment_are_configuration_errors(value, message):
    with pytest.raises(ConfigError) as exc:
        load({}, environ={"S3MOCK_FAULTS": value})
    assert message in str(exc.value)
