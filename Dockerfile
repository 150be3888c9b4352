# s3mock in a container: serves S3 on 0.0.0.0:9000 with its data in the /data volume.
#   docker build -t s3mock .
#   docker run -p 9000:9000 -v s3mock-data:/data s3mock
# Another base image: docker build --build-arg BASE=python:3.11-slim -t s3mock .
ARG BASE=python:3.12-slim
FROM ${BASE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Install the package (what .dockerignore lets in: pyproject.toml, README.md, s3mock/), then drop the source.
COPY . /tmp/s3mock-src
RUN pip install /tmp/s3mock-src \
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

# Healthy once the server answers HTTP at all (any status, 403 included); no curl in the image.
# The opener has no HTTPErrorProcessor, so an error status is a response, not an exception.
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as r; o = r.OpenerDirector(); o.add_handler(r.HTTPHandler()); o.open('http://127.0.0.1:%s/' % os.environ.get('S3MOCK_PORT', '9000'), timeout=3)"]

CMD ["s3mock"]
