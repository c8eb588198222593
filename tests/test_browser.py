"""The page and the widget in real headless Chromium, against a real uvicorn server: asking,
searching, opening a cited passage, and the widget on an allowed and on a refused site.
Fixtures: tests/browser_fixtures.py; helpers: tests/browser_support.py."""

from __future__ import annotations

import re

import httpx
from browser_support import BROWSER_TESTS, QUESTION, Servers, ask_json, shoot

pytest_plugins = ["browser_fixtures"]  # servers, browser, page, open_page

pytestmark = BROWSER_TESTS


def test_page_asks_and_opens_the_cited_passage(servers: Servers, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{servers.api}/")
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()
    question = page.get_by_label("Question")
    question.fill(QUESTION)
    question.press("Enter")  # keyboard submits
    expect(page.locator("article.answer")).to_be_visible()
    cite = page.locator("article.answer a.cite").first
    expect(cite).to_be_visible()
    n = int(re.sub(r"\D", "", cite.inner_text()))
    quote = page.locator(f"#source-{n} blockquote").text_content()
    assert quote
    expect(page.locator("#status")).to_contain_text("Answer ready")

    cite.click()
    page.wait_for_url(re.compile(r"/documents/"))
    mark = page.locator("mark#cited")
    expect(mark).to_be_in_viewport()
    assert mark.text_content() == quote
    expect(page.locator(".cited-info")).to_be_visible()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "cited"
    shoot(page, "screenshot-document.png")
    assert page.console_errors == []


def test_page_search_lists_passages(servers: Servers, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(f"{servers.api}/")
    page.get_by_label("Question").fill("Porterville interviewed all juniors")
    page.get_by_label("Document type").select_option("ccpt-report")
    page.get_by_role("button", name="Search passages").click()
    results = page.locator(".search-results li")
    expect(results.first).to_be_visible()
    assert results.count() >= 1
    assert page.console_errors == []


def test_widget_on_an_allowed_site_streams_a_cited_answer(servers: Servers, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expected = ask_json(servers.api, QUESTION)
    streamed: list[str] = []
    page.on(
        "response",
        lambda r: r.url.endswith("/v1/ask") and streamed.append(r.headers.get("content-type", "")),
    )
    page.goto(f"{servers.allowed_site}/embed.html")
    launcher = page.get_by_role("button", name="Ask the reports")
    launcher.click()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    box = page.get_by_label("Your question")
    expect(box).to_be_focused()
    box.fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()

    cites = page.locator("#pathways-widget .answer a.cite")
    expect(cites.first).to_be_visible()
    expect(page.locator("#pathways-widget .sources li")).to_have_count(len(expected["citations"]))  # type: ignore[arg-type]
    answer_text = page.locator("#pathways-widget .answer").inner_text()
    first_words = " ".join(str(expected["answer"]).split()[:6])
    assert first_words in " ".join(answer_text.split())
    assert streamed and streamed[0].startswith("text/event-stream")
    expect(page.locator("#pathways-widget .error")).to_be_hidden()

    href = cites.first.get_attribute("href") or ""
    assert href.startswith(f"{servers.api}/documents/")
    n = int(re.sub(r"\D", "", cites.first.inner_text()))
    quote = next(c["quote"] for c in expected["citations"] if c["n"] == n)  # type: ignore[union-attr]
    with page.context.expect_page() as opened:
        cites.first.click()
    doc_page = opened.value
    doc_page.wait_for_load_state()
    assert doc_page.locator("mark#cited").text_content() == quote
    assert page.console_errors == []


def test_widget_on_a_site_that_is_not_allowed_is_refused(servers: Servers, page) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    r = httpx.options(
        f"{servers.api}/v1/ask",
        headers={"Origin": servers.refused_site, "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers

    page.goto(f"{servers.refused_site}/embed.html")
    page.get_by_role("button", name="Ask the reports").click()
    page.get_by_label("Your question").fill(QUESTION)
    page.get_by_role("button", name="Ask", exact=True).click()
    error = page.locator("#pathways-widget .error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("PATHWAYS_CORS_ORIGINS")
    expect(page.locator("#pathways-widget .answer")).to_have_count(0)
