from fastapi import APIRouter

from api.schemas import DocumentDetail, DocumentList, DocumentSummary
from api.state import StateDep
from index.store import StoredDocument
from pathways.errors import DocumentNotFound

router = APIRouter(prefix="/v1/documents", tags=["documents"])


def summary(doc: StoredDocument) -> DocumentSummary:
    m = doc.meta
    return DocumentSummary(
        doc_id=m.doc_id, title=m.title, doc_type=m.doc_type, year=m.year, region=m.region,
        publisher=m.publisher, source_url=m.source_url, format=doc.format, pages=doc.pages,
        chunks=doc.n_chunks,
    )  # fmt: skip


@router.get("", response_model=DocumentList)
def list_documents(state: StateDep) -> DocumentList:
    """Every indexed document with its page and chunk counts."""
    catalog = state.searcher.catalog
    docs = catalog.list_documents()
    n_docs, n_chunks = catalog.counts()
    return DocumentList(
        documents=[summary(d) for d in docs], total_documents=n_docs, total_chunks=n_chunks
    )


@router.get("/{doc_id}", response_model=DocumentDetail)
def get_document(state: StateDep, doc_id: str) -> DocumentDetail:
    """A document's metadata and full cleaned text, so text[start:end] opens any excerpt."""
    catalog = state.searcher.catalog
    found = catalog.get_document(doc_id)
    if found is None:
        raise DocumentNotFound(f"No document with id {doc_id!r}. GET /v1/documents lists them.")
    doc, text = found
    page_breaks, headings = catalog.get_structure(doc_id)
    return DocumentDetail(
        **summary(doc).model_dump(),
        authors=doc.meta.authors,
        ingested_at=doc.ingested_at,
        text=text,
        headings=headings,  # type: ignore[arg-type]
        page_breaks=page_breaks,
    )
