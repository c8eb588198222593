"""Find headings among cleaned paragraphs and nest them into a section outline.

Heading cues:

- markdown ``#`` lines (the DOCX/HTML loaders also emit these for heading styles): level = ``#``s;
- "marked" lines: a Word TOC bookmark (``[bookmark: _Toc…]``) or a named bookmark spelling the
  line's text, when the line is heading-shaped (short, no sentence-final punctuation); a long
  body paragraph carrying a ``_Toc`` bookmark is not a heading;
- numbered lines: ``1.2 Title`` (number (1, 2)), ``Goal 1: …`` / ``Appendix A`` (label + number);
- ALL-CAPS lines (one heading wrapped over consecutive caps lines is one heading);
- plain lines: a short stand-alone paragraph without final punctuation or URL, not after a line
  ending in ":" and not right after a marked heading (that is a subtitle). In a document whose
  headings are in capitals (two or more caps headings) plain lines are second-rank headings and
  must also stand between longer paragraphs (rules out signatures, addresses, table cells).

Nesting. Only markdown headings carry a level. For the others a stack of open headings is kept;
for each new heading, looking at the open headings innermost first:

1. numbering decides when it applies: "1.2" goes under "Goal 1" (number prefix) and replaces an
   open sibling with the same label and depth ("Goal 1" -> "Goal 2");
2. a markdown heading, or one of higher rank (caps above plain), is the outermost possible parent;
3. within that bound, the *outermost* open heading whose lead text announces the new heading is
   its parent (a list in a higher-level introduction beats a passing mention in a sibling);
   otherwise the bound itself, otherwise the new heading is top level.
4. before 3: a heading whose lead ends by counting what follows ("In all, there are four issues
   cited by community colleges…") takes that many following headings of its rank as children,
   unless they are numbered or the section just opened names them in words. Counts of time,
   money or of the organizations studied ("three districts"), and labels ("year two"), count
   nothing.

"Announces": the lead text (the paragraphs between a heading and the next heading; only when
there are at most three of them, since a section that introduces subsections does so briefly)
mentions at least two thirds of the new heading's content words (crude 5-letter stems, stop
words dropped; for "Goal 2: …" the label "goal"), close together. Example: "Common Implementation
Challenges" opens with "Central among them are lack of supportive leadership, …, difficulty
attracting staff, …", so "Supportive Leadership" and "Staffing" nest under it, and "Coaches"
under "Staffing", whose lead mentions "the centrality of coaches to pathway work".
Siblings share a rank: once a heading has a child of one rank it takes no child of another.
Sidebars — "LABEL: title" headings whose label ends in the same word in three or more headings
("PROMISING PRACTICE: …", "LEADERSHIP PROMISING PRACTICE: …") — are leaves under the current
heading. Without any of these cues a document comes out as a flat level-1 list. A heading's
parent is always the nearest earlier heading with a smaller level.

Display titles: ALL-CAPS headings are title-cased; a word stays in capitals when the document's
body text also writes it in capitals (CCPT, CTE, JFF, LEA) or it has no vowel.

Line cues are `ingest.cues`, nesting `ingest.nesting`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.cues import (
    _CAPS_TOKEN,
    _SMALL_WORDS,
    _URL,
    MAX_LEAD_PARAGRAPHS,
    MAX_PLAIN_HEADING_CHARS,
    MIN_SIDEBAR_LABELS,
    SHORT_BODY_CHARS,
    HeadingCue,
    is_caps_line,
    is_heading_shaped,
)
from ingest.nesting import _announce_words, _Node, announced_count, nest, stem_sequence


@dataclass(frozen=True)
class Paragraph:
    """One cleaned paragraph as heading detection sees it."""

    text: str
    kind: str  # "body" | "bullet" | "table" | "footnote" | "heading"
    cue: HeadingCue | None = None


@dataclass(frozen=True)
class OutlineEntry:
    """A detected heading: which paragraph, its depth and its display title."""

    index: int
    level: int
    title: str


# --- paragraph-level detection ---------------------------------------------------------


def detect_headings(paragraphs: Sequence[Paragraph]) -> list[OutlineEntry]:
    """Headings among paragraphs, with nesting levels and display titles."""
    cued = [i for i, p in enumerate(paragraphs) if p.kind == "heading"]
    caps_document = sum(1 for i in cued if _cue_kind(paragraphs[i]) == "caps") >= 2
    plain = set(_plain_heading_indexes(paragraphs, isolated=caps_document))
    indexes = sorted({*cued, *plain})
    acronyms = _body_capitals(paragraphs, set(indexes))
    titles = [display_title(paragraphs[i], acronyms) for i in indexes]
    sidebars = _sidebar_titles(titles)
    leads = [_lead_paragraphs(paragraphs, i, set(indexes)) for i in indexes]
    nodes = [
        _Node(
            title=title,
            cue=paragraphs[i].cue,
            words=_announce_words(title, paragraphs[i].cue),
            lead=stem_sequence(" ".join(lead)) if len(lead) <= MAX_LEAD_PARAGRAPHS else (),
            sidebar=title in sidebars,
            rank=2 if caps_document and i in plain else 1,
            announced=announced_count(lead) if len(lead) <= MAX_LEAD_PARAGRAPHS else 0,
        )
        for i, title, lead in zip(indexes, titles, leads, strict=True)
    ]
    levels = nest(nodes)
    return [OutlineEntry(i, lv, t) for i, lv, t in zip(indexes, levels, titles, strict=True)]


def _cue_kind(paragraph: Paragraph) -> str:
    return paragraph.cue.kind if paragraph.cue else ""


def _plain_heading_indexes(paragraphs: Sequence[Paragraph], isolated: bool) -> list[int]:
    """Plain headings; isolated=True also rejects lines next to other short body lines."""
    found = []
    for i, par in enumerate(paragraphs[:-1]):
        previous = paragraphs[i - 1] if i > 0 else Paragraph("", "body")
        if par.kind != "body" or not is_plain_heading(par.text):
            continue
        if previous.text.rstrip().endswith(":") or _is_marked_heading(previous):
            continue
        if isolated and (_is_short_body(previous) or _is_short_body(paragraphs[i + 1])):
            continue  # a run of short lines: signature, address, caption
        found.append(i)
    return found


def _is_short_body(paragraph: Paragraph) -> bool:
    return paragraph.kind == "body" and len(paragraph.text) < SHORT_BODY_CHARS


def _is_marked_heading(paragraph: Paragraph) -> bool:
    """A heading the author marked (markdown, bookmark, number); a short line after it is a
    subtitle, not another heading."""
    return paragraph.cue is not None and paragraph.cue.kind in ("markdown", "marked", "numbered")


def is_plain_heading(text: str) -> bool:
    """A short stand-alone line such as "Proposed strategies" or "Delaware Pathways Project"."""
    if not is_heading_shaped(text, MAX_PLAIN_HEADING_CHARS) or _URL.search(text):
        return False
    if re.search(r":\s+[a-z$\d]", text):
        return False  # "Label: lower-case text" is a list or definition item
    letters = sum(c.isalpha() for c in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


def _lead_paragraphs(
    paragraphs: Sequence[Paragraph], index: int, heading_indexes: set[int]
) -> list[str]:
    """Text paragraphs between a heading and the next heading (footnotes left out)."""
    lead = []
    for j in range(index + 1, len(paragraphs)):
        if j in heading_indexes:
            break
        if paragraphs[j].kind != "footnote":
            lead.append(paragraphs[j].text)
    return lead


def _body_capitals(paragraphs: Sequence[Paragraph], heading_indexes: set[int]) -> frozenset[str]:
    words: set[str] = set()
    for i, par in enumerate(paragraphs):
        if i not in heading_indexes:
            words.update(_CAPS_TOKEN.findall(par.text))
    return frozenset(words)


# --- titles ----------------------------------------------------------------------------


def display_title(paragraph: Paragraph, acronyms: frozenset[str] = frozenset()) -> str:
    """Title for display: whitespace collapsed, ALL-CAPS title-cased."""
    text = " ".join(paragraph.text.split())
    caps = paragraph.cue is not None and paragraph.cue.kind == "caps"
    return title_case(text, acronyms) if caps or is_caps_line(text) else text


def title_case(text: str, acronyms: frozenset[str] = frozenset()) -> str:
    """ "CHALLENGES FOR CCPT" -> "Challenges for CCPT" (see module doc for what stays upper)."""
    words = text.split()
    return " ".join(
        _title_word(word, first=n == 0, acronyms=acronyms) for n, word in enumerate(words)
    )


def _title_word(word: str, first: bool, acronyms: frozenset[str]) -> str:
    parts = re.split(r"([-/–—])", word)
    return "".join(_title_part(part, first and n == 0, acronyms) for n, part in enumerate(parts))


def _title_part(part: str, first: bool, acronyms: frozenset[str]) -> str:
    core = part.strip("()[]\"'“”‘’:;,.!?")
    if not core or not core.isalpha():
        return part
    if core in acronyms or not re.search(r"[AEIOUY]", core):
        return part
    if not first and core.lower() in _SMALL_WORDS:
        return part.lower()
    return part.replace(core, core[0] + core[1:].lower(), 1)


def _sidebar_titles(titles: Sequence[str]) -> set[str]:
    """Titles of call-out boxes: "X: …" headings whose label's last word recurs in other labels."""
    last_words = {t: t.split(":", 1)[0].split()[-1].lower() for t in titles if _label_of(t)}
    counts = Counter(last_words.values())
    return {t for t, word in last_words.items() if counts[word] >= MIN_SIDEBAR_LABELS}


def _label_of(title: str) -> str:
    label, colon, _ = title.partition(":")
    if not colon or not label.strip() or any(c.isdigit() for c in label):
        return ""
    return label.strip()
