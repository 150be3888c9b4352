"""The web console's server side (s3mock/console.py): what is served at /_s3mock/console/, with
which headers; config.json; --console off; and that nothing else is reachable through it."""

from __future__ import annotations

import json

import pytest
from yarl import URL

from s3mock import console
from s3mock.app import make_app
from s3mock.config import Settings, load
from s3mock.version import __version__

CSP = ("default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; "
       "script-src 'self'; connect-src 'self' http://localhost:* http://127.0.0.1:*; "
       "frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'none'")
SHELL_FILES = ("index.html", "style.css", "app.js", "dom.js", "sigv4.js", "s3.js", "views/buckets.js")


def assert_console_headers(resp) -> None:
    assert resp.headers["Content-Security-Policy"] == CSP
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Cache-Control"] == "no-cache"
    assert not [h for h in resp.headers if h.lower().startswith("access-control-")]


async def test_index_is_served_with_its_headers(api):
    resp = await api.get("/_s3mock/console/")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_console_headers(resp)
    body = await resp.text()
    assert '<script type="module" src="app.js"></script>' in body
    assert body == (console.DIRECTORY / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SHELL_FILES)
async def test_each_file_with_its_content_type(api, name):
    resp = await api.get(f"/_s3mock/console/{name}")
    assert resp.status == 200, name
    expected = {"html": "text/html", "css": "text/css", "js": "text/javascript"}[name.rsplit(".", 1)[1]]
    assert resp.headers["Content-Type"] == f"{expected}; charset=utf-8"
    assert_console_headers(resp)
    assert await resp.read() == (console.DIRECTORY / name).read_bytes()


async def test_head_has_headers_and_no_body(api):
    resp = await api.head("/_s3mock/console/app.js")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert await resp.read() == b""


async def test_without_the_slash_redirects(api):
    resp = await api.get("/_s3mock/console", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/_s3mock/console/"
    assert_console_headers(resp)


async def test_only_get_and_head(api):
    resp = await api.post("/_s3mock/console/app.js", data=b"x")
    assert resp.status == 405
    assert resp.headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", [
    "/_s3mock/console/missing.js", "/_s3mock/console/index.htm", "/_s3mock/console/views/",
    "/_s3mock/console/views", "/_s3mock/console/app.js/", "/_s3mock/console//app.js",
    "/_s3mock/console/%61pp.js", "/_s3mock/console/..%2fconsole.py", "/_s3mock/console/%2e%2e/admin.py",
])
async def test_anything_not_listed_is_404(api, path):
    # sent as written: yarl would otherwise decode %61 and resolve %2e%2e before sending
    resp = await api.session.get(URL(f"http://{api.host}:{api.port}{path}", encoded=True))
    assert resp.status == 404, path
    assert await resp.text() == "Not Found\n"
    assert_console_headers(resp)


async def test_a_path_beside_the_prefix_is_not_the_console(api):
    """/_s3mock/consolex is an unknown tooling path, not a console file."""
    resp = await api.get("/_s3mock/consolex")
    assert resp.status == 501
    assert "Content-Security-Policy" not in resp.headers


def test_the_allow_list_holds_only_files_of_the_package_directory():
    root = console.DIRECTORY.resolve()
    assert set(SHELL_FILES) <= {k.lstrip("/") for k in console.FILES}
    for name, path in console.FILES.items():
        assert path.resolve().is_relative_to(root), name
        assert path.suffix in console.TYPES


async def test_config_lenient(api):
    resp = await api.get("/_s3mock/console/config.json")
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "application/json"
    assert_console_headers(resp)
    assert json.loads(await resp.text()) == {"auth": "lenient", "region": "us-east-1",
                                             "access_key": "test", "version": __version__,
                                             "domain": "localhost"}


