"""Turn a file (on disk or uploaded) into pages of text plus the metadata the file carries.

The format is decided by the file's *content*, checked against its name:

* The suffix must be one of ``SUPPORTED_FORMATS``; anything else is rejected up front.
* Executables, images, archives and other binary content are rejected whatever the name says.
* A name that claims PDF or DOCX must hold a real PDF or DOCX. A ``.pdf`` that is really text
  or HTML is rejected rather than indexed as text: it is almost always a failed download or a
  saved error page, not the report the user thinks they have.
* For ``.txt``, ``.md`` and ``.html`` names the content decides, so a real PDF saved as
  ``.txt`` is read as a PDF and an HTML page saved as ``.txt`` is read as HTML.

Raw bytes are never returned as text.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import docx
import pypdf
from bs4 import BeautifulSoup
from bs4.element import NavigableString, Tag
from docx.document import Document as DocxDocument
from docx.table import Table
from docx.text.paragraph import Paragraph

from pathways.errors import EmptyDocument, UnreadableFile, UnsupportedFileType
from pathways.types import Page

logger = logging.getLogger(__name__)

SUPPORTED_FORMATS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".md": "md",
    ".markdown": "md",
    ".txt": "txt",
}
_STRICT_FORMATS = frozenset({"pdf", "docx"})
_SNIFF_BYTES = 8192
_PDF_HEADER_WINDOW = 1024
_MAX_CONTROL_CHAR_RATIO = 0.05
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"MZ", "a Windows executable"),
    (b"\x7fELF", "a Linux executable"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "a legacy Microsoft Office file (.doc/.xls/.ppt)"),
    (b"{\\rtf", "an RTF document"),
)
_ZIP_MEMBERS_BY_KIND: tuple[tuple[str, str], ...] = (
    ("xl/workbook.xml", "an Excel workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file"),
    ("META-INF/container.xml", "an EPUB book"),
)
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
class LoadedFile:
    path: Path
    format: str  # "pdf" | "docx" | "html" | "md" | "txt"
    pages: tuple[Page, ...]
    title: str | None
    author: str | None
    year: int | None
    sha256: str  # of the raw file bytes


@dataclass(frozen=True)
class _ParsedContent:
    """What a format-specific parser extracts, before the file-level fields are added."""

    pages: tuple[Page, ...]
    title: str | None = None
    author: str | None = None
    year: int | None = None


# --- public entry points ---------------------------------------------------------------


def load_document(path: Path) -> LoadedFile:
    """Read a file from disk and return its text pages and metadata."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UnreadableFile(
            f"Could not read {path}: {e.strerror or e}. Check that the file exists and is readable."
        ) from e
    return _load_from_bytes(data, path)


def load_bytes(data: bytes, filename: str) -> LoadedFile:
    """Same as `load_document`, for bytes already in memory (an API upload)."""
    return _load_from_bytes(data, Path(filename))


def _load_from_bytes(data: bytes, path: Path) -> LoadedFile:
    name = str(path)
    _declared_format(name)
    if not data.strip():
        raise EmptyDocument(f"{name} is empty: it holds no text. Add content or remove the file.")
    file_format = sniff_format(data, name)
    parsed = _parse_content(data, file_format, name)
    if not any(page.text.strip() for page in parsed.pages):
        raise EmptyDocument(_describe_missing_text(name, file_format))
    return LoadedFile(
        path=path,
        format=file_format,
        pages=parsed.pages,
        title=parsed.title,
        author=parsed.author,
        year=parsed.year,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _parse_content(data: bytes, file_format: str, name: str) -> _ParsedContent:
    if file_format == "pdf":
        return _parse_pdf(data, name)
    if file_format == "docx":
        return _parse_docx(data, name)
    if file_format == "html":
        return _parse_html(_decode_text(data, name), name)
    return _parse_plain_text(_decode_text(data, name), file_format)


def _describe_missing_text(name: str, file_format: str) -> str:
    if file_format == "pdf":
        return (
            f"{name} is empty: the PDF has no text layer (it is probably scanned images). "
            "Run OCR on it first (for example `ocrmypdf in.pdf out.pdf`) and add the result."
        )
    return f"{name} is empty: no text was found in it. Add content or remove the file."


# --- format detection ------------------------------------------------------------------


def sniff_format(data: bytes, filename: str) -> str:
    """Detect the format from the content and check it against the file name's suffix."""
    declared = _declared_format(filename)
    detected = _detect_content_format(data, declared, filename)
    if declared in _STRICT_FORMATS and detected != declared:
        raise UnsupportedFileType(
            f"{filename} is named like a {declared.upper()} file but its content is "
            f"{detected.upper()}, not {declared.upper()}. It may be a failed download or an "
            f"error page; get the real file, or rename it to .{detected} if this is the content "
            "you want."
        )
    return detected


def _declared_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower()
    if suffix not in SUPPORTED_FORMATS:
        raise UnsupportedFileType(
            f"{filename} has an unsupported type ({suffix or 'no extension'}). "
            f"Supported types: {', '.join(SUPPORTED_FORMATS)}."
        )
    return SUPPORTED_FORMATS[suffix]


def _detect_content_format(data: bytes, declared: str, filename: str) -> str:
    head = data[:_SNIFF_BYTES]
    if _has_pdf_header(head, declared):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _detect_zip_format(data, declared, filename)
    binary_kind = _find_binary_kind(head)
    if binary_kind is not None:
        raise UnsupportedFileType(
            f"{filename} is {binary_kind}, not a document we can read. "
            f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
        )
    text = _decode_text(head, filename)
    if declared == "html" or _looks_like_html(text):
        return "html"
    return declared if declared in {"md", "txt"} else "txt"


def _detect_zip_format(data: bytes, declared: str, filename: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
        if declared == "docx":
            return "docx"  # let the DOCX parser report the damage as UnreadableFile
        raise UnsupportedFileType(
            f"{filename} is a damaged zip archive, not a document we can read. "
            f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
        ) from e
    if "word/document.xml" in members:
        return "docx"
    kind = next((kind for member, kind in _ZIP_MEMBERS_BY_KIND if member in members), None)
    raise UnsupportedFileType(
        f"{filename} is {kind or 'a zip archive'}, not a document we can read. "
        f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
    )


def _has_pdf_header(head: bytes, declared: str) -> bool:
    """PDF readers accept junk before the header in the first KiB; we do so only for .pdf names."""
    if head.lstrip().startswith(b"%PDF-"):
        return True
    return declared == "pdf" and b"%PDF-" in head[:_PDF_HEADER_WINDOW]


def _find_binary_kind(head: bytes) -> str | None:
    for signature, kind in _BINARY_SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _looks_like_html(text: str) -> bool:
    start = text.lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def _decode_text(data: bytes, filename: str) -> str:
    """Decode text bytes: UTF-16 with a BOM, else UTF-8 (BOM stripped), else cp1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    elif b"\x00" in data:
        raise UnsupportedFileType(_binary_content_message(filename))
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    sample = text[:_SNIFF_BYTES]
    if _count_control_chars(sample) > _MAX_CONTROL_CHAR_RATIO * len(sample):
        raise UnsupportedFileType(_binary_content_message(filename))
    return text


def _count_control_chars(text: str) -> int:
    return sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")


def _binary_content_message(filename: str) -> str:
    return (
        f"{filename} holds binary data, not text, so it is not a document we can read. "
        f"Convert it to one of: {', '.join(SUPPORTED_FORMATS)}."
    )


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
