"""One parser per format (PDF, DOCX, HTML, Markdown and plain text): bytes -> pages of text and the
title, author and year the file itself carries."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import docx
import pypdf
from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from pathways.errors import UnreadableFile
from pathways.types import Page

logger = logging.getLogger(__name__)


_PLACEHOLDER_VALUES = frozenset({"", "untitled", "anonymous", "unspecified", "unknown"})
_HTML_DROPPED_TAGS = ("script", "style", "nav", "footer", "noscript", "template", "head")
_HTML_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_HTML_INLINE_TAGS = frozenset(
    {
        "a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "del", "dfn", "em",
        "font", "i", "img", "ins", "kbd", "label", "mark", "q", "s", "samp", "small", "span",
        "strong", "sub", "sup", "time", "u", "var", "wbr",
    }
)  # fmt: skip
_DOCX_HEADING_STYLE = re.compile(r"^Heading (\d)$")
_PDF_DATE_YEAR = re.compile(r"^(?:D:)?(\d{4})")


@dataclass(frozen=True)
class _ParsedContent:
    """What a format-specific parser extracts, before the file-level fields are added."""

    pages: tuple[Page, ...]
    title: str | None = None
    author: str | None = None
    year: int | None = None


# --- metadata helpers ------------------------------------------------------------------


def _clean_metadata_value(value: object) -> str | None:
    """Return a stripped metadata string, or None for blanks and generator placeholders."""
    if value is None:
        return None
    text = " ".join(str(value).split())
    return None if text.lower() in _PLACEHOLDER_VALUES else text


def _read_year(value: object) -> int | None:
    """Year from a datetime or a PDF date string ("D:20240131..."), if plausible."""
    if isinstance(value, datetime):
        year = value.year
    else:
        match = _PDF_DATE_YEAR.match(str(value or "").strip())
        if match is None:
            return None
        year = int(match.group(1))
    return year if 1900 <= year <= 2100 else None


# --- PDF -------------------------------------------------------------------------------


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """Silence pypdf's warnings about malformed files while we parse; we report errors."""
    pypdf_logger = logging.getLogger("pypdf")
    previous_level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        pypdf_logger.setLevel(previous_level)


def _parse_pdf(data: bytes, name: str) -> _ParsedContent:
    with _quiet_pypdf():
        reader = _open_pdf(data, name)
        pages = _extract_pdf_pages(reader, name)
        title, author, year = _read_pdf_metadata(reader)
    return _ParsedContent(pages=pages, title=title, author=author, year=year)


def _open_pdf(data: bytes, name: str) -> pypdf.PdfReader:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt_pdf(reader, name)
        page_count = len(reader.pages)
    except UnreadableFile:
        raise
    except Exception as e:  # pypdf raises many types on corrupt input
        raise UnreadableFile(
            f"{name} is not a readable PDF ({type(e).__name__}: {e}). The file is damaged or "
            "truncated; download or export it again."
        ) from e
    if page_count == 0:
        raise UnreadableFile(f"{name} is a PDF with no pages; export or download it again.")
    return reader


def _decrypt_pdf(reader: pypdf.PdfReader, name: str) -> None:
    try:
        result = reader.decrypt("")
    except pypdf.errors.DependencyError as e:
        raise UnreadableFile(
            f"{name} is encrypted with AES and cannot be opened without the 'cryptography' "
            "package. Install it, or save an unencrypted copy of the PDF."
        ) from e
    if result == pypdf.PasswordType.NOT_DECRYPTED:
        raise UnreadableFile(
            f"{name} is password-protected. Save an unprotected copy (for example with "
            "`qpdf --decrypt`) and add that instead."
        )


def _extract_pdf_pages(reader: pypdf.PdfReader, name: str) -> tuple[Page, ...]:
    pages: list[Page] = []
    failures = 0
    for index, pdf_page in enumerate(reader.pages):
        try:
            text = pdf_page.extract_text() or ""
        except Exception as e:  # one broken page should not lose the whole report
            logger.warning("Skipping unreadable page %d of %s: %s", index + 1, name, e)
            failures += 1
            text = ""
        pages.append(Page(number=index + 1, text=text))
    if failures == len(pages):
        raise UnreadableFile(
            f"{name}: none of its {failures} pages could be read. The PDF is damaged; "
            "download or export it again."
        )
    return tuple(pages)


def _read_pdf_metadata(reader: pypdf.PdfReader) -> tuple[str | None, str | None, int | None]:
    try:
        metadata = reader.metadata
    except Exception as e:  # broken info dictionaries should not block the text
        logger.debug("Ignoring unreadable PDF metadata: %s", e)
        return None, None, None
    if metadata is None:
        return None, None, None
    return (
        _clean_metadata_value(metadata.get("/Title")),
        _clean_metadata_value(metadata.get("/Author")),
        _read_year(metadata.get("/CreationDate")),
    )


# --- DOCX ------------------------------------------------------------------------------


