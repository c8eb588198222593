"""The page and the widget in real headless Chromium, against a real uvicorn server.

A second local origin (a tiny static site on another port) embeds the widget; it is allowed by
PATHWAYS_CORS_ORIGINS when reached as 127.0.0.1 and refused when reached as localhost.
Set SCREENSHOTS_DIR=docs to save docs/screenshot-page.png and docs/screenshot-widget.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from api_support import free_port, serve_app, serve_folder, with_settings

from api.app import create_app
from index.embedder import Embedder
from pathways.settings import Settings

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
SCREENSHOTS = os.environ.get("SCREENSHOTS_DIR")
QUESTION = "How did Porterville prepare juniors for careers?"
TIMEOUT_MS = 30_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(),
        reason=f"{CHROMIUM} is missing: run scripts/install-browser.sh (CI does)",
    ),
]

EMBED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Central Valley Career Network</title>
<link rel="icon" href="data:,">
<style>
  body {{ margin: 0; font: 17px/1.6 Georgia, serif; color: #222; background: #fbfaf7; }}
  header {{ background: #2d5a27; color: #fff; padding: 18px 40px; font: 600 22px sans-serif; }}
  main {{ max-width: 720px; margin: 0 auto; padding: 24px 40px; }}
  h1 {{ font-size: 30px; }}
</style></head>
<body>
<header>Central Valley Career Network</header>
<main>
  <h1>Career pathways for every student</h1>
  <p>Our partner districts, colleges and employers build pathways from high school into
  college and careers. Questions about what works? Ask the research assistant in the corner:
  its answers cite the reports they come from.</p>
  <p>Upcoming: the spring pathways convening, the employer roundtable, and the new
  work-based learning toolkit for counselors.</p>
</main>
<script src="{api}/widget.js" data-api="{api}" defer></script>
</body></html>
"""


@dataclass(frozen=True)
class Servers:
    api: str
    site_port: int

    @property
    def allowed_site(self) -> str:
        return f"http://127.0.0.1:{self.site_port}"

    @property
    def refused_site(self) -> str:
        return f"http://localhost:{self.site_port}"


@pytest.fixture(scope="module")
def servers(
    corpus_settings: Settings, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    folder = tmp_path_factory.mktemp("partner-site")
    with serve_folder(folder) as site_port:
        settings = with_settings(
            corpus_settings,
            cors_origins=f"http://127.0.0.1:{site_port}",
            rate_limit="1000/minute",
        )
        with serve_app(create_app(settings, embedder=embedder), free_port()) as api:
            (folder / "embed.html").write_text(EMBED_PAGE.format(api=api))
            yield Servers(api=api, site_port=site_port)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def answer_json(api: str) -> dict[str, object]:
    r = httpx.post(f"{api}/v1/ask", json={"question": QUESTION}, timeout=60)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


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
    shoot(page, "screenshot-page.png")

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

    expected = answer_json(servers.api)
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
    shoot(page, "screenshot-widget.png")

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
