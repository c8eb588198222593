"""Loaders turn real files into pages of text and metadata, and refuse what they cannot read."""

from __future__ import annotations

import hashlib
import io
import random
import zipfile
from datetime import datetime
from pathlib import Path

import docx
import pypdf
import pytest
from reportlab.pdfgen import canvas

from ingest.loaders import SUPPORTED_FORMATS, load_bytes, load_document, sniff_format
from pathways.errors import EmptyDocument, UnreadableFile, UnsupportedFileType
from pathways.types import Page

PAGE_TEXTS = (
    "Apprenticeships in advanced manufacturing",
    "Dual enrollment raises completion rates",
    "Employer partnerships sustain career pathways",
)


def make_pdf(page_texts: tuple[str, ...] = PAGE_TEXTS, title: str = "Pathways Report") -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=True)  # fixed creation date: 2000-01-01
    pdf.setTitle(title)
    pdf.setAuthor("Jobs for the Future")
    for text in page_texts:
        pdf.drawString(72, 720, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_blank_pdf() -> bytes:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_encrypted_pdf(user_password: str) -> bytes:
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(make_pdf()))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def make_docx() -> bytes:
    document = docx.Document()
    document.core_properties.title = "State CTE Plan"
    document.core_properties.author = "Department of Education"
    document.core_properties.created = datetime(2022, 5, 1)
    document.add_paragraph("Career Pathways Overview", style="Title")
    document.add_paragraph("Introduction", style="Heading 1")
    document.add_paragraph("Pathways connect school to work.")
    document.add_paragraph("Programs of Study", style="Heading 2")
    document.add_paragraph("Health sciences", style="List Bullet")
    document.add_paragraph("Information technology", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for row, cells in zip(table.rows, (("Program", "Enrollment"), ("Nursing", "120")), strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("Closing remarks.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Promising Practices Brief</title>
<meta name="author" content="CCPT Research Team">
<style>body { color: red; }</style></head>
<body>
<nav><a href="/">Home</a> | <a href="/about">About</a></nav>
<h1>Work-Based Learning</h1>
<p>Students gain <strong>paid</strong> experience.</p>
<script>var tracking = "do not index me";</script>
<h2>Outcomes</h2>
<ul><li>Higher wages</li><li>More credentials</li></ul>
<table><tr><th>Metric</th><th>Value</th></tr><tr><td>Completion</td><td>85%</td></tr></table>
<footer>Copyright 2024</footer>
</body></html>
"""


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- PDF -------------------------------------------------------------------------------


def test_pdf_pages_are_numbered_with_their_own_text(tmp_path: Path) -> None:
    data = make_pdf()
    loaded = load_document(write(tmp_path, "report.pdf", data))

    assert loaded.format == "pdf"
    assert [page.number for page in loaded.pages] == [1, 2, 3]
    assert [page.text.strip() for page in loaded.pages] == list(PAGE_TEXTS)
    assert loaded.title == "Pathways Report"
    assert loaded.author == "Jobs for the Future"
    assert loaded.year == 2000
    assert loaded.sha256 == hashlib.sha256(data).hexdigest()
    assert loaded.path == tmp_path / "report.pdf"


def test_pdf_generator_placeholders_are_not_titles() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)  # reportlab's defaults: title "untitled", author "anonymous"
    pdf.drawString(72, 720, "Some text")
    pdf.save()

    loaded = load_bytes(buffer.getvalue(), "plain.pdf")

    assert (loaded.title, loaded.author) == (None, None)


def test_pdf_with_garbage_after_header_is_unreadable() -> None:
    garbage = b"%PDF-1.7\n" + random.Random(7).randbytes(4000)

    with pytest.raises(UnreadableFile, match=r"broken\.pdf is not a readable PDF.*again"):
        load_bytes(garbage, "broken.pdf")


def test_truncated_pdf_is_unreadable() -> None:
    data = make_pdf()

    with pytest.raises(UnreadableFile, match=r"damaged or truncated"):
        load_bytes(data[: len(data) // 2], "truncated.pdf")


def test_pdf_without_text_layer_asks_for_ocr() -> None:
    with pytest.raises(EmptyDocument, match=r"scan\.pdf is empty: the PDF has no text layer.*OCR"):
        load_bytes(make_blank_pdf(), "scan.pdf")


def test_password_protected_pdf_is_unreadable() -> None:
    with pytest.raises(UnreadableFile, match=r"locked\.pdf is password-protected"):
        load_bytes(make_encrypted_pdf(user_password="secret"), "locked.pdf")


def test_pdf_encrypted_with_empty_password_is_read() -> None:
    loaded = load_bytes(make_encrypted_pdf(user_password=""), "owner-locked.pdf")

    assert loaded.pages[0].text.strip() == PAGE_TEXTS[0]


# --- DOCX ------------------------------------------------------------------------------


def test_docx_headings_lists_and_tables_become_markdown_in_order(tmp_path: Path) -> None:
    loaded = load_document(write(tmp_path, "plan.docx", make_docx()))

    assert loaded.format == "docx"
    assert loaded.pages == (
        Page(
            number=None,
            text=(
                "# Career Pathways Overview\n\n"
                "# Introduction\n\n"
                "Pathways connect school to work.\n\n"
                "## Programs of Study\n\n"
                "- Health sciences\n\n"
                "- Information technology\n\n"
                "Program | Enrollment\nNursing | 120\n\n"
                "Closing remarks."
            ),
        ),
    )
    assert loaded.title == "State CTE Plan"
    assert loaded.author == "Department of Education"
    assert loaded.year == 2022


def test_corrupt_docx_is_unreadable() -> None:
    data = make_docx()

    with pytest.raises(UnreadableFile, match=r"plan\.docx is not a readable Word document"):
        load_bytes(data[: len(data) // 2], "plan.docx")


# --- HTML ------------------------------------------------------------------------------


def test_html_keeps_headings_and_content_and_drops_scripts_and_chrome(tmp_path: Path) -> None:
    loaded = load_document(write(tmp_path, "brief.html", HTML_PAGE.encode()))

    assert loaded.format == "html"
    assert loaded.title == "Promising Practices Brief"
    assert loaded.author == "CCPT Research Team"
    assert loaded.pages == (
        Page(
            number=None,
            text=(
                "# Work-Based Learning\n\n"
                "Students gain paid experience.\n\n"
                "## Outcomes\n\n"
                "- Higher wages\n\n"
                "- More credentials\n\n"
                "Metric | Value\n"
                "Completion | 85%"
            ),
        ),
    )


def test_html_title_falls_back_to_first_h1() -> None:
    loaded = load_bytes(b"<html><body><h1>Career Academies</h1><p>Text.</p></body></html>", "a.htm")

    assert loaded.title == "Career Academies"


# --- Markdown and text -----------------------------------------------------------------


def test_markdown_passes_through_unchanged() -> None:
    markdown = "# Youth Apprenticeship\n\nA **strong** model.\n"

    loaded = load_bytes(markdown.encode(), "notes.md")

    assert loaded.format == "md"
    assert loaded.pages == (Page(number=None, text=markdown),)
    assert loaded.title == "Youth Apprenticeship"


def test_text_strips_bom_and_falls_back_to_cp1252() -> None:
    assert load_bytes("\ufeffCafé".encode(), "a.txt").pages[0].text == "Café"
    assert load_bytes("Café – résumé".encode("cp1252"), "b.txt").pages[0].text == "Café – résumé"
    assert load_bytes("Notepad\r\nUnicode".encode("utf-16"), "c.txt").pages[0].text == (
        "Notepad\nUnicode"
    )


@pytest.mark.parametrize("data", [b"", b"  \n\t\r\n ", "\ufeff".encode()])
def test_empty_file_is_empty_document(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(EmptyDocument, match=r"empty\.txt is empty: "):
        load_document(write(tmp_path, "empty.txt", data))


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match=r"Could not read .*missing\.pdf"):
        load_document(tmp_path / "missing.pdf")


# --- format detection ------------------------------------------------------------------


def test_unknown_suffix_lists_supported_types() -> None:
    with pytest.raises(UnsupportedFileType, match=r"data\.xyz .*Supported types: .pdf, .docx"):
        load_bytes(b"plain text", "data.xyz")


def test_png_renamed_to_txt_is_rejected() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)

    with pytest.raises(UnsupportedFileType, match=r"chart\.txt is a PNG image"):
        load_bytes(png, "chart.txt")


def test_random_binary_named_txt_is_rejected() -> None:
    with pytest.raises(UnsupportedFileType, match=r"holds binary data"):
        load_bytes(random.Random(3).randbytes(2000), "blob.txt")


def test_pdf_name_with_text_content_is_rejected() -> None:
    """Decision: a .pdf holding text is rejected, never indexed as text (see module docstring)."""
    with pytest.raises(UnsupportedFileType, match=r"fake\.pdf .*content is TXT, not PDF"):
        load_bytes(b"404 Not Found", "fake.pdf")


def test_pdf_name_with_zip_or_exe_content_is_rejected() -> None:
    with pytest.raises(UnsupportedFileType, match=r"Windows executable"):
        sniff_format(b"MZ\x90\x00" + bytes(100), "report.pdf")
    with pytest.raises(UnsupportedFileType, match=r"content is DOCX, not PDF"):
        sniff_format(make_docx(), "report.pdf")


def test_zip_that_is_not_word_is_rejected() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")

    with pytest.raises(UnsupportedFileType, match=r"sheet\.docx is an Excel workbook"):
        sniff_format(buffer.getvalue(), "sheet.docx")


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        (make_pdf(), "a.pdf", "pdf"),
        (make_docx(), "a.docx", "docx"),
        (HTML_PAGE.encode(), "a.html", "html"),
        (b"<p>fragment</p>", "a.htm", "html"),
        (b"# Heading\n\ntext", "a.md", "md"),
        (b"# Heading\n\ntext", "a.markdown", "md"),
        (b"plain words", "a.txt", "txt"),
        (b"plain words", "A.TXT", "txt"),
        (HTML_PAGE.encode(), "saved-page.txt", "html"),
        (make_pdf(), "misnamed.txt", "pdf"),
    ],
)
def test_sniff_format_reads_content(data: bytes, filename: str, expected: str) -> None:
    assert sniff_format(data, filename) == expected


def test_supported_formats_cover_every_loader() -> None:
    assert set(SUPPORTED_FORMATS.values()) == {"pdf", "docx", "html", "md", "txt"}


def test_pdf_with_junk_before_header_is_still_a_pdf() -> None:
    loaded = load_bytes(b"From: mail gateway\r\n" + make_pdf(), "attachment.pdf")

    assert [page.text.strip() for page in loaded.pages] == list(PAGE_TEXTS)


def test_pdf_saved_as_txt_is_read_as_pdf_not_raw_bytes() -> None:
    loaded = load_bytes(make_pdf(), "misnamed.txt")

    assert loaded.format == "pdf"
    assert not any("%PDF" in page.text for page in loaded.pages)
    assert loaded.pages[2].text.strip() == PAGE_TEXTS[2]
