"""Safe by default: keys, CORS, rate limits, body limits and security headers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_support import ADMIN_KEY, READ_KEY, auth, with_settings
from fastapi.testclient import TestClient

from api.app import create_app
from index.embedder import Embedder
from pathways.settings import Settings

SITE = "https://partner.example.org"


@pytest.fixture(scope="module")
def open_client(tiny_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    """Defaults: no admin key, no read keys, no CORS origins."""
    with TestClient(create_app(tiny_settings, embedder=embedder)) as c:
        yield c


@pytest.fixture(scope="module")
def locked_client(tiny_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = with_settings(
        tiny_settings,
        admin_key=ADMIN_KEY,
        api_keys=f"{READ_KEY},another-key",
        cors_origins=f"{SITE}/",
        rate_limit="1000/minute",
    )
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c


def test_defaults_are_safe():
    s = Settings()
    assert s.admin_key is None and s.api_keys == [] and s.cors_origins == []
    assert s.rate_limit == "60/minute"


def test_settings_read_comma_separated_env(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PATHWAYS_API_KEYS", " a , b,")
    monkeypatch.setenv("PATHWAYS_CORS_ORIGINS", "https://x.org/, http://localhost:3000")
    monkeypatch.setenv("PATHWAYS_ADMIN_KEY", "")
    s = Settings()
    assert s.api_keys == ["a", "b"]
    assert s.cors_origins == ["https://x.org", "http://localhost:3000"]
    assert s.admin_key is None


def test_bad_rate_limit_setting_is_refused():
    with pytest.raises(ValueError, match="60/minute"):
        Settings(rate_limit="lots")


# --- write endpoints ---------------------------------------------------------------------
def test_writes_are_disabled_without_an_admin_key(open_client: TestClient):
    r = open_client.delete("/v1/documents/nashville-national-pathway-exemplars-memo-2021")
    assert r.status_code == 403 and "PATHWAYS_ADMIN_KEY" in r.json()["detail"]
    r = open_client.post("/v1/documents", files={"file": ("a.txt", b"hello world")})
    assert r.status_code == 403 and "PATHWAYS_ADMIN_KEY" in r.json()["detail"]
    r = open_client.delete("/v1/documents/x", headers=auth("anything"))
    assert r.status_code == 403
    assert open_client.get("/readyz").json()["documents"] == 3


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        (auth("wrong"), 401),
        ({"Authorization": ADMIN_KEY}, 401),  # no Bearer scheme
        ({"Authorization": f"Basic {ADMIN_KEY}"}, 401),
        (auth(READ_KEY), 403),  # a read key may not write
    ],
)
def test_writes_need_the_admin_key(locked_client: TestClient, headers: dict[str, str], status: int):
    r = locked_client.delete(
        "/v1/documents/nashville-national-pathway-exemplars-memo-2021", headers=headers
    )
    assert r.status_code == status, r.text
    assert isinstance(r.json()["detail"], str)
    if status == 401:
        assert r.headers["www-authenticate"].startswith("Bearer")
    assert locked_client.get("/readyz", headers=auth(READ_KEY)).json()["documents"] == 3


def test_upload_without_key_is_refused_before_the_body_is_read(locked_client: TestClient):
    r = locked_client.post("/v1/documents", files={"file": ("a.txt", b"x" * 10_000)})
    assert r.status_code == 401


# --- read keys ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/search?q=employers"),
        ("POST", "/v1/ask"),
        ("GET", "/v1/documents"),
        ("GET", "/v1/documents/nashville-national-pathway-exemplars-memo-2021"),
        ("GET", "/v1/organizations?q=employers"),
        ("GET", "/readyz"),
    ],
)
def test_read_endpoints_need_a_key_when_keys_are_set(
    locked_client: TestClient, method: str, path: str
):
    body = {"question": "How were employers engaged?"} if method == "POST" else None
    for headers in ({}, auth("nope")):
        r = locked_client.request(method, path, json=body, headers=headers)
        assert r.status_code == 401, (path, r.text)
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.json()["detail"]
    r = locked_client.request(method, path, json=body, headers=auth("another-key"))
    assert r.status_code in (200, 501), r.text


def test_healthz_stays_open(locked_client: TestClient):
    assert locked_client.get("/healthz").json() == {"status": "ok"}


def test_reads_are_open_when_no_keys_are_set(open_client: TestClient):
    assert open_client.get("/v1/documents").status_code == 200


# --- CORS --------------------------------------------------------------------------------
def preflight(client: TestClient, origin: str) -> object:
    return client.options(
        "/v1/ask",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type",
        },
    )


def test_no_origin_is_allowed_by_default(open_client: TestClient):
    r = preflight(open_client, SITE)
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    assert r.json()["detail"]
    r = open_client.get("/v1/documents", headers={"Origin": SITE})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_allowed_origin_gets_cors_headers(locked_client: TestClient):
    r = preflight(locked_client, SITE)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == SITE
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    r = locked_client.get("/v1/documents", headers={"Origin": SITE, **auth(READ_KEY)})
    assert r.headers["access-control-allow-origin"] == SITE


def test_other_origins_are_refused(locked_client: TestClient):
    r = preflight(locked_client, "https://evil.example.com")
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    r = locked_client.get(
        "/v1/documents", headers={"Origin": "https://evil.example.com", **auth(READ_KEY)}
    )
    assert "access-control-allow-origin" not in r.headers


# --- rate limit --------------------------------------------------------------------------
def test_burst_gets_429_with_retry_after(tiny_settings: Settings, embedder: Embedder):
    settings = with_settings(tiny_settings, rate_limit="3/minute")
    with TestClient(create_app(settings, embedder=embedder)) as c:
        codes = [c.get("/v1/search", params={"q": "employers"}).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        r = c.post("/v1/ask", json={"question": "How were employers engaged?"})
        assert r.status_code == 429
        assert 1 <= int(r.headers["retry-after"]) <= 60
        assert "3/minute" in r.json()["detail"]
        assert c.get("/v1/documents").status_code == 200  # listing is not rate limited
        assert c.get("/healthz").status_code == 200


def test_rate_limit_is_per_client_and_key(tiny_settings: Settings, embedder: Embedder):
    settings = with_settings(tiny_settings, rate_limit="2/minute", api_keys="k1,k2")
    with TestClient(create_app(settings, embedder=embedder)) as c:
        for _ in range(2):
            assert c.get("/v1/search", params={"q": "x"}, headers=auth("k1")).status_code == 200
        assert c.get("/v1/search", params={"q": "x"}, headers=auth("k1")).status_code == 429
        assert c.get("/v1/search", params={"q": "x"}, headers=auth("k2")).status_code == 200


# --- body limits -------------------------------------------------------------------------
def test_oversized_json_body_is_413(open_client: TestClient):
    r = open_client.post("/v1/ask", content=b'{"question": "' + b"a" * 100_000 + b'"}')
    assert r.status_code == 413 and "KB" in r.json()["detail"]


def test_oversized_body_without_content_length_is_413(open_client: TestClient):
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1024
        yield b'"}'

    r = open_client.post("/v1/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


# --- headers -----------------------------------------------------------------------------
def test_html_pages_carry_a_strict_csp(open_client: TestClient):
    r = open_client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'self'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in r.text and " on" + "click=" not in r.text


def test_allowed_origins_may_frame_the_pages(locked_client: TestClient):
    r = locked_client.get("/", headers=auth(READ_KEY))
    assert f"frame-ancestors 'self' {SITE}" in r.headers["content-security-policy"]


def test_api_responses_are_nosniff(open_client: TestClient):
    assert open_client.get("/healthz").headers["x-content-type-options"] == "nosniff"


def test_method_not_allowed_lists_every_method_of_the_path(open_client: TestClient):
    r = open_client.put("/v1/documents")
    assert r.status_code == 405 and r.json()["detail"]
    assert set(r.headers["allow"].split(", ")) == {"GET", "POST"}
