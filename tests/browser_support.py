"""Helpers of the browser tests (their fixtures are in tests/browser_fixtures.py): the partner
site that embeds the widget, answers from the API, and a check for Markdown left in a page.

The partner site is allowed by PATHWAYS_CORS_ORIGINS when reached as 127.0.0.1 and refused when
reached as localhost. SCREENSHOTS_DIR=docs saves the README's screenshots (docs/screenshot-*.png).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
# resolved now, where pytest was started: the tests themselves run in an empty temp folder
SCREENSHOTS = (
    str(Path(os.environ["SCREENSHOTS_DIR"]).resolve())
    if os.environ.get("SCREENSHOTS_DIR")
    else None
)
QUESTION = "How did Porterville prepare juniors for careers?"
TIMEOUT_MS = 30_000

DESKTOP, PHONE = 1280, 390
# Markdown that should have become HTML: bold markers, a list line, *italics*.
MARKDOWN_LEFT = re.compile(r"\*\*|^[ \t]*- |\*[^\s*][^*\n]*\*", re.M)

BROWSER_TESTS = [
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


def shoot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / name))


def ask_json(api: str, question: str) -> dict[str, Any]:
    r = httpx.post(f"{api}/v1/ask", json={"question": question}, timeout=60)
    r.raise_for_status()
    return r.json()  # type: ignore[no-any-return]


def assert_no_markdown(text: str) -> None:
    found = MARKDOWN_LEFT.search(text)
    if found:
        around = text[max(0, found.start() - 80) : found.end() + 80]
        raise AssertionError(f"Markdown left in the page: {around!r}")