async def test_config_strict_names_no_key(aiohttp_client, tmp_path):
    settings = Settings(data_dir=tmp_path, auth="strict", region="eu-west-1", access_key="owner",
                        secret_key="owner-secret", domain="s3.test")
    client = await aiohttp_client(make_app(settings))
    resp = await client.get("/_s3mock/console/config.json")
    assert resp.status == 200
    answer = json.loads(await resp.text())
    assert answer == {"auth": "strict", "region": "eu-west-1", "access_key": None,
                      "version": __version__, "domain": "s3.test"}
    assert "owner-secret" not in await resp.text()


async def test_strict_mode_serves_the_page_unsigned(aiohttp_client, tmp_path):
    """The page itself is public (it holds no data); its S3 requests are signed."""
    client = await aiohttp_client(make_app(Settings(data_dir=tmp_path, auth="strict")))
    resp = await client.get("/_s3mock/console/")
    assert resp.status == 200


@pytest.mark.parametrize("path", ["/_s3mock/console/", "/_s3mock/console", "/_s3mock/console/app.js",
                                  "/_s3mock/console/config.json"])
async def test_console_off_is_404(aiohttp_client, tmp_path, path):
    client = await aiohttp_client(make_app(Settings(data_dir=tmp_path, console="off")))
    resp = await client.get(path, allow_redirects=False)
    assert resp.status == 404
    assert await resp.text() == "Not Found\n"


async def test_no_cors_headers_for_another_origin(api, api_bucket):
    """Even with a bucket allowing every origin, /_s3mock/ answers carry no CORS headers."""
    cors = (b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET"
            b"</AllowedMethod><AllowedHeader>*</AllowedHeader></CORSRule></CORSConfiguration>")
    resp = await api.put(f"/{api_bucket}?cors", data=cors, headers={"Content-MD5": _md5(cors)})
    assert resp.status == 200
    origin = {"Origin": "http://evil.example"}
    for method, path in [("GET", "/_s3mock/console/"), ("GET", "/_s3mock/console/config.json"),
                         ("OPTIONS", "/_s3mock/console/config.json")]:
        resp = await api.request(method, path, headers={**origin, "Access-Control-Request-Method": "GET"})
        assert not [h for h in resp.headers if h.lower().startswith("access-control-")], (method, path)
    resp = await api.get(f"/{api_bucket}", headers=origin)      # the bucket itself does answer CORS
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def _md5(body: bytes) -> str:
    import base64
    import hashlib
    return base64.b64encode(hashlib.md5(body).digest()).decode()


@pytest.mark.parametrize("given, expected", [("on", "on"), ("off", "off"), ("OFF", "off"),
                                             (True, "on"), (False, "off")])
def test_console_setting_from_the_config_file(tmp_path, given, expected):
    path = tmp_path / "s3mock.toml"
    path.write_text(f"console = {json.dumps(given)}\n")
    assert load({"config": str(path)}, environ={}).console == expected


def test_console_setting_flag_wins_over_environment():
    assert load({}, environ={}).console == "on"
    assert load({}, environ={"S3MOCK_CONSOLE": "off"}).console == "off"
    assert load({"console": "on"}, environ={"S3MOCK_CONSOLE": "off"}).console == "on"


def test_console_setting_refuses_other_values():
    from s3mock.config import ConfigError
    with pytest.raises(ConfigError, match="invalid console 'maybe': must be on or off"):
        load({}, environ={"S3MOCK_CONSOLE": "maybe"})


def test_the_wheel_ships_every_console_file():
    """pyproject's package data names every file the console serves (a wheel built from it was
    checked to hold them: setuptools copies exactly what these globs match)."""
    import fnmatch
    import tomllib
    from pathlib import Path
    root = Path(console.__file__).parent
    with open(root.parent / "pyproject.toml", "rb") as f:
        globs = tomllib.load(f)["tool"]["setuptools"]["package-data"]["s3mock"]
    for name, path in console.FILES.items():
        rel = path.relative_to(root).as_posix()
        assert any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs), rel
