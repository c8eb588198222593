"""Extracted page text -> clean paragraphs that still map back to pages and sections.

Pure functions, standard library only. `clean_document` takes the loader's pages and returns a
`CleanDocument`: paragraphs joined by a blank line, a page map, headings and footnote spans.

What is cleaned:

- Word-export artifacts: ``[bookmark: …]`` and ``[image: …]`` tags, ``[footnoteRef:n]`` markers;
  footnote text pasted into a paragraph as ``[n:  text]`` is moved out and becomes its own
  paragraph ``[n] text`` right after the paragraph it was in.
- PDF artifacts: page-number-only lines; running headers/footers (short lines repeated at the top
  or bottom of many pages; paginated input only); footnote blocks at the foot of a page (a long
  whitespace-only separator line followed by ``n text`` lines) become ``[n] text`` paragraphs after
  the paragraph they interrupted; footnote numbers glued after punctuation (``(CDE).1 The``,
  ``needs.2`` at line end) and superscript digits are dropped.
- Markdown: ``\\$``-style escapes, ``**bold**``, ``[text](url)`` -> ``text``; ``#`` headings.
- Whitespace: non-breaking and other odd spaces become spaces; runs of spaces collapse.

Line joining. A document is *hard-wrapped* when almost no line is longer than 130 characters; then
a line continues the paragraph above unless the line above is short (< 60% of the wrap width
around it), or this line is indented after a sentence end (a new page or paragraph). Otherwise
each line is a paragraph. Across a page turn (paginated input) text is joined exactly when it
is visibly mid-sentence: the page does not end a sentence, or the next page starts in lower case.
In both modes bullets (``•``, ``·``, ``-``, ``1.`` …), table rows and heading lines stay
separate, and two paragraphs are re-joined when the first stops mid-sentence and the next
starts in lower case (text broken by a page or column break, a page number, a footnote block).

Hyphens at a line break are kept (``work-`` + ``based`` -> ``work-based``). The hyphen is dropped
only with evidence from the document itself: the joined word occurs elsewhere in it and the
hyphenated form does not (``implemen-`` + ``tation`` -> ``implementation``). A hyphen followed
by a space inside a line (``high- wage``, ``Tulare- Kings``) is closed up unless a conjunction
follows (``on- and off-ramps``).

Known leftovers: footnote numbers glued to a word (``enrollment11``) are kept, since they cannot be
told from names such as ``K12``; graphic text (logos, charts) comes through as short lines.

Line classification is `ingest.lines`; this module joins lines into paragraphs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ingest.cues import HeadingCue
from ingest.lines import (
    _CLOSERS,
    _HYPHEN_END,
    _TERMINAL,
    _URL_START,
    _WORDS,
    LONG_LINE,
    SHORT_LINE_SHARE,
    WIDTH_WINDOW,
    WRAPPED_MAX_LONG_SHARE,
    _Line,
    _page_lines,
    classify_lines,
    drop_running_lines,
)
from ingest.structure import OutlineEntry, Paragraph, detect_headings
from pathways.text import LETTERS
from pathways.types import CleanDocument, Heading, Page


@dataclass
class _Block:
    kind: str  # body | bullet | heading | table | footnote
    text: str = ""
    marks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page)
    cue: HeadingCue | None = None
    notes: list[_Block] = field(default_factory=list)
    last_line: str = ""

    def add(self, piece: str, page: int | None, joined: str) -> None:
        """Append piece; joined is the block text with piece already attached."""
        offset = len(joined) - len(piece)
        if page is not None and (not self.marks or self.marks[-1][1] != page):
            self.marks.append((offset, page))
        self.text, self.last_line = joined, piece

    def absorb(self, other: _Block, joined: str) -> None:
        shift = len(joined) - len(other.text)
        for offset, page in other.marks:
            if not self.marks or self.marks[-1][1] != page:
                self.marks.append((offset + shift, page))
        self.text, self.last_line = joined, other.last_line
        self.notes.extend(other.notes)


# --- public API ------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """Clean flowing text (one unpaginated page)."""
    return clean_document([Page(None, text)]).text


def clean_document(pages: Sequence[Page]) -> CleanDocument:
    """Clean the loader's pages into paragraphs with page breaks, headings and footnotes."""
    page_lines = [(p.number, _page_lines(p.text)) for p in pages]
    page_lines = drop_running_lines(page_lines)
    lines = classify_lines([(text, number) for number, texts in page_lines for text in texts])
    vocabulary = document_vocabulary(" ".join(p.text for p in pages))
    blocks = assemble_blocks(lines, vocabulary)
    blocks = merge_broken_paragraphs(blocks, vocabulary)
    flat = [b for block in blocks for b in (block, *block.notes) if b.text]
    outline = detect_headings([Paragraph(b.text, b.kind, b.cue) for b in flat])
    return render(flat, outline)


