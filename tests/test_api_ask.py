"""POST /v1/ask as JSON and as Server-Sent Events; GET /v1/organizations."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from api_support import with_settings
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes.ask import answer_pieces
from index.embedder import Embedder
from index.query import Query
from pathways.settings import Settings

QUESTION = "How did Porterville prepare juniors for careers?"
CITATION_KEYS = {"n", "doc_id", "title", "section", "page", "start", "end", "quote", "source_url"}


@pytest.fixture(scope="module")
def client(tiny_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    settings = with_settings(
        tiny_settings, rate_limit="1000/minute", max_query_chars=300, max_k=20, default_k=3
    )
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c


def parse_sse(text: str) -> list[tuple[str, str]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if data:
            events.append((name, "\n".join(data)))
    return events


def test_answer_json_has_cited_quotes_that_open_in_their_documents(client: TestClient):
    r = client.post("/v1/ask", json={"question": QUESTION, "k": 5})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert set(body) == {
        "question", "answer", "answer_html", "abstained", "confidence", "citations", "related",
        "mode", "note",
    }  # fmt: skip
    assert body["citations"], body
    for c in body["citations"]:
        assert set(c) == CITATION_KEYS
        doc = client.get(f"/v1/documents/{c['doc_id']}").json()
        assert doc["text"][c["start"] : c["end"]] == c["quote"]
        assert f"[{c['n']}]" in body["answer"]


def test_stream_sends_citations_then_text_then_done(client: TestClient):
    plain = client.post("/v1/ask", json={"question": QUESTION}).json()
    r = client.post("/v1/ask", json={"question": QUESTION, "stream": True})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = parse_sse(r.text)
    names = [name for name, _ in events]
    assert names[0] == "citations" and names[-1] == "done"
    assert set(names[1:-1]) == {"answer"}
    assert json.loads(events[0][1]) == plain["citations"]
    text = "".join(json.loads(data)["text"] for name, data in events if name == "answer")
    assert text == plain["answer"]
    assert json.loads(events[-1][1]) == plain


def test_accept_header_asks_for_a_stream(client: TestClient):
    r = client.post("/v1/ask", json={"question": QUESTION}, headers={"Accept": "text/event-stream"})
    assert r.headers["content-type"].startswith("text/event-stream")
    assert parse_sse(r.text)[0][0] == "citations"


def test_filters_limit_the_citations(client: TestClient):
    body = client.post(
        "/v1/ask", json={"question": QUESTION, "filters": {"doc_type": "state-plan"}}
    ).json()
    assert {c["doc_id"] for c in body["citations"]} <= {"california-state-plan-for-cte-2023"}
    body = client.post(
        "/v1/ask",
        json={"question": QUESTION, "filters": {"doc_type": ["state-plan"], "year_min": 2030}},
    ).json()
    assert body["citations"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"question": ""},
        {"question": "   "},
        {"question": "x" * 301},  # over PATHWAYS_MAX_QUERY_CHARS in this app
        {"question": "ok", "k": 0},
        {"question": "ok", "k": 51},
        {"question": "ok", "k": 21},  # over PATHWAYS_MAX_K in this app
        {"question": "ok", "k": "many"},
        {"question": "ok", "filters": {"year_min": "soon"}},
        {"question": "ok", "filters": {"colour": "red"}},
        {"question": "ok", "extra": 1},
        {"question": ["a list"]},
    ],
)
def test_bad_ask_parameters_are_422(client: TestClient, payload: dict[str, Any]):
    for stream in (False, True):
        r = client.post("/v1/ask", json={**payload, "stream": stream} if payload else payload)
        assert r.status_code == 422, (payload, r.text)
        assert r.json()["detail"]


def test_search_reads_its_default_and_its_ceiling_of_k_from_the_settings(client: TestClient):
    r = client.get("/v1/search", params={"q": QUESTION})
    assert r.status_code == 200 and len(r.json()["results"]) == 3  # PATHWAYS_DEFAULT_K here
    assert len(client.get("/v1/search", params={"q": QUESTION, "k": 20}).json()["results"]) > 3
    r = client.get("/v1/search", params={"q": QUESTION, "k": 21})
    assert r.status_code == 422 and "between 1 and 20" in r.json()["detail"]


def test_not_json_is_422(client: TestClient):
    r = client.post("/v1/ask", content=b"question=hi", headers={"Content-Type": "text/plain"})
    assert r.status_code == 422


def test_answer_pieces_join_back_exactly():
    text = "One [1] two,\n\nthree  four five six seven [2].\n- eight"
    pieces = answer_pieces(text)
    assert "".join(pieces) == text and len(pieces) > 1


def test_organizations_lists_or_says_501(client: TestClient):
    answerer = client.app.state.pathways.answerer  # type: ignore[attr-defined]
    r = client.get("/v1/organizations", params={"q": "employer partnerships"})
    if not hasattr(answerer, "organizations"):
        assert r.status_code == 501 and "not available" in r.json()["detail"]
        return
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["topic"] == "employer partnerships"
    assert body["organizations"] and all(isinstance(o, dict) for o in body["organizations"])


def test_organizations_passes_the_list_through(client: TestClient, monkeypatch):
    answerer = client.app.state.pathways.answerer  # type: ignore[attr-defined]
    found = [{"name": "Porterville Unified School District", "kind": "district", "mentions": 3}]
    calls: list[str] = []

    def organizations(topic: Query) -> list[dict[str, Any]]:
        calls.append(topic.text)  # the route passes the question checked and analysed once
        return found

    monkeypatch.setattr(answerer, "organizations", organizations, raising=False)
    r = client.get("/v1/organizations", params={"q": "  employer   partnerships "})
    assert r.status_code == 200
    assert r.json() == {"topic": "employer partnerships", "organizations": found}
    assert calls == ["employer partnerships"]
    assert client.get("/v1/organizations", params={"q": " "}).status_code == 422
