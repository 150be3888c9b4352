"""s3mock: a local, S3-compatible object store."""

from s3mock.version import __version__  # noqa: F401


def __getattr__(name: str):
    # s3mock.running(): imported on first use, so `import s3mock` stays cheap (pytest plugin).
    if name == "running":
        from s3mock.testing import running
        return running
    raise AttributeError(f"module 's3mock' has no attribute {name!r}")
