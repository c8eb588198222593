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
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from pathways.text import SERIES_WORDS, STOP_WORDS, prefix_stem

MAX_HEADING_CHARS = 120
MAX_PLAIN_HEADING_CHARS = 100
SHORT_BODY_CHARS = 60
MAX_HEADING_WORDS = 20
ANNOUNCED_SHARE = 2 / 3
WINDOW_PER_WORD = 4
MAX_LEAD_PARAGRAPHS = 3
MIN_SIDEBAR_LABELS = 3

_MARKDOWN = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_DOTTED_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){1,3})\.?\s+(\S.*)$")
_LABELLED_NUMBER = re.compile(
    r"^(Goal|Chapter|Section|Part|Appendix|Annex|Step|Phase|Priority|Objective|Strategy|Module"
    r"|Unit|Theme|Lesson|GOAL|CHAPTER|SECTION|PART|APPENDIX|STEP|PHASE)\s+(\d{1,2}|[A-Z]|[IVX]{1,4})"
    r"\b\s*[:.\-–—]?\s*(.*)$"
)
_FINAL_PUNCTUATION = tuple(".,;:!?…")
_URL = re.compile(r"https?://|www\.|\S@\S")
_WORD = re.compile(r"[A-Za-z]+")
_CAPS_TOKEN = re.compile(r"\b[A-Z][A-Z&]+\b")
_SMALL_WORDS = frozenset(
    ("a", "an", "the", "and", "or", "nor", "but", "of", "in", "on", "at", "to", "for", "by")
    + ("with", "from", "as", "into", "via", "vs", "per")
)


@dataclass(frozen=True)
class HeadingCue:
    """Why a line looks like a heading."""

    kind: str  # "markdown" | "marked" | "numbered" | "caps"
    level: int | None = None  # explicit level (markdown only)
    number: tuple[int, ...] = ()  # section number, e.g. (1, 2) for "1.2 Title"
    label: str = ""  # lower-cased word before the number, e.g. "goal" for "Goal 1: …"


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


@dataclass
class _Node:
    title: str
    cue: HeadingCue | None
    words: frozenset[str]
    lead: tuple[str, ...]  # stems of the lead text; () when the lead is too long to introduce
    sidebar: bool
    rank: int  # 1, or 2 for mixed-case headings in a document whose main headings are in caps
    announced: int = 0  # subsections its lead counts ("there are four issues"), 0 for none


@dataclass
class _Open:
    """A heading on the nesting stack."""

    level: int
    node: _Node
    child_rank: int | None = None  # rank of its first child: later children must match
    quota: int = 0  # announced subsections still to come

    def accepts(self, node: _Node) -> bool:
        return self.child_rank in (None, node.rank)


_CLOSED = _Node("", None, frozenset(), (), sidebar=False, rank=99)  # never a parent


# --- line-level cues -------------------------------------------------------------------


def split_markdown_heading(line: str) -> tuple[int, str] | None:
    """(level, text) of a markdown ``#`` heading line, else None."""
    match = _MARKDOWN.match(line.strip())
    return (len(match.group(1)), match.group(2)) if match else None


def is_heading_shaped(text: str, max_chars: int = MAX_HEADING_CHARS) -> bool:
    """Short, starts like a title, does not end like a sentence or a list lead-in."""
    text = text.strip()
    if not text or len(text) > max_chars or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if not (text[0].isupper() or text[0].isdigit()) or text.endswith(_FINAL_PUNCTUATION):
        return False
    return any(len(word) >= 2 for word in _WORD.findall(text))


def is_caps_line(text: str) -> bool:
    """An ALL-CAPS line that can be (part of) a heading, e.g. "COMMON IMPLEMENTATION CHALLENGES"."""
    text = text.strip()
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4 or any(c.islower() for c in letters) or len(text) > MAX_HEADING_CHARS:
        return False
    if text[0] in "([" or text.endswith((".", ";", ",")):
        return False
    return any(len(word) >= 3 for word in _WORD.findall(text))


def numbered_cue(text: str) -> HeadingCue | None:
    """Cue for "1.2 Title" or "Goal 1: Title" / "Appendix A" lines."""
    text = text.strip()
    if not is_heading_shaped(text):
        return None
    dotted = _DOTTED_NUMBER.match(text)
    if dotted and dotted.group(2)[0].isupper():
        return HeadingCue("numbered", number=tuple(int(n) for n in dotted.group(1).split(".")))
    labelled = _LABELLED_NUMBER.match(text)
    if labelled:
        return HeadingCue(
            "numbered", number=(_ordinal(labelled.group(2)),), label=labelled.group(1).lower()
        )
    return None


def _ordinal(token: str) -> int:
    if token.isdigit():
        return int(token)
    if set(token) <= set("IVX") and len(token) > 1:
        return sum({"I": 1, "V": 5, "X": 10}[c] for c in token)  # enough to compare siblings
    return ord(token) - ord("A") + 1


def line_cue(text: str, marked: bool) -> HeadingCue | None:
    """Heading cue of one cleaned line; marked = carries a TOC/heading bookmark."""
    cue = numbered_cue(text)
    if cue is not None:
        return cue
    if marked and is_heading_shaped(text):
        return HeadingCue("marked")
    return HeadingCue("caps") if is_caps_line(text) else None


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


# --- nesting ---------------------------------------------------------------------------


def stem_sequence(text: str) -> tuple[str, ...]:
    """Stems of every word of text, in order (stop words kept as "" to preserve distances)."""
    words = [w.lower() for w in _WORD.findall(text)]
    return tuple("" if len(w) < 3 or w in STOP_WORDS else prefix_stem(w) for w in words)


