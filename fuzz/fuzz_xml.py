"""Coverage-guided fuzz target (atheris / libFuzzer) for the XML request-body parsers.

Every input is one request body, handed to each parser that reads an XML body:
s3mock.xml.parse (with and without an expected root), s3mock.cors.parse (PutBucketCors) and
s3mock.auth.acl.parse_policy (PutBucketAcl / PutObjectAcl). A parser may refuse a document only
with S3Error (which the server turns into S3's XML error); any other exception is a finding.

    python fuzz/fuzz_xml.py fuzz/corpus/xml -max_total_time=600     # a longer run, on demand
    python fuzz/fuzz_xml.py fuzz/corpus/xml -runs=2000               # what CI runs (test_fuzz_smoke)

New inputs the fuzzer finds are written into the corpus directory given first; pass a scratch
directory first (then fuzz/corpus/xml) to keep the committed seeds small.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))    # run from a checkout


def _instrumented():
    """Run as a fuzzer: instrument s3mock's modules as they are imported (instrument_all would
    take most of a minute). Imported by the tests: plain imports."""
    if __name__ == "__main__":
        import atheris
        return atheris.instrument_imports(include=["s3mock"])
    return contextlib.nullcontext()


with _instrumented():                                                # coverage of s3mock only
    from s3mock import cors, xml
    from s3mock.auth import acl
    from s3mock.errors import S3Error

CORPUS = Path(__file__).resolve().parent / "corpus" / "xml"


def _known_id(value: str) -> bool:
    return len(value) == 64


def test_one_input(data: bytes) -> None:
    """One body through every XML parser; only S3Error may escape."""
    for call in (lambda: xml.parse(data),
                 lambda: xml.parse(data, "Delete"),
                 lambda: xml.parse(data, "CompleteMultipartUpload"),
                 lambda: cors.parse(data),
                 lambda: acl.parse_policy(data),
                 lambda: acl.parse_policy(data, _known_id)):
        try:
            result = call()
        except S3Error:
            continue
        if isinstance(result, tuple):         # CORS rules: what GetBucketCors gives back must re-parse
            assert cors.parse(cors.render(result)) == result


def main(argv: list[str]) -> None:
    import atheris

    atheris.Setup(argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