# --- paragraphs ------------------------------------------------------------------------


def document_vocabulary(text: str) -> frozenset[str]:
    """Lower-cased words and in-line hyphenated compounds of the raw document."""
    return frozenset(w.lower() for w in _WORDS.findall(text))


def join_pieces(left: str, right: str, vocabulary: frozenset[str]) -> str:
    """Join two wrapped lines: a space, or nothing after a line-end hyphen (see module doc)."""
    hyphen = _HYPHEN_END.search(left)
    if hyphen is None or not right[:1].isalnum():
        return f"{left} {right}" if left else right
    head = hyphen.group(1).lower()
    word = LETTERS.match(right)
    tail = word.group(0).lower() if word else ""
    if tail and head + tail in vocabulary and f"{head}-{tail}" not in vocabulary:
        return left[:-1] + right
    return left + right


def is_hard_wrapped(lines: Sequence[_Line]) -> bool:
    lengths = [len(line.text) for line in lines if line.kind in ("text", "bullet")]
    return sum(n > LONG_LINE for n in lengths) <= WRAPPED_MAX_LONG_SHARE * len(lengths)


def line_widths(lines: Sequence[_Line]) -> list[int]:
    """Wrap width around each line: the longest of the nearby text lines, at most the 95th
    percentile of the document (narrow table columns wrap earlier than body text)."""
    texts = [i for i, line in enumerate(lines) if line.kind in ("text", "bullet")]
    lengths = sorted(len(lines[i].text) for i in texts)
    usual = lengths[int(0.95 * (len(lengths) - 1))] if lengths else 0
    widths = [usual] * len(lines)
    for n, i in enumerate(texts):
        nearby = texts[max(0, n - WIDTH_WINDOW) : n + WIDTH_WINDOW + 1]
        widths[i] = min(usual, max(len(lines[j].text) for j in nearby))
    return widths


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip(_CLOSERS).endswith(_TERMINAL)


def continues(last_line: str, line: _Line, wrapped: bool, width: int, page_turn: bool) -> bool:
    """Whether line continues the paragraph whose last line is last_line."""
    if _HYPHEN_END.search(last_line) and line.text[:1].isalnum():
        return True
    new_start = _ends_sentence(last_line) and not line.text[:1].islower()
    if page_turn:
        return not new_start
    if not wrapped or (line.indented and new_start):
        return False
    return len(last_line) >= SHORT_LINE_SHARE * width


