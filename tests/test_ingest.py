"""Ingest: incremental by content hash, atomic per document, clear reports for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from index.embedder import Embedder
from index.retrieval import HybridSearcher
from index.store import Catalog
from index.vectors import VectorIndex
from ingest.chunk import embedding_text
from ingest.pipeline import Ingestor
from pathways.settings import PACKAGED_MODEL, Settings

ALPHA = """# Alpha Report

## Dual Enrollment

Dual enrollment lets high school students take college courses for credit. The Riverbend
Unified School District offered twelve dual enrollment sections in its first year.

## Work-Based Learning

Students in the welding pathway completed paid internships with local fabrication shops.
"""

BETA = """BETA BRIEF

Employer engagement grew when the chamber of commerce hosted monthly roundtables for
teachers and hiring managers. Attendance doubled over two years.
"""


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "alpha.md").write_text(ALPHA)
    (folder / "beta.txt").write_text(BETA)
    return folder


def statuses(report) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {Path(f.path).name: f.status for f in report.files}


def vector_count_matches_catalog(settings: Settings) -> bool:
    docs, chunks = Catalog(settings.catalog_path).counts()
    return VectorIndex(settings).count() == chunks


def test_first_ingest_indexes_every_file(settings: Settings, embedder: Embedder, tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus")
    report = Ingestor(settings, embedder).ingest([corpus])
    assert statuses(report) == {"alpha.md": "added", "beta.txt": "added"}
    assert report.embedded_chunks == sum(f.chunks for f in report.files) > 0
    assert vector_count_matches_catalog(settings)
    doc = Catalog(settings.catalog_path).get_document("alpha")
    assert doc is not None and doc[0].meta.title == "Alpha Report"


def test_unchanged_corpus_embeds_nothing_and_never_loads_the_model(
    settings: Settings, embedder: Embedder, tmp_path: Path
):
    corpus = write_corpus(tmp_path / "corpus")
    Ingestor(settings, embedder).ingest([corpus])
    fresh = Embedder(PACKAGED_MODEL)
    report = Ingestor(settings, fresh).ingest([corpus])
    assert statuses(report) == {"alpha.md": "unchanged", "beta.txt": "unchanged"}
    assert report.embedded_chunks == 0
    assert fresh.loads == 0 and "model" not in fresh.__dict__ and "tokenizer" not in fresh.__dict__
    assert report.model_loaded is False


def test_changed_file_replaces_its_chunks(settings: Settings, embedder: Embedder, tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus")
    Ingestor(settings, embedder).ingest([corpus])
    (corpus / "beta.txt").write_text(BETA.replace("roundtables", "breakfast forums"))
    report = Ingestor(settings, embedder).ingest([corpus])
    assert statuses(report) == {"alpha.md": "unchanged", "beta.txt": "updated"}
    texts = " ".join(c.chunk.text for c in Catalog(settings.catalog_path).chunks("beta"))
    assert "breakfast forums" in texts and "roundtables" not in texts
    assert vector_count_matches_catalog(settings)
    hits = HybridSearcher(settings, embedder).search("breakfast forums for hiring managers", k=1)
    assert hits[0].doc_id == "beta" and "breakfast forums" in hits[0].text


def test_removed_file_is_pruned_unless_kept(settings: Settings, embedder: Embedder, tmp_path: Path):
    corpus = write_corpus(tmp_path / "corpus")
    Ingestor(settings, embedder).ingest([corpus])
    (corpus / "beta.txt").unlink()
    kept = Ingestor(settings.model_copy(update={"prune_missing": False}), embedder).ingest([corpus])
    assert "beta" in Catalog(settings.catalog_path).versions()
    assert statuses(kept) == {"alpha.md": "unchanged"}
    report = Ingestor(settings, embedder).ingest([corpus])
    assert statuses(report)["beta.txt"] == "removed"
    assert set(Catalog(settings.catalog_path).versions()) == {"alpha"}
    assert vector_count_matches_catalog(settings)


class FailingEmbedder(Embedder):
    """The real model, made to fail on the n-th embedding batch (Ctrl-C or a crash)."""

    def __init__(self, shared: Embedder, fail_on_call: int, error: BaseException) -> None:
        super().__init__(PACKAGED_MODEL)
        self.__dict__["model"] = shared.model
        self.calls = 0
        self.fail_on_call = fail_on_call
        self.error = error

    def embed(self, texts, *, progress=False):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == self.fail_on_call:
            raise self.error
        return super().embed(texts, progress=progress)


def test_interrupted_ingest_keeps_indexed_documents(
    settings: Settings, embedder: Embedder, tmp_path: Path
):
    corpus = write_corpus(tmp_path / "corpus")
    Ingestor(settings, embedder).ingest([corpus])
    before = Catalog(settings.catalog_path).versions()
    (corpus / "alpha.md").write_text(ALPHA.replace("twelve", "fifteen"))
    (corpus / "beta.txt").write_text(BETA + "\nA new closing paragraph about mentors.\n")
    interrupted = FailingEmbedder(embedder, fail_on_call=2, error=KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        Ingestor(settings, interrupted).ingest([corpus])
    after = Catalog(settings.catalog_path).versions()
    assert after["beta"] == before["beta"], "the interrupted document keeps its old version"
    assert after["alpha"] != before["alpha"], "the document finished before the stop is kept"
    hits = HybridSearcher(settings, embedder).search("chamber of commerce roundtables", k=3)
    assert hits[0].doc_id == "beta" and "roundtables" in hits[0].text
    # the next run finishes the job and leaves no stray vectors
    report = Ingestor(settings, embedder).ingest([corpus])
    assert statuses(report) == {"alpha.md": "unchanged", "beta.txt": "updated"}
    assert vector_count_matches_catalog(settings)


def test_bad_files_are_reported_and_others_continue(
    settings: Settings, embedder: Embedder, tmp_path: Path
):
    corpus = write_corpus(tmp_path / "corpus")
    (corpus / "broken.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    (corpus / "empty.txt").write_text("")
    (corpus / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    report = Ingestor(settings, embedder).ingest([corpus])
    got = statuses(report)
    assert got["alpha.md"] == got["beta.txt"] == "added"
    assert got["broken.pdf"] == "failed" and got["empty.txt"] == "failed"
    assert got["picture.png"] == "skipped"
    reasons = {Path(f.path).name: f.reason for f in report.files}
    assert "empty" in reasons["empty.txt"].lower()
    assert "pdf" in reasons["broken.pdf"].lower()
    assert set(Catalog(settings.catalog_path).versions()) == {"alpha", "beta"}


@pytest.mark.slow
def test_every_corpus_chunk_fits_the_model_window(corpus_settings: Settings, embedder: Embedder):
    catalog = Catalog(corpus_settings.catalog_path)
    chunks = catalog.chunks()
    assert len(chunks) > 100
    limit = embedder.model.max_seq_length - 2  # [CLS] and [SEP]
    titles = {d.meta.doc_id: d.meta.title for d in catalog.list_documents()}
    tokenize = embedder.tokenizer.tokenize
    for sc in chunks:
        text = embedding_text(sc.chunk, titles[sc.chunk.doc_id], tokenize, limit)
        assert len(tokenize(text)) <= limit, sc.chunk.chunk_id


@pytest.mark.slow
def test_chunk_offsets_point_into_the_cleaned_text(corpus_settings: Settings):
    catalog = Catalog(corpus_settings.catalog_path)
    for doc in catalog.list_documents():
        found = catalog.get_document(doc.meta.doc_id)
        assert found is not None
        text = found[1]
        for sc in catalog.chunks(doc.meta.doc_id):
            assert text[sc.chunk.start : sc.chunk.end] == sc.chunk.text


def test_catalog_metadata_and_sections_reach_the_chunks(tiny_settings: Settings):
    catalog = Catalog(tiny_settings.catalog_path)
    docs = {d.meta.doc_id: d for d in catalog.list_documents()}
    report = docs["ccpt-two-years-in-implementation-report-2017"].meta
    assert report.publisher == "Jobs for the Future" and report.year == 2017
    assert report.doc_type == "ccpt-report" and report.source_url.endswith(".pdf")
    sections = {c.chunk.section for c in catalog.chunks(report.doc_id)}
    assert any(s.endswith("Incentives") for s in sections)


def test_copying_a_file_into_the_corpus_adds_it(settings: Settings, embedder: Embedder, tmp_path):
    corpus = write_corpus(tmp_path / "corpus")
    Ingestor(settings, embedder).ingest([corpus])
    shutil.copy(corpus / "beta.txt", corpus / "gamma-notes.txt")
    report = Ingestor(settings, embedder).ingest([corpus])
    assert statuses(report)["gamma-notes.txt"] == "added"
    doc = Catalog(settings.catalog_path).get_document("gamma-notes")
    assert doc is not None and doc[0].meta.title == "BETA BRIEF"
