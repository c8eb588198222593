"""Clean every .txt/.md file of a directory and print what cleaning did, for a human to inspect.

Usage: python bench/check_clean.py DIR [--sample N] [--text]

Per file: characters before/after, paragraph and footnote counts, leftover ``[``-artifacts
(bookmark/image/footnote tags and markdown links that survived), then every heading with its
section path, then N sample paragraphs (the whole cleaned text with --text).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.clean import clean_document  # noqa: E402
from pathways.types import CleanDocument, Page  # noqa: E402

ARTIFACT = re.compile(r"\[(?:bookmark|image|footnoteRef)\b|\[\d+:\s|\]\(|\\[$*_#\[\]]|\*\*")


def leftover_artifacts(text: str) -> list[str]:
    """Short excerpts around every artifact pattern still present in cleaned text."""
    return [text[max(0, m.start() - 30) : m.end() + 30] for m in ARTIFACT.finditer(text)]


def report(path: Path, doc: CleanDocument, raw: str, sample: int, full_text: bool) -> None:
    paragraphs = doc.text.split("\n\n")
    leftovers = leftover_artifacts(doc.text)
    print(f"=== {path.name}")
    print(
        f"chars {len(raw)} -> {len(doc.text)}; paragraphs {len(paragraphs)}; "
        f"headings {len(doc.headings)}; footnotes {len(doc.footnotes)}; "
        f"page breaks {len(doc.page_breaks)}; leftover [-artifacts {len(leftovers)}"
    )
    for excerpt in leftovers:
        print(f"  leftover: {excerpt!r}")
    print("--- headings (level, path)")
    for heading in doc.headings:
        print(f"  {heading.level}  {doc.section_at(heading.start)}")
    print("--- footnotes")
    for start, end in doc.footnotes:
        print(f"  {doc.text[start:end][:110]!r}")
    if full_text:
        print("--- text")
        print(doc.text)
        return
    print(f"--- {sample} sample paragraphs")
    for paragraph in random.Random(0).sample(paragraphs, min(sample, len(paragraphs))):
        print(f"  {paragraph[:300]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--sample", type=int, default=8)
    parser.add_argument("--text", action="store_true", help="print the whole cleaned text")
    args = parser.parse_args()
    paths = sorted(p for p in args.directory.iterdir() if p.suffix in (".txt", ".md"))
    for path in paths:
        raw = path.read_text(encoding="utf-8")
        report(path, clean_document([Page(None, raw)]), raw, args.sample, args.text)


if __name__ == "__main__":
    main()
