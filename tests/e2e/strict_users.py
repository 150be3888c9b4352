"""Module-scoped fixtures the access tests share: a live server in --auth strict with the owner
and two more users (test_acl_access.USER_ARGS), and a boto3 client for the owner, the second user
and anonymous requests. A test module imports the fixtures it uses; each module gets its own
server."""

from __future__ import annotations

import pytest

from support import start_server
from test_acl_access import USER_ARGS, make_client


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    server = start_server(tmp_path_factory.mktemp("strict-users"), "--auth", "strict", *USER_ARGS)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def owner(srv):
    return make_client(srv.endpoint, "owner")


@pytest.fixture(scope="module")
def second(srv):
    return make_client(srv.endpoint, "second")


@pytest.fixture(scope="module")
def anonymous(srv):
    return make_client(srv.endpoint, "anonymous")