def content_stems(text: str) -> frozenset[str]:
    """Stems of the content words of text, e.g. "Staffing and coaches" -> {"staff", "coach"}."""
    return frozenset(s for s in stem_sequence(text) if s)


def announces(lead: Sequence[str], words: frozenset[str]) -> bool:
    """Whether lead mentions at least 2/3 of words close together (within 4 words per word)."""
    if not words or not lead:
        return False
    needed = math.ceil(ANNOUNCED_SHARE * len(words) - 1e-9)
    window = WINDOW_PER_WORD * len(words)
    positions = [(i, s) for i, s in enumerate(lead) if s in words]
    for start, (first, _) in enumerate(positions):
        found = {s for i, s in positions[start:] if i - first < window}
        if len(found) >= needed:
            return True
    return False


def _announce_words(title: str, cue: HeadingCue | None) -> frozenset[str]:
    if cue is not None and cue.label:
        return content_stems(cue.label)
    return content_stems(title)


def nest(nodes: Sequence[_Node]) -> list[int]:
    """Level of each heading (see module docstring)."""
    stack: list[_Open] = []
    levels: list[int] = []
    for node in nodes:
        explicit = node.cue.level if node.cue is not None else None
        if explicit is not None:
            while stack and stack[-1].level >= explicit:
                stack.pop()
            level = explicit
        elif node.sidebar:
            levels.append(stack[-1].level + 1 if stack else 1)
            continue
        else:
            counted = _counting_parent(stack, node)
            if counted is not None:
                stack[counted].quota -= 1
                del stack[counted + 1 :]
            else:
                open_nodes = [o.node if o.accepts(node) else _CLOSED for o in stack]
                del stack[parent_index(open_nodes, node) + 1 :]
            level = stack[-1].level + 1 if stack else 1
        if stack:
            stack[-1].child_rank = stack[-1].child_rank or node.rank
        if node.cue is not None and node.cue.number:
            for opened in stack:  # "four main goals" followed by "Goal 1": numbers decide
                opened.quota = 0
        stack.append(_Open(level, node, quota=node.announced))
        levels.append(level)
    return levels


def _counting_parent(stack: Sequence[_Open], node: _Node) -> int | None:
    """The innermost open heading whose lead announced a number of subsections that have not
    all come yet, if it can take node as a child; numbered headings follow their numbers."""
    if node.cue is not None and node.cue.number:
        return None
    if stack and announces(stack[-1].node.lead, node.words):
        return None  # the section just opened names it: its own subsection
    for k in range(len(stack) - 1, -1, -1):
        if stack[k].quota > 0:
            ok = stack[k].accepts(node) and stack[k].node.rank <= node.rank
            return k if ok else None
    return None


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
# "there are four issues cited by…", "taught them three major lessons:", not "three years"
_ANNOUNCED = re.compile(
    "".join(f"(?<!{word} )" for word in SERIES_WORDS)
    + r"\b("
    + "|".join(_NUMBER_WORDS)
    + r")\s+(?:[a-z-]+\s+){0,2}?([a-z]+s)\b(?![-’'])",
    re.IGNORECASE,
)
_NOT_ITEMS = frozenset(
    ("years", "months", "weeks", "days", "hours", "decades", "times", "percent", "dollars")
    + ("students", "schools", "districts", "colleges", "consortia", "cohorts", "counties")
    + ("regions", "states")
)


def announced_count(lead: Sequence[str]) -> int:
    """How many subsections a section's lead announces in its last sentence: "In all, there
    are four issues cited by community colleges…" -> 4. Counts of time, money or of the
    organizations studied ("three districts") announce nothing."""
    if not lead:
        return 0
    tail = re.split(r"(?<=[.!?])\s+", lead[-1].strip())[-1]
    for m in _ANNOUNCED.finditer(tail):
        if m.group(2).lower() not in _NOT_ITEMS:
            return _NUMBER_WORDS[m.group(1).lower()]
    return 0


def parent_index(open_headings: Sequence[_Node], node: _Node) -> int:
    """Index of node's parent among the open headings (outermost first), -1 for none.

    Innermost first, look for a structural bound: a numbered parent or sibling decides at once;
    an explicit (markdown) or higher-rank heading is the outermost possible parent. Then the
    outermost open heading from that bound on whose lead announces node is the parent; with no
    announcer, the bound itself.
    """
    floor = -1
    for k in range(len(open_headings) - 1, -1, -1):
        relation = structural_relation(open_headings[k], node)
        if relation == "sibling":
            return k - 1
        if relation == "numbered parent":
            return k
        if relation == "parent":
            floor = k
            break
    for k in range(max(floor, 0), len(open_headings)):
        candidate = open_headings[k]
        if candidate.rank <= node.rank and announces(candidate.lead, node.words):
            return k
    return floor


def structural_relation(open_heading: _Node, node: _Node) -> str:
    """ "parent", "numbered parent", "sibling" or "" from levels, ranks and numbers alone."""
    if open_heading.cue is not None and open_heading.cue.level is not None:
        return "parent"  # inferred headings nest under explicit (markdown) ones
    if open_heading.rank != node.rank:
        return "parent" if open_heading.rank < node.rank else ""
    numbered = _numbered_relation(open_heading.cue, node.cue)
    return "numbered parent" if numbered == "parent" else numbered


def _numbered_relation(parent: HeadingCue | None, child: HeadingCue | None) -> str:
    if parent is None or child is None or not parent.number or not child.number:
        return ""
    p, c = parent.number, child.number
    if len(p) < len(c) and c[: len(p)] == p and child.label in ("", parent.label):
        return "parent"
    if len(p) == len(c) and p[:-1] == c[:-1] and parent.label == child.label:
        return "sibling"
    return ""
