"""Document metadata: a catalog.csv row when there is one, otherwise what the file says."""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path

from pathways.types import DocumentMeta

logger = logging.getLogger(__name__)

CATALOG_NAME = "catalog.csv"


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug[:80] or "document"


def read_catalog(folder: Path) -> dict[str, dict[str, str]]:
    """Rows of folder/catalog.csv keyed by file name; {} when there is none."""
    path = folder / CATALOG_NAME
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    return {row["file"].strip(): row for row in rows if row.get("file")}


def parse_year(value: str | int | None) -> int | None:
    if isinstance(value, int):
        return value
    found = re.search(r"\b(19|20)\d{2}\b", value or "")
    return int(found.group(0)) if found else None


def first_heading(text: str) -> str | None:
    for raw in text.splitlines():
        line = raw.strip().lstrip("#").strip().strip("*").strip()
        if 3 <= len(line) <= 160 and not line.startswith("["):
            return line
    return None


def title_from_filename(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize() or path.name


def describe_document(
    path: Path,
    row: dict[str, str] | None,
    *,
    file_title: str | None,
    file_author: str | None,
    file_year: int | None,
    text: str,
    overrides: dict[str, str] | None = None,
) -> DocumentMeta:
    """Merge, in priority order: explicit overrides, the catalog row, the file's own metadata."""
    row = {**(row or {}), **{k: v for k, v in (overrides or {}).items() if v}}
    year = parse_year(row.get("year")) or file_year or parse_year(path.stem)
    title = row.get("title") or file_title or first_heading(text) or title_from_filename(path)
    return DocumentMeta(
        doc_id=row.get("doc_id") or slugify(path.stem),
        title=title.strip(),
        doc_type=(row.get("doc_type") or "document").strip(),
        year=year,
        region=(row.get("region") or "").strip(),
        publisher=(row.get("publisher") or "").strip(),
        authors=(row.get("authors") or file_author or "").strip(),
        source_url=(row.get("source_url") or "").strip(),
    )
