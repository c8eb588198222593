"""The server-rendered pages: search-and-ask page, document view, widget, API docs."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import ADMIN_KEY, READ_KEY, auth, with_settings
from fastapi.testclient import TestClient

from api.app import create_app
from api.views import cited_passage
from index.embedder import Embedder
from index.store import clean_document_of
from pathways.settings import Settings

DOC = "ccpt-two-years-in-implementation-report-2017"


@pytest.fixture(scope="module")
def client(tiny_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(tiny_settings, embedder=embedder)) as c:
        yield c


def mark_of(page: str) -> str:
    found = re.search(r"<mark id=\"cited\"[^>]*>(.*?)</mark>", page, re.S)
    assert found, "no <mark> in the page"
    return html.unescape(found.group(1))


def test_home_page_has_labelled_forms_and_the_document_list(client: TestClient):
    r = client.get("/")
    assert r.status_code == 200
    page = r.text
    for control in ("question", "doc-type", "year-min", "year-max"):
        assert f'<label for="{control}">' in page
    assert 'aria-live="polite"' in page
    assert "3 documents" in page and "California State Plan for Career Technical Education" in page
    assert '<option value="state-plan">' in page
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None  # no inline script


def test_document_view_highlights_the_cited_passage(client: TestClient):
    hit = client.get("/v1/search", params={"q": "Porterville interviewed all juniors"}).json()[
        "results"
    ][0]
    r = client.get(f"/documents/{hit['doc_id']}", params={"start": hit["start"], "end": hit["end"]})
    assert r.status_code == 200
    assert mark_of(r.text) == hit["text"]
    if hit["section"]:
        assert html.escape(hit["section"].split(" > ")[-1]) in r.text


def test_document_view_shows_the_exact_text_escaped(client: TestClient):
    r = client.get(f"/documents/{DOC}")
    assert r.status_code == 200 and "<mark" not in r.text
    body = re.search(r'<article class="doc-text"[^>]*>(.*?)</article>', r.text, re.S)
    assert body and "<" not in body.group(1)
    assert html.unescape(body.group(1)) == client.get(f"/v1/documents/{DOC}").json()["text"]


@pytest.mark.parametrize("params", [{"start": 10, "end": 5}, {"start": 0, "end": 10**9}])
def test_document_view_with_a_bad_range_shows_the_whole_text(client: TestClient, params):
    r = client.get(f"/documents/{DOC}", params=params)
    assert r.status_code == 200 and "<mark" not in r.text and "outside this document" in r.text


def test_unknown_document_page_is_404(client: TestClient):
    r = client.get("/documents/no-such-doc")
    assert r.status_code == 404 and "no-such-doc" in r.text
    assert r.headers["content-type"].startswith("text/html")


def test_widget_script_is_served_for_any_site(client: TestClient):
    r = client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "attachShadow" in r.text and "innerHTML" not in r.text


def test_widget_demo_embeds_the_script(client: TestClient):
    r = client.get("/widget-demo")
    assert '<script src="/widget.js" data-api="http://testserver"' in r.text


STATIC = Path(__file__).resolve().parents[1] / "api" / "static"
TEMPLATES = STATIC.parent / "templates"
HTML_SINKS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function"
    r"|createContextualFragment|setHTML|srcdoc"
)


def test_scripts_insert_html_only_from_the_servers_answer_html():
    for js in STATIC.glob("*.js"):
        text = js.read_text()
        assert not HTML_SINKS.search(text), js.name
        parsers = text.count("parseFromString")
        if js.name not in {"render.js", "widget.js"}:
            assert parsers == 0, js.name
            continue
        # One parser, in insertAnswerHtml, of its answerHtml argument only ...
        assert parsers == 1, js.name
        assert "new DOMParser().parseFromString(String(answerHtml" in text, js.name
    # ... and insertAnswerHtml is only ever given an answer's answer_html.
    calls = [
        arg
        for js in STATIC.glob("*.js")
        for arg in re.findall(r"insertAnswerHtml\([^,()]+, ([^,()]+),", js.read_text())
    ]
    assert sorted(calls) == ["a.answer_html", "answerHtml", "answerHtml", "state.answer_html"]


def test_no_page_loads_anything_from_another_host():
    for page in TEMPLATES.glob("*.html"):
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", page.read_text()), page.name
    for sheet in STATIC.glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import", sheet.read_text()), sheet.name
    comment = ("*", "//", "/*")
    for js in STATIC.glob("*.js"):
        code = [ln for ln in js.read_text().splitlines() if not ln.lstrip().startswith(comment)]
        assert not any(re.search(r"https?://", line) for line in code), js.name


def test_api_docs_page_is_served_from_this_host(client: TestClient):
    r = client.get("/docs")
    assert r.status_code == 200 and "/static/swagger-init.js" in r.text
    csp = r.headers["content-security-policy"]
    assert "unsafe-inline" not in csp and "http" not in csp
    assets = re.findall(r'(?:src|href)="(/docs-assets/[^"]+)"', r.text)
    assert sorted(assets) == ["/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css"]
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200 and len(served.content) > 100_000
    schema = client.get("/openapi.json").json()
    assert {"/v1/search", "/v1/ask", "/v1/documents", "/v1/documents/{doc_id}"} <= set(
        schema["paths"]
    )


def test_pages_need_a_key_when_read_keys_are_set(tiny_settings: Settings, embedder: Embedder):
    settings = with_settings(tiny_settings, api_keys=READ_KEY, admin_key=ADMIN_KEY)
    with TestClient(create_app(settings, embedder=embedder)) as c:
        r = c.get("/")
        assert r.status_code == 401 and '<label for="key">' in r.text
        assert c.get("/", params={"key": "wrong"}).status_code == 401
        assert c.get("/", params={"key": ADMIN_KEY}).status_code == 401  # never in a URL
        assert c.get("/", headers=auth(ADMIN_KEY)).status_code == 200
        r = c.get("/", params={"key": READ_KEY})
        assert r.status_code == 200 and f'data-key="{READ_KEY}"' in r.text
        assert f"/documents/{DOC}?key={READ_KEY}" in r.text
        assert c.get(f"/documents/{DOC}").status_code == 401
        assert c.get(f"/documents/{DOC}", params={"key": READ_KEY}).status_code == 200
        file_url = f"/v1/documents/{DOC}/file"
        assert c.get(file_url).status_code == 401
        assert c.get(file_url, params={"key": ADMIN_KEY}).status_code == 401
        r = c.get(file_url, params={"key": READ_KEY})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert "attachment" in r.headers["content-disposition"]


# --- pure helpers ------------------------------------------------------------------------
HEADINGS = [
    {"start": 0, "end": 5, "level": 1, "title": "Report"},
    {"start": 10, "end": 20, "level": 2, "title": "Findings"},
    {"start": 50, "end": 60, "level": 2, "title": "Costs"},
    {"start": 70, "end": 80, "level": 3, "title": "Staff"},
]


@pytest.mark.parametrize(
    ("offset", "section"),
    [
        (0, "Report"),
        (15, "Report > Findings"),
        (55, "Report > Costs"),
        (99, "Report > Costs > Staff"),
    ],
)
def test_section_at(offset: int, section: str):
    assert clean_document_of("x" * 100, [], HEADINGS).section_at(offset) == section


def test_page_at():
    breaks = [[0, 1], [100, 2], [250, 3]]
    doc = clean_document_of("x" * 300, breaks, [])
    assert [doc.page_at(o) for o in (0, 99, 100, 260)] == [1, 1, 2, 3]
    assert clean_document_of("x" * 100, [], []).page_at(50) is None


def test_cited_passage_splits_exactly():
    doc = clean_document_of("abcdefghij", [[0, 4]], HEADINGS[:1])
    p = cited_passage(doc, 2, 5)
    assert p is not None and (p.before, p.marked, p.after) == ("ab", "cde", "fghij")
    assert (p.section, p.page) == ("Report", 4)
    assert cited_passage(doc, 5, 5) is None
    assert cited_passage(doc, None, 3) is None
