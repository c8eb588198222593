"""Extracted page text -> classified lines (ingest.clean): odd characters and inline artifacts
(Word bookmarks, footnote markers) removed, running headers and footers dropped, and each line
marked as text, bullet, heading, table cell or row, footnote, blank or skipped."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.cues import HeadingCue, line_cue, split_markdown_heading

LONG_LINE = 130
WRAPPED_MAX_LONG_SHARE = 0.02
SHORT_LINE_SHARE = 0.6
WIDTH_WINDOW = 3
SEPARATOR_MIN_SPACES = 20
RUNNING_LINE_MAX_CHARS = 80
RUNNING_LINE_MIN_PAGES = 3
RUNNING_LINE_PAGE_SHARE = 0.4

_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_SUPERSCRIPT_DIGITS = re.compile(r"(?<=\S)[\u2070\u00b9\u00b2\u00b3\u2074-\u2079]+")
_BOOKMARK = re.compile(r"\[bookmark:\s*([^\]]*)\]")
_IMAGE = re.compile(r"\[image:[^\]]*\]")
_FOOTNOTE_REF = re.compile(r"\[footnoteRef:\s*\d+\]")
_FOOTNOTE_TEXT = re.compile(r"\s*\[(\d{1,3}):\s+([^\]]*)\]")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)\s]*\)")
_MD_BOLD = re.compile(r"\*\*|(?<!\w)__|__(?!\w)")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$<>|~&%])")
_GLUED_NOTE_NUMBER = re.compile(
    r"(?:(?<=[A-Za-z)\]][.,;:!?])|(?<=[.,;:!?][”\")\]])|(?<=[A-Za-z][”\"]))"
    r"\d{1,2}(?=\s+[A-Z“\"‘(]|\s*$)"
)
_OPEN_HYPHEN = re.compile(r"(?<=[A-Za-z])- (?!(?:and|or|nor|to|through)\b)(?=[A-Za-z0-9])")
_SPACES = re.compile(r" {2,}")
_PAGE_NUMBER = re.compile(
    r"(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]", re.IGNORECASE
)
_BULLET = re.compile(r"^(?:[-*•·▪▶►◦‣●■➢✓]\s*)*[-*•·▪▶►◦‣●■➢✓]\s+(?=\S)")
_NUMBERED_ITEM = re.compile(r"^(\d{1,2}[.)]|[a-z]\))\s+(?=\S)")
_PDF_NOTE = re.compile(r"^(\d{1,3})\s+(\S.*)$")
_HYPHEN_END = re.compile(r"([A-Za-z]+)-$")
_WORDS = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)*")
_URL_START = re.compile(r"(?:https?://|www\.)", re.IGNORECASE)
_TERMINAL = tuple(".!?:;…")
_CLOSERS = '”’")]'


@dataclass(frozen=True)
class _Line:
    kind: str  # blank | skip | text | bullet | heading | cell | row | note | note_more
    text: str = ""
    page: int | None = None
    indented: bool = False
    cue: HeadingCue | None = None
    notes: tuple[str, ...] = ()


# --- characters and inline artifacts ---------------------------------------------------


def _page_lines(text: str) -> list[str]:
    """Lines of a page; the page's final line break is not a blank line."""
    text = normalize_chars(text)
    return (text[:-1] if text.endswith("\n") else text).split("\n")