def assemble_blocks(lines: Sequence[_Line], vocabulary: frozenset[str]) -> list[_Block]:
    """Group typed lines into paragraph blocks."""
    wrapped, widths = is_hard_wrapped(lines), line_widths(lines)
    blocks: list[_Block] = []
    current: _Block | None = None
    for line, width in zip(lines, widths, strict=True):
        if line.kind == "skip":
            continue
        if line.kind in ("note", "note_more"):
            _add_pdf_note(blocks, line, vocabulary)
            current = None
            continue
        if current is not None and _extends(current, line, wrapped, width):
            separator = " | " if line.kind == "cell" else None
            joined = (
                current.text + separator + line.text
                if separator
                else join_pieces(current.text, line.text, vocabulary)
            )
            current.add(line.text, line.page, joined)
        elif line.kind != "blank":
            current = _Block(_BLOCK_KINDS[line.kind], cue=line.cue)
            current.add(line.text, line.page, line.text)
            blocks.append(current)
        _attach_notes(current or (blocks[-1] if blocks else None), line)
        if line.kind in ("blank", "row"):
            current = None
    return blocks


_BLOCK_KINDS = {
    "text": "body",
    "bullet": "bullet",
    "heading": "heading",
    "cell": "table",
    "row": "table",
}


def _extends(current: _Block, line: _Line, wrapped: bool, width: int) -> bool:
    if current.kind == "heading":
        caps = current.cue is not None and current.cue.kind == "caps"
        return caps and line.kind == "heading" and line.cue is not None and line.cue.kind == "caps"
    if current.kind == "table":
        return line.kind == "cell"
    if current.kind not in ("body", "bullet"):
        return False
    if line.kind == "bullet":  # "K-" + "12. Instead…" is a hyphenated word, not a list item
        return bool(_HYPHEN_END.search(current.last_line)) and line.text[:1].isdigit()
    page_turn = bool(current.marks) and line.page not in (None, current.marks[-1][1])
    return line.kind == "text" and continues(current.last_line, line, wrapped, width, page_turn)


def _attach_notes(block: _Block | None, line: _Line) -> None:
    if block is None or not line.notes:
        return
    for note in line.notes:
        footnote = _Block("footnote")
        footnote.add(note, line.page, note)
        block.notes.append(footnote)


def _add_pdf_note(blocks: list[_Block], line: _Line, vocabulary: frozenset[str]) -> None:
    host = next((b for b in reversed(blocks) if b.kind != "heading"), None)
    if host is None:
        host = _Block("body")
        blocks.append(host)
    if line.kind == "note" or not host.notes:
        host.notes.append(_Block("footnote"))
    note = host.notes[-1]
    note.add(line.text, line.page, join_pieces(note.text, line.text, vocabulary))


def is_broken_paragraph(left: _Block, right: _Block) -> bool:
    """left stops mid-sentence and right starts in lower case: one paragraph split by a break."""
    if left.kind not in ("body", "bullet") or right.kind != "body" or _URL_START.match(right.text):
        return False
    return right.text[:1].islower() and not _ends_sentence(left.text)


def merge_broken_paragraphs(blocks: Sequence[_Block], vocabulary: frozenset[str]) -> list[_Block]:
    merged: list[_Block] = []
    for block in blocks:
        if merged and is_broken_paragraph(merged[-1], block):
            merged[-1].absorb(block, join_pieces(merged[-1].text, block.text, vocabulary))
        else:
            merged.append(block)
    return merged


# --- output ----------------------------------------------------------------------------


def render(blocks: Sequence[_Block], outline: Sequence[OutlineEntry]) -> CleanDocument:
    """Join blocks with blank lines and translate block-relative marks to text offsets."""
    starts: list[int] = []
    breaks: list[tuple[int, int]] = []
    offset = 0
    for block in blocks:
        starts.append(offset)
        for mark, page in block.marks:
            if not breaks or breaks[-1][1] != page:
                breaks.append((offset + mark, page))
        offset += len(block.text) + 2
    headings = tuple(
        Heading(starts[e.index], starts[e.index] + len(blocks[e.index].text), e.level, e.title)
        for e in outline
    )
    footnotes = tuple(
        (start, start + len(b.text))
        for start, b in zip(starts, blocks, strict=True)
        if b.kind == "footnote"
    )
    text = "\n\n".join(b.text for b in blocks)
    return CleanDocument(text, tuple(breaks), headings, footnotes)
