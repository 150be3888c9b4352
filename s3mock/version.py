"""The version s3mock reports (/_s3mock/health, LocalStack's health shape); pyproject.toml's too."""

__version__ = "0.1.0"
