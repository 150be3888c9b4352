"""rows.py writes some JSON columns itself: the text must be json.dumps's, which reads it back."""

import json

import pytest

from s3mock.storage.rows import checksums_json, segments_json


@pytest.mark.parametrize("segments", [
    [], [("0123456789abcdef0123456789abcdef", 4096)], [("ab", 0)], [("a", 1), ("b", 2)],
    [("c", 5 * 1024**3)],
])
def test_segments_are_written_as_json_dumps_writes_them(segments):
    assert segments_json(segments) == json.dumps(segments)


@pytest.mark.parametrize("sums", [
    {}, {"CRC64NVME": "AAAAAAAAAAA="}, {"CRC32": "abc+/Q==-3"}, {"CRC32": 'a"b'},
    {"SHA1": "\u00e9"}, {"CRC32": "a\\b\n"}, {"CRC32": "x", "SHA256": "y"},
])
def test_checksums_are_written_as_json_dumps_writes_them(sums):
    assert checksums_json(sums) == json.dumps(sums)
