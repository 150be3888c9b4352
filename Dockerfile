# s3mock in a container: serves S3 on 0.0.0.0:9000 with its data in the /data volume.
#   docker build -t s3mock .
#   docker run -p 9000:9000 -v s3mock-data:/data s3mock
# Another base image: docker build --build-arg BASE=python:3.11-slim -t s3mock .
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PATH=/opt/s3mock/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install the package (what .dockerignore lets in: pyproject.toml, README.md, s3mock/) into a venv,
# then drop the source. A venv works on every base: Debian's own python3 refuses a system-wide
# `pip install` (PEP 668), and the venv's bin/ (first on PATH) provides `python` and `s3mock`.
COPY . /tmp/s3mock-src
RUN python3 -m venv /opt/s3mock \
    && /opt/s3mock/bin/pip install /tmp/s3mock-src \
    && rm -rf /tmp/s3mock-src \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home s3mock \
    && mkdir -p /data \
    && chown s3mock:s3mock /data

# Every flag has an S3MOCK_* twin (see README.md); these make the container listen on all
# interfaces and keep its data in the volume. Override any of them with `docker run -e`.
ENV S3MOCK_HOST=0.0.0.0 \
    S3MOCK_PORT=9000 \
    S3MOCK_DATA_DIR=/data

USER s3mock
WORKDIR /data
VOLUME /data
EXPOSE 9000

# Healthy when GET /_s3mock/health answers {"status": "ok"} (the database included); no curl in
# the image. `s3mock health` reads the same S3MOCK_* environment as the server, so a port changed
# with `-e S3MOCK_PORT=...` is followed (one changed with a command-line flag is not).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-m", "s3mock", "health"]

CMD ["s3mock"]
