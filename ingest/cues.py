"""Why a single line looks like a heading (ingest.structure): a markdown `#` line, a section
number ("1.2 Title", "Goal 1: ..."), ALL CAPS; and the shape limits every heading keeps."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pathways.text import LETTERS

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
    return any(len(word) >= 2 for word in LETTERS.findall(text))


def is_caps_line(text: str) -> bool:
    """An ALL-CAPS line that can be (part of) a heading, e.g. "COMMON IMPLEMENTATION CHALLENGES"."""
    text = text.strip()
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 4 or any(c.islower() for c in letters) or len(text) > MAX_HEADING_CHARS:
        return False
    if text[0] in "([" or text.endswith((".", ";", ",")):
        return False
    return any(len(word) >= 3 for word in LETTERS.findall(text))


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
