"""api.render: answers' Markdown as sanitised HTML, and answer_html in the API's answers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.render import answer_html, markdown_html, sanitize, shorten
from index.embedder import Embedder
from pathways.settings import Settings
from pathways.types import Answer, Citation

FLAGSHIP = "Which districts are doing career pathways well, and how do we know?"
UNANSWERABLE = "What is the actual student-to-counselor ratio in California high schools?"


def cite(n: int, quote: str = "A quote.", title: str = "A Report") -> Citation:
    return Citation(
        n=n, doc_id=f"doc-{n}", title=title, section="Findings", page=n, start=10 * n,
        end=10 * n + len(quote), quote=quote, source_url="",
    )  # fmt: skip


def items(fragment: str) -> list[str]:
    return re.findall(r"<li>(.*?)</li>", fragment, re.S)


def visible(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment)


# --- sanitising --------------------------------------------------------------------------
def test_script_in_the_markdown_is_shown_as_text_never_run():
    out = markdown_html('Before <script>alert("x")</script> after [1]', [cite(1)])
    assert "<script" not in out
    assert "&lt;script&gt;" in out and 'class="cite"' in out


@pytest.mark.parametrize(
    "fragment",
    [
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">hi</p>',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<script>alert(1)</script><style>p{}</style>",
        '<iframe src="https://example.org"></iframe>',
        '<div style="background:url(javascript:alert(1))">x</div>',
    ],
)
def test_sanitize_drops_scripts_handlers_and_javascript_links(fragment: str):
    out = sanitize(fragment).lower()
    for bad in ("<script", "onerror", "onclick", "javascript:", "data:", "<iframe", "<img"):
        assert bad not in out, (bad, out)
    assert "style" not in out


def test_a_javascript_link_in_the_markdown_is_not_a_link():
    out = markdown_html("[click](javascript:alert(1)) and <https://example.org>")
    assert "<a" not in out and "href" not in out


def test_only_cite_links_keep_their_class():
    out = sanitize('<a class="cite evil" href="/documents/x">[1]</a><p class="x">t</p>')
    assert 'class="cite"' in out and "evil" not in out and '<p class="x">' not in out


# --- Markdown ----------------------------------------------------------------------------
def test_a_list_becomes_list_items_with_citation_links():
    text = "- One thing. [1]\n- Another thing. [2]\n- A third. [3]"
    out = markdown_html(text, map(cite, (1, 2, 3)))
    assert out.startswith("<ul>") and len(items(out)) == 3
    links = re.findall(r'<a class="cite" href="([^"]+)"[^>]*>\[(\d)\]</a>', out)
    assert links == [
        ("/documents/doc-1?start=10&amp;end=18#cited", "1"),
        ("/documents/doc-2?start=20&amp;end=28#cited", "2"),
        ("/documents/doc-3?start=30&amp;end=38#cited", "3"),
    ]


def test_nested_how_we_know_lines_stay_in_their_item_on_their_own_line():
    text = (
        "- **Porterville Unified** (school district): It surveys seniors. [1]\n"
        "  *How we know:* a program description; measures reported: graduation. [2]\n"
        "- **Elk Grove Unified** (school district): It runs roundtables. [3]\n"
        "  *How we know:* a practitioner's account. [4]"
    )
    out = markdown_html(text, map(cite, range(1, 5)))
    found = items(out)
    assert len(found) == 2
    assert found[0].startswith("<strong>Porterville Unified</strong> (school district)")
    assert "<br>\n<em>How we know:</em> a program description" in found[0]
    assert "**" not in visible(out) and "*How" not in visible(out)


def test_a_multi_paragraph_quote_is_one_blockquote():
    text = "The director said:\n\n> First paragraph.\n>\n> Second paragraph. [1]"
    out = markdown_html(text, [cite(1)])
    quote = re.search(r"<blockquote>(.*?)</blockquote>", out, re.S)
    assert quote and re.findall(r"<p>(.*?)</p>", quote.group(1), re.S)[0] == "First paragraph."
    assert quote.group(1).count("<p>") == 2


def test_a_marker_without_its_citation_stays_text():
    assert markdown_html("Claim. [7]", [cite(1)]) == "<p>Claim. [7]</p>\n"


def test_shorten_ends_at_a_word_with_an_ellipsis():
    text = "Counselors are essential to successful implementation of pathway programs."
    assert shorten(text, 40) == "Counselors are essential to successful…"
    assert shorten("  short\n\ntext ", 40) == "short text"


# --- abstentions -------------------------------------------------------------------------
def abstention(related: list[Citation]) -> Answer:
    broken = "\n".join(f'- "{c.quote[:50]}" — *{c.title}* [{c.n}]' for c in related)
    return Answer(
        question="q", abstained=True, confidence=0.1, citations=[], related=related,
        answer="The reports in this collection do not answer this question.\n\n"
        f"Related excerpts (these are related material, not an answer):\n\n{broken}",
    )  # fmt: skip


def test_an_abstention_lists_its_related_excerpts_even_with_paragraph_breaks_in_quotes():
    related = [
        cite(1, "Counselors are essential.\n\nIn strong programs, counselors help.", "R *1*"),
        cite(2, "High school counselors are more about college than career."),
        cite(3, "Only a few California districts require that all students enroll."),
    ]
    out = answer_html(abstention(related))
    assert out.startswith("<p>The reports in this collection do not answer this question.</p>")
    found = items(out)
    assert len(found) == 3
    assert found[0].startswith("“Counselors are essential. In strong programs, counselors help.”")
    assert "<em>R *1*</em>, Findings, p. 1" in found[0]
    assert all(f'href="/documents/doc-{c.n}?' in li for c, li in zip(related, found, strict=True))
    assert not re.search(r"^- |\n- ", visible(out))


# --- the API -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def client(tiny_settings: Settings, embedder: Embedder) -> Iterator[TestClient]:
    with TestClient(create_app(tiny_settings, embedder=embedder)) as c:
        yield c


def test_the_api_returns_answer_html_beside_the_markdown(client: TestClient):
    body = client.post("/v1/ask", json={"question": FLAGSHIP}).json()
    assert body["answer"].startswith("- **")
    assert len(items(body["answer_html"])) >= 3
    shown = visible(body["answer_html"])
    assert "**" not in shown and not re.search(r"(^|\n)- ", shown)
    cited = {int(n) for n in re.findall(r'class="cite"[^>]*>\[(\d+)\]', body["answer_html"])}
    assert cited == {c["n"] for c in body["citations"]}


def test_the_stream_ends_with_the_same_answer_html(client: TestClient):
    plain = client.post("/v1/ask", json={"question": UNANSWERABLE}).json()
    assert plain["abstained"] and len(items(plain["answer_html"])) == len(plain["related"]) > 0
    with client.stream("POST", "/v1/ask", json={"question": UNANSWERABLE, "stream": True}) as r:
        events = r.read().decode().replace("\r\n", "\n").split("\n\n")
    done = next(e for e in events if e.startswith("event: done"))
    data = json.loads(done.split("data: ", 1)[1])
    assert data["answer_html"] == plain["answer_html"]
