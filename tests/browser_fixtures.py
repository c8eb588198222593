"""Fixtures of the browser tests, loaded with `pytest_plugins = ["browser_fixtures"]`: a real
uvicorn server over the indexed tiny corpus (the whole corpus when taking screenshots), a partner
site on a second local origin that embeds the widget, and Debian's headless Chromium (one browser
per module, one context per page)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_support import free_port, serve_app, serve_folder, with_settings
from browser_support import ARGS, CHROMIUM, DESKTOP, EMBED_PAGE, SCREENSHOTS, TIMEOUT_MS, Servers

from api.app import create_app
from index.embedder import Embedder
from pathways.settings import Settings


@pytest.fixture(scope="module")
def servers(
    request: pytest.FixtureRequest, embedder: Embedder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    # the README's screenshots (SCREENSHOTS_DIR) show the whole corpus
    base: Settings = request.getfixturevalue("corpus_settings" if SCREENSHOTS else "tiny_settings")
    folder = tmp_path_factory.mktemp("partner-site")
    with serve_folder(folder) as site_port:
        settings = with_settings(
            base,
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


def new_page(context):  # type: ignore[no-untyped-def]
    """A page that records console errors and uncaught exceptions in `page.console_errors`."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


@pytest.fixture
def open_page(browser) -> Iterator[Callable[[int], Any]]:  # type: ignore[no-untyped-def]
    """open_page(width) -> a fresh page in its own context, `width` CSS pixels wide."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def opened(width: int = DESKTOP) -> Any:
        context = browser.new_context(viewport={"width": width, "height": 860})
        contexts.append(context)
        return new_page(context)

    yield opened
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_page: Callable[[int], Any]) -> Any:
    return open_page(DESKTOP)
