"""Request and response models of API v1."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SearchResult(BaseModel):
    rank: int
    doc_id: str
    title: str
    section: str
    page: int | None
    start: int = Field(description="Offset of the excerpt in the document's cleaned text.")
    end: int
    text: str = Field(description="Equals the document's text[start:end].")
    score: float


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    doc_type: str
    year: int | None
    region: str
    publisher: str
    source_url: str
    format: str
    pages: int | None
    chunks: int


class Heading(BaseModel):
    start: int
    end: int
    level: int
    title: str


class DocumentDetail(DocumentSummary):
    authors: str
    ingested_at: str
    text: str = Field(description="The full cleaned text: text[start:end] opens any excerpt.")
    headings: list[Heading]
    page_breaks: list[list[int]] = Field(description="[offset, page] pairs; empty if unpaginated.")


class DocumentList(BaseModel):
    documents: list[DocumentSummary]
    total_documents: int
    total_chunks: int


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    documents: int
    chunks: int
    collection: str