def _parse_docx(data: bytes, name: str) -> _ParsedContent:
    try:
        document = docx.Document(io.BytesIO(data))
        blocks = _docx_blocks(document)
        properties = document.core_properties
        title, author = properties.title, properties.author
        year = _read_year(properties.created)
    except Exception as e:  # python-docx raises zip, XML and key errors on damaged files
        raise UnreadableFile(
            f"{name} is not a readable Word document ({type(e).__name__}: {e}). The file is "
            "damaged; open and re-save it in Word, or export it again."
        ) from e
    text = "\n\n".join(block for block in blocks if block.strip())
    return _ParsedContent(
        pages=(Page(number=None, text=text),),
        title=_clean_metadata_value(title),
        author=_clean_metadata_value(author),
        year=year,
    )


def _docx_blocks(document: DocxDocument) -> list[str]:
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            blocks.append(_format_docx_paragraph(item))
        elif isinstance(item, Table):
            blocks.append(_format_docx_table(item))
    return blocks


def _format_docx_paragraph(paragraph: Paragraph) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style_name = (paragraph.style.name if paragraph.style is not None else None) or ""
    heading = _DOCX_HEADING_STYLE.match(style_name)
    if style_name == "Title":
        return f"# {text}"
    if heading is not None:
        level = min(max(int(heading.group(1)), 1), 6)
        return f"{'#' * level} {text}"
    if _is_docx_list_paragraph(paragraph, style_name):
        return f"- {text}"
    return text


def _is_docx_list_paragraph(paragraph: Paragraph, style_name: str) -> bool:
    if style_name.startswith("List"):
        return True
    properties = paragraph._p.pPr
    return properties is not None and properties.numPr is not None


def _format_docx_table(table: Table) -> str:
    lines: list[str] = []
    for row in table.rows:
        cells = []
        previous = None
        for cell in row.cells:
            if previous is not None and cell._tc is previous:  # merged cells repeat
                continue
            previous = cell._tc
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            lines.append(" | ".join(cells))
    return "\n".join(lines)


# --- HTML ------------------------------------------------------------------------------


def _parse_html(html: str, name: str) -> _ParsedContent:
    try:
        soup = BeautifulSoup(html, "html.parser")
        title = _read_html_title(soup)
        author = _read_html_meta(soup, "author")
        for tag in soup.find_all(list(_HTML_DROPPED_TAGS)):
            tag.decompose()
        root = soup.body or soup
        blocks = _html_blocks(root)
    except RecursionError as e:
        raise UnreadableFile(
            f"{name} is HTML nested too deeply to read. Save the page's text or a PDF instead."
        ) from e
    text = "\n\n".join(blocks)
    return _ParsedContent(pages=(Page(number=None, text=text),), title=title, author=author)


def _read_html_title(soup: BeautifulSoup) -> str | None:
    for tag_name in ("title", "h1"):
        tag = soup.find(tag_name)
        if isinstance(tag, Tag):
            title = _clean_metadata_value(tag.get_text(" "))
            if title is not None:
                return title
    return None


def _read_html_meta(soup: BeautifulSoup, meta_name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": meta_name})
    return _clean_metadata_value(tag.get("content")) if isinstance(tag, Tag) else None


def _html_blocks(node: Tag) -> list[str]:
    """Text blocks of an element in document order: headings, paragraphs, list items, rows."""
    blocks: list[str] = []
    inline: list[str] = []
    for child in node.children:
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:  # skip comments, doctypes, CDATA
                inline.append(str(child))
        elif isinstance(child, Tag):
            if child.name in _HTML_INLINE_TAGS:
                inline.append(child.get_text(" "))
            else:
                blocks.append(_collapse_whitespace(" ".join(inline)))
                inline = []
                blocks.extend(_html_element_blocks(child))
    blocks.append(_collapse_whitespace(" ".join(inline)))
    return [block for block in blocks if block]


def _html_element_blocks(element: Tag) -> list[str]:
    if element.name in _HTML_HEADING_LEVELS:
        text = _collapse_whitespace(element.get_text(" "))
        return [f"{'#' * _HTML_HEADING_LEVELS[element.name]} {text}"] if text else []
    if element.name == "li":
        return _prefix_list_item(_html_blocks(element))
    if element.name == "table":
        return [_format_html_table(element)]
    if element.name == "pre":
        return [element.get_text().strip("\n")]
    return _html_blocks(element)


def _prefix_list_item(blocks: list[str]) -> list[str]:
    if not blocks or blocks[0].startswith("- "):
        return blocks
    return [f"- {blocks[0]}", *blocks[1:]]


def _format_html_table(table: Tag) -> str:
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    return "\n".join(line for line in map(_format_html_row, rows) if line)


def _format_html_row(row: Tag) -> str:
    cells = row.find_all(["td", "th"], recursive=False)
    texts = [_collapse_whitespace(cell.get_text(" ")) for cell in cells]
    return " | ".join(texts) if any(texts) else ""


def _collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


# --- Markdown and plain text -----------------------------------------------------------


def _parse_plain_text(text: str, file_format: str) -> _ParsedContent:
    normalized = text.replace("\r\n", "\n").replace("\r", "\n")
    title = _read_markdown_title(normalized) if file_format == "md" else None
    return _ParsedContent(pages=(Page(number=None, text=normalized),), title=title)


def _read_markdown_title(text: str) -> str | None:
    match = re.search(r"^# +(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return _clean_metadata_value(match.group(1)) if match else None