def normalize_chars(text: str) -> str:
    """NFC, odd spaces -> space, invisible characters and superscript digits removed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _ODD_SPACES.sub(" ", _INVISIBLE.sub("", text.replace("\f", "\n")))
    return _SUPERSCRIPT_DIGITS.sub("", text)


def strip_inline_artifacts(text: str) -> str:
    """Remove tags, markdown marks and glued footnote numbers from one line."""
    text = _BOOKMARK.sub("", text)
    text = _FOOTNOTE_REF.sub("", _IMAGE.sub("", text))
    text = _MD_ESCAPE.sub(r"\1", _MD_BOLD.sub("", _MD_LINK.sub(r"\1", text)))
    text = _GLUED_NOTE_NUMBER.sub("", text)
    text = _OPEN_HYPHEN.sub("-", text.replace("\t", " "))
    return _SPACES.sub(" ", text).strip()


def extract_footnotes(text: str) -> tuple[str, tuple[str, ...]]:
    """Pull ``[n:  text]`` footnotes out of a line: (line without them, ("[n] text", …))."""
    notes = tuple(
        f"[{m.group(1)}] {strip_inline_artifacts(m.group(2))}"
        for m in _FOOTNOTE_TEXT.finditer(text)
    )
    return _FOOTNOTE_TEXT.sub("", text), notes


def bookmark_names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in _BOOKMARK.findall(text))


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _names_match(names: Sequence[str], text: str) -> bool:
    """A named bookmark (not an internal _Hlk/_bookmark one) that spells the start of text."""
    squashed = _squash(text)
    return any(
        not name.startswith("_") and len(_squash(name)) >= 4 and squashed.startswith(_squash(name))
        for name in names
    )


# --- lines -----------------------------------------------------------------------------


def drop_running_lines(
    pages: Sequence[tuple[int | None, list[str]]],
) -> list[tuple[int | None, list[str]]]:
    """Remove running headers/footers: short lines repeated at the top or bottom of many pages."""
    if len(pages) < RUNNING_LINE_MIN_PAGES:
        return list(pages)
    edges = [_edge_keys(lines) for _, lines in pages]
    counts = Counter(key for keys in edges for key in set(keys.values()))
    needed = max(RUNNING_LINE_MIN_PAGES, RUNNING_LINE_PAGE_SHARE * len(pages))
    running = {key for key, n in counts.items() if n >= needed}
    return [
        (number, [line for i, line in enumerate(lines) if keys.get(i) not in running])
        for (number, lines), keys in zip(pages, edges, strict=True)
    ]


def _edge_keys(lines: Sequence[str]) -> dict[int, str]:
    """First and last two non-blank lines of a page, digits folded, by line index."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    picked = filled[:2] + filled[-2:]
    return {
        i: re.sub(r"\d+", "#", lines[i].strip().lower())
        for i in picked
        if len(lines[i].strip()) <= RUNNING_LINE_MAX_CHARS
    }


def classify_lines(raw_lines: Sequence[tuple[str, int | None]]) -> list[_Line]:
    """Turn raw lines into typed lines; handles PDF footnote blocks and bookmark hand-over."""
    out: list[_Line] = []
    in_notes = False
    pending: tuple[str, ...] = ()
    previous_page: int | None = None
    for raw, page in raw_lines:
        in_notes = in_notes and page == previous_page
        previous_page = page
        if in_notes:
            note = _note_line(raw, page, started=bool(out) and out[-1].kind.startswith("note"))
            if note is not None:
                out.append(note)
                continue
            in_notes = False
        if not raw.strip():
            in_notes = len(raw) >= SEPARATOR_MIN_SPACES
            out.append(_Line("blank", page=page))
            continue
        line, pending = _classify_line(raw, page, pending)
        out.append(line)
    return out


def _note_line(raw: str, page: int | None, started: bool) -> _Line | None:
    if not raw.strip() or raw[0].isspace():
        return None
    text = strip_inline_artifacts(raw)
    match = _PDF_NOTE.match(text)
    if match:
        return _Line("note", f"[{match.group(1)}] {match.group(2)}", page)
    return _Line("note_more", text, page) if started else None


def _classify_line(
    raw: str, page: int | None, pending: tuple[str, ...]
) -> tuple[_Line, tuple[str, ...]]:
    """One non-blank line -> (_Line, bookmark names to hand to the next line)."""
    if _PAGE_NUMBER.fullmatch(raw.strip()) and not raw.startswith("\t"):
        return _Line("skip", page=page), ()
    without_notes, notes = extract_footnotes(raw)
    names = bookmark_names(without_notes)
    text = strip_inline_artifacts(without_notes)
    indented = raw[:1].isspace()
    if not text:
        return _Line("blank", page=page, notes=notes), names
    if raw.startswith("\t"):
        return _Line("cell", text, page, notes=notes), ()
    markdown = split_markdown_heading(text)
    if markdown is not None:
        level, title = markdown
        return _Line("heading", title, page, cue=HeadingCue("markdown", level), notes=notes), ()
    kind, text = _list_item(text)
    marked = any("_toc" in n.lower() for n in names) or _names_match((*names, *pending), text)
    cue = line_cue(text, marked) if kind == "text" else None
    if cue is not None:
        return _Line("heading", text, page, indented, cue, notes), ()
    if " | " in text:
        kind = "row"
    return _Line(kind, text, page, indented, notes=notes), names


def _list_item(text: str) -> tuple[str, str]:
    """("bullet", "• item") / ("bullet", "1. item") for list lines, else ("text", text)."""
    bullet = _BULLET.match(text)
    if bullet:
        return "bullet", "• " + text[bullet.end() :]
    numbered = _NUMBERED_ITEM.match(text)
    if numbered:
        return "bullet", f"{numbered.group(1)} {text[numbered.end() :]}"
    return "text", text
