"""Answers as people see them, in real headless Chromium at desktop and phone widths: the page
and the widget show the server's rendered HTML (real lists, no Markdown left), abstentions list
their related excerpts, the question lives in the URL, and /docs works with the network cut off.
Fixtures: tests/browser_fixtures.py; helpers: tests/browser_support.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from browser_support import (
    BROWSER_TESTS,
    DESKTOP,
    PHONE,
    Servers,
    ask_json,
    assert_no_markdown,
    shoot,
)

pytest_plugins = ["browser_fixtures"]  # servers, browser, page, open_page

pytestmark = [*BROWSER_TESTS, pytest.mark.slow]  # every view at two widths; test_browser.py is fast

FLAGSHIP = "Which districts are doing career pathways well, and how do we know?"
UNANSWERABLE = "What is the actual student-to-counselor ratio in California high schools?"
SEARCH = "Porterville interviewed all juniors"
WIDTHS = pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
OpenPage = Callable[[int], Any]


def page_url(servers: Servers, question: str, mode: str = "ask") -> str:
    return f"{servers.api}/?{urlencode({'q': question, 'mode': mode})}"


def assert_fits(page: Any, width: int) -> None:
    """Nothing scrolls sideways: the page is no wider than the screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def ask_widget(page: Any, servers: Servers, question: str) -> Any:
    from playwright.sync_api import expect

    page.goto(f"{servers.allowed_site}/embed.html")
    page.get_by_role("button", name="Ask the reports").click()
    page.get_by_label("Your question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()
    answer = page.locator("#pathways-widget .answer")
    expect(answer.locator("a.cite").first).to_be_visible()
    return answer


# --- the page ----------------------------------------------------------------------------
@WIDTHS
def test_page_shows_a_list_answer_as_a_list(servers: Servers, open_page: OpenPage, width: int):
    from playwright.sync_api import expect

    page = open_page(width)
    page.goto(page_url(servers, FLAGSHIP))  # a shared link: the question is in the URL
    expect(page.get_by_label("Question")).to_have_value(FLAGSHIP)
    items = page.locator("article.answer .answer-text li")
    expect(items.first).to_be_visible()
    assert items.count() >= 3
    expect(items.first.locator("em")).to_have_text("How we know:")
    n = len(ask_json(servers.api, FLAGSHIP)["citations"])
    expect(page.locator("#status")).to_have_text(f"Answer ready, with {n} sources.")
    assert_no_markdown(page.locator("main").inner_text())
    for source in page.locator("#results .sources li").all():  # each quote once, short
        quote = source.locator("blockquote.quote:visible, details.passage summary")
        assert quote.count() == 1 and len(quote.inner_text()) <= 170
    assert_fits(page, width)
    table = page.locator("#documents table").bounding_box()
    assert table and table["x"] + table["width"] <= width
    if width == DESKTOP:  # the question and the top of the answer
        page.locator("#ask-form").evaluate("el => el.scrollIntoView({block: 'start'})")
        shoot(page, "screenshot-page.png")
    else:  # the documents table, one block per document
        page.locator("#documents").evaluate("el => el.scrollIntoView({block: 'start'})")
        shoot(page, "screenshot-phone.png")
    assert page.console_errors == []


@WIDTHS
def test_page_lists_an_abstentions_related_excerpts(
    servers: Servers, open_page: OpenPage, width: int
):
    from playwright.sync_api import expect

    related = ask_json(servers.api, UNANSWERABLE)["related"]
    assert related
    page = open_page(width)
    page.goto(page_url(servers, UNANSWERABLE))
    items = page.locator("article.answer .answer-text ul > li")
    expect(items).to_have_count(len(related))
    for item, c in zip(items.all(), related, strict=True):
        href = item.locator("a.cite").get_attribute("href") or ""
        assert href.startswith(f"/documents/{c['doc_id']}?start={c['start']}&end={c['end']}")
        assert c["title"] in item.inner_text()
    status = page.locator("#status")
    expect(status).to_contain_text("do not answer")
    assert "0 sources" not in status.inner_text()
    assert_no_markdown(page.locator("main").inner_text())
    assert_fits(page, width)
    assert page.console_errors == []


def test_the_question_lives_in_the_url(servers: Servers, page: Any):
    from playwright.sync_api import expect

    page.goto(f"{servers.api}/")
    box = page.get_by_label("Question")
    box.fill(FLAGSHIP)
    box.press("Enter")
    expect(page.locator("article.answer li").first).to_be_visible()
    assert parse_qs(urlsplit(page.url).query) == {"q": [FLAGSHIP], "mode": ["ask"]}

    page.reload()  # reload keeps the answer
    expect(page.locator("article.answer li").first).to_be_visible()
    box.fill(SEARCH)
    page.get_by_role("button", name="Search passages").click()
    expect(page.locator(".search-results li").first).to_be_visible()
    assert parse_qs(urlsplit(page.url).query) == {"q": [SEARCH], "mode": ["search"]}

    page.go_back()  # Back brings the answer back
    expect(page.locator("article.answer li").first).to_be_visible()
    expect(box).to_have_value(FLAGSHIP)
    expect(page.locator(".search-results")).to_have_count(0)
    assert page.console_errors == []


def test_an_empty_question_clears_the_stale_status(servers: Servers, page: Any):
    from playwright.sync_api import expect

    page.goto(page_url(servers, SEARCH, "search"))
    expect(page.locator("#status")).to_contain_text("passages found")
    page.get_by_label("Question").fill("")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#error")).to_have_text("Type a question first.")
    expect(page.locator("#status")).to_have_text("")


def test_search_excerpts_end_at_a_word_and_expand(servers: Servers, page: Any):
    from playwright.sync_api import expect

    page.goto(page_url(servers, SEARCH, "search"))
    results = page.locator(".search-results li")
    expect(results.first).to_be_visible()
    shortened = page.locator(".search-results details.passage")
    assert shortened.count() >= 1
    for passage in shortened.all():
        short = passage.locator("summary .short").inner_text()
        full = " ".join((passage.locator("blockquote").text_content() or "").split())
        assert short.endswith("…") and full.startswith(short[:-1])
        assert full[len(short) - 1] in " ,;:.-–—"  # the cut falls between words
    first = shortened.first
    first.locator("summary").click()
    expect(first.locator("blockquote")).to_be_visible()
    expect(first.locator("summary .short")).to_be_hidden()


def test_every_document_view_fits_a_phone(servers: Servers, open_page: OpenPage):
    import httpx

    page = open_page(PHONE)
    documents = httpx.get(f"{servers.api}/v1/documents", timeout=30).json()["documents"]
    assert documents
    for doc in documents:  # long source URLs and unbroken lines wrap instead of scrolling
        page.goto(f"{servers.api}/documents/{doc['doc_id']}?start=0&end=40")
        assert_fits(page, PHONE)
    assert page.console_errors == []


# --- the widget --------------------------------------------------------------------------
@WIDTHS
def test_widget_shows_a_list_answer_as_a_list(servers: Servers, open_page: OpenPage, width: int):
    page = open_page(width)
    answer = ask_widget(page, servers, FLAGSHIP)
    assert answer.locator("li").count() >= 3
    assert answer.locator("li em").first.inner_text() == "How we know:"
    assert_no_markdown(page.locator("#pathways-widget .panel").inner_text())
    href = answer.locator("a.cite").first.get_attribute("href") or ""
    assert href.startswith(f"{servers.api}/documents/")
    panel = page.locator("#pathways-widget .panel").bounding_box()
    assert panel and panel["x"] >= 0 and panel["x"] + panel["width"] <= width
    assert_fits(page, width)
    if width == DESKTOP:
        shoot(page, "screenshot-widget.png")
    assert page.console_errors == []


@WIDTHS
def test_widget_lists_an_abstentions_related_excerpts(
    servers: Servers, open_page: OpenPage, width: int
):
    from playwright.sync_api import expect

    related = ask_json(servers.api, UNANSWERABLE)["related"]
    page = open_page(width)
    answer = ask_widget(page, servers, UNANSWERABLE)
    expect(answer.locator("ul > li")).to_have_count(len(related))
    assert "do not answer" in answer.inner_text()
    assert_no_markdown(page.locator("#pathways-widget .panel").inner_text())
    assert page.console_errors == []


# --- API docs ----------------------------------------------------------------------------
def test_api_docs_work_with_the_network_cut_off(servers: Servers, browser: Any):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": DESKTOP, "height": 860})
    outside: list[str] = []

    def this_host_only(route: Any) -> None:
        if route.request.url.startswith(f"{servers.api}/"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", this_host_only)
    page = context.new_page()
    page.goto(f"{servers.api}/docs")
    paths = page.locator(".opblock-summary-path")
    expect(paths.filter(has_text="/v1/ask")).to_be_visible()
    shown = {" ".join(p.split()) for p in paths.all_inner_texts()}
    assert {"/v1/search", "/v1/ask", "/v1/documents", "/v1/documents/{doc_id}"} <= shown
    assert outside == []
    context.close()
