"""*.localhost resolves to 127.0.0.1 in a Python subprocess started with this directory on its
PYTHONPATH (Python imports sitecustomize at start-up), as browsers and systemd-resolved resolve
it: the client tests run the AWS CLI and s3cmd this way to reach BUCKET.localhost:PORT, a name
this machine's resolver does not know. Nothing else changes; no traffic leaves 127.0.0.1."""

import socket

_real_getaddrinfo = socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    if isinstance(host, (str, bytes)):
        name = host.decode() if isinstance(host, bytes) else host
        if name.lower().rstrip(".").endswith(".localhost"):
            host = "127.0.0.1"
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _getaddrinfo
