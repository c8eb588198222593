"""Answers as safe HTML, rendered once on the server.

The answer's Markdown (lists, nested "How we know" lines, bold, italics, quotes) becomes HTML
with markdown-it-py, `[n]` markers become links to the cited passage, and nh3 keeps only a short
allow-list of tags. Raw HTML in the Markdown is never passed through: markdown-it escapes it,
and nh3 would drop it anyway. An abstention's related excerpts are rendered from the structured
`related` citations, since a quote may hold paragraph breaks that no Markdown list item survives.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote, urlencode

import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict

from pathways.types import Answer, Citation

ALLOWED_TAGS = {"p", "br", "ul", "ol", "li", "strong", "em", "blockquote", "code", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "aria-label"}, "ol": {"start"}}
ALLOWED_CLASSES = {"a": {"cite"}}
CITE = re.compile(r"\[(\d{1,4})\]")
LIST_LINE = re.compile(r"^\s*(?:[-*+•]|\d{1,9}[.)])\s", re.M)
# Markdown features an answer never needs; with them off, text from documents or an LLM can't
# turn into links, images, headings, code blocks or tables.
DISABLED = ["link", "image", "autolink", "html_inline", "html_block", "heading", "lheading",
            "code", "fence", "hr", "reference", "table", "linkify"]  # fmt: skip
RELATED_QUOTE_CHARS = 320

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    allowed_classes=ALLOWED_CLASSES,
    url_schemes=set(),  # only our own relative links to /documents/...
    link_rel=None,
    strip_comments=True,
)


def sanitize(fragment: str) -> str:
    """Only the allowed tags and attributes survive; script and style content is dropped."""
    return _cleaner.clean(fragment)


def passage_url(c: Citation) -> str:
    """The document view with the cited passage highlighted (relative to the API host)."""
    query = urlencode({"start": c.start, "end": c.end})
    return f"/documents/{quote(c.doc_id, safe='')}?{query}#cited"


def cite_link(n: int, sources: dict[int, Citation]) -> str:
    c = sources.get(n)
    if c is None:
        return f"[{n}]"
    label = html.escape(f"Source {n}: {c.title}")
    return f'<a class="cite" href="{html.escape(passage_url(c))}" aria-label="{label}">[{n}]</a>'


def _cite_rule(state: StateInline, silent: bool) -> bool:
    found = CITE.match(state.src, state.pos)
    if found is None:
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"n": int(found.group(1))}
    state.pos = found.end()
    return True


def _render_cite(
    self: Any, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    return cite_link(int(tokens[idx].meta["n"]), env.get("sources", {}))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "breaks": True, "typographer": False})
    md.disable([r for r in DISABLED if r in rule_names(md)])
    md.inline.ruler.before("emphasis", "cite", _cite_rule)
    md.add_render_rule("cite", _render_cite)
    return md


def rule_names(md: MarkdownIt) -> set[str]:
    return {name for chain in md.get_all_rules().values() for name in chain}


_md = _parser()


def markdown_html(text: str, sources: Iterable[Citation] = ()) -> str:
    """Markdown with [n] markers as sanitised HTML; markers of `sources` become links."""
    rendered = _md.render(text, {"sources": {c.n: c for c in sources}})
    return sanitize(rendered)


def shorten(text: str, limit: int) -> str:
    """`text` with white space folded, cut at a word boundary with an ellipsis past `limit`."""
    folded = " ".join(text.split())
    if len(folded) <= limit:
        return folded
    cut = folded[: limit + 1].rsplit(" ", 1)[0] if " " in folded[:limit] else folded[:limit]
    return cut.rstrip(" ,;:.-–—") + "…"


def related_item(c: Citation) -> str:
    where = "".join(
        f", {html.escape(part)}" for part in (c.section, f"p. {c.page}" if c.page else "") if part
    )
    quoted = html.escape(shorten(c.quote, RELATED_QUOTE_CHARS))
    title = html.escape(c.title)
    return f"<li>“{quoted}” — <em>{title}</em>{where} {cite_link(c.n, {c.n: c})}</li>"


def related_html(related: Sequence[Citation]) -> str:
    return "<ul>" + "".join(related_item(c) for c in related) + "</ul>"


def answer_html(answer: Answer) -> str:
    """The answer as sanitised HTML: the only answer text a page or widget inserts as HTML."""
    if not (answer.abstained and answer.related):
        return markdown_html(answer.answer, [*answer.citations, *answer.related])
    first_item = LIST_LINE.search(answer.answer)
    intro = answer.answer[: first_item.start()] if first_item else answer.answer
    return markdown_html(intro) + sanitize(related_html(answer.related))
