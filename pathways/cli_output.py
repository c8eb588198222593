"""What the `pathways` command prints for people (JSON output stays in pathways.cli)."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click


def print_ingest_report(report: Any, ingestor: Any) -> None:
    """A row per file (status, pages, chunks, time), the failures, then the totals."""
    rows = [("file", "status", "pages", "chunks", "time")]
    for f in report.files:
        pages = "" if f.pages is None else str(f.pages)
        chunks = str(f.chunks) if f.status in {"added", "updated"} else ""
        rows.append((Path(f.path).name, f.status, pages, chunks, f"{f.seconds:.1f}s"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)))
    for f in report.files:
        if f.reason:
            click.echo(f"{f.status}: {f.path}: {f.reason}", err=True)
    docs, chunks = ingestor.catalog.counts()
    click.echo(
        f"{docs} documents, {chunks} chunks indexed; embedded {report.embedded_chunks} "
        f"chunks in {report.seconds:.1f}s"
        + ("" if report.model_loaded else " (model not loaded: nothing to embed)")
    )


def print_excerpts(query: str, excerpts: Sequence[Any]) -> None:
    """Each excerpt with its rank, score, title, section, page and offsets, and the paragraph
    of it that best matches the query."""
    if not excerpts:
        click.echo("No matching excerpts.")
    for e in excerpts:
        where = " > ".join(p for p in [e.section] if p) or "(no section)"
        page = f", p. {e.page}" if e.page else ""
        click.echo(f"{e.rank}. [{e.score:.3f}] {e.title}")
        click.echo(f"   {where}{page}  ({e.doc_id} {e.start}-{e.end})")
        body = textwrap.shorten(best_paragraph(query, e.text), width=600, placeholder=" …")
        click.echo(textwrap.indent(textwrap.fill(body, width=96), "   "))
        click.echo()


def print_organizations(found: Sequence[dict[str, Any]]) -> None:
    """Each organization with what the reports say it does, how we know, and its citations."""
    if not found:
        click.echo("No organizations found for this topic.")
    for i, org in enumerate(found, 1):
        kind = f" ({org['kind']})" if org["kind"] else ""
        click.echo(f"{i}. {org['name']}{kind}: {org['mentions']} mention(s)")
        click.echo(textwrap.indent(textwrap.fill(org["what"], width=96), "   "))
        measures = ", ".join(org["measures"]) or "none named"
        click.echo(f"   How we know: {org['evidence_kind']}; measures: {measures}")
        for c in org["citations"]:
            page = f", p. {c['page']}" if c["page"] else ""
            click.echo(
                f"   [{c['n']}] {c['title']} — {c['section']}{page} ({c['start']}-{c['end']})"
            )
        click.echo()


def best_paragraph(query: str, text: str) -> str:
    """The paragraph of a long excerpt that shares most words with the query (what a reader
    wants to see first); the whole text when it is short."""
    if len(text) <= 600:
        return text
    from answer.evidence import terms

    wanted = set(terms(query))
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    best = max(paragraphs, key=lambda p: len(wanted & set(terms(p))))
    return best if best == paragraphs[0] else "… " + best
