"""API v1 against the real app, the real model and a real index of the tiny corpus."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from pathways.settings import Settings


@pytest.fixture(scope="module")
def client(tiny_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(tiny_settings)) as c:
        yield c


def test_search_returns_cited_excerpts_that_open_in_the_document(client: TestClient):
    r = client.get("/v1/search", params={"q": "Porterville interviewed all juniors", "k": 3})
    assert r.status_code == 200
    body = r.json()
    assert body["query"] == "Porterville interviewed all juniors"
    assert len(body["results"]) == 3
    top = body["results"][0]
    assert "Porterville" in top["text"]
    doc = client.get(f"/v1/documents/{top['doc_id']}").json()
    assert doc["text"][top["start"] : top["end"]] == top["text"]


def test_documents_list_counts(client: TestClient):
    body = client.get("/v1/documents").json()
    assert body["total_documents"] == 3 == len(body["documents"])
    assert body["total_chunks"] == sum(d["chunks"] for d in body["documents"]) > 30
    ids = {d["doc_id"] for d in body["documents"]}
    assert ids == {
        "california-state-plan-for-cte-2023",
        "ccpt-two-years-in-implementation-report-2017",
        "nashville-national-pathway-exemplars-memo-2021",
    }


def test_health_and_readiness(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["documents"] == 3 and ready["chunks"] > 30


def test_unknown_document_is_404_with_detail(client: TestClient):
    r = client.get("/v1/documents/no-such-doc")
    assert r.status_code == 404 and "no-such-doc" in r.json()["detail"]


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x", "k": 0},
        {"q": "x", "k": 1000},
        {"k": 3},
        {"q": "x", "year_min": "soon"},
    ],
)
def test_bad_search_parameters_are_422(client: TestClient, params: dict[str, object]):
    r = client.get("/v1/search", params=params)
    assert r.status_code == 422 and r.json()["detail"]


def test_search_without_index_is_409_with_advice(tmp_path: Path):
    with TestClient(create_app(Settings(home=tmp_path / "empty"))) as c:
        r = c.get("/v1/search", params={"q": "dual enrollment"})
    assert r.status_code == 409 and "pathways ingest" in r.json()["detail"]
