"""The documents resource: list, read, download the original, upload (admin), delete (admin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.responses import WRITE, errors
from api.schemas import (
    Deleted,
    DocumentDetail,
    DocumentList,
    DocumentSummary,
    UploadMeta,
    UploadResult,
)
from api.security import AdminOnly, LinkReader, Reader
from api.state import AppState, StateDep
from api.uploads import ingest_upload, remove_original, save_upload
from index.store import StoredDocument
from pathways.errors import DocumentNotFound
from pathways.settings import Settings

router = APIRouter(prefix="/v1/documents", tags=["documents"])

DocId = Annotated[str, PathParam(min_length=1, max_length=200, description="A document id.")]
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
MAX_FORM_FIELDS = 16
MAX_FIELD_BYTES = 64 * 1024
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "PDF, DOCX, HTML, Markdown or text.",
                        },
                        "title": {"type": "string", "maxLength": 300},
                        "doc_type": {"type": "string", "maxLength": 80},
                        "year": {"type": "integer", "minimum": 1900, "maximum": 2100},
                        "region": {"type": "string", "maxLength": 120},
                        "publisher": {"type": "string", "maxLength": 300},
                        "source_url": {
                            "type": "string",
                            "maxLength": 2000,
                            "pattern": "^https?://",
                        },
                        "replace": {"type": "boolean", "default": False},
                    },
                }  # fmt: skip
            }
        },
    }
}


def summary(doc: StoredDocument) -> DocumentSummary:
    m = doc.meta
    return DocumentSummary(
        doc_id=m.doc_id, title=m.title, doc_type=m.doc_type, year=m.year, region=m.region,
        publisher=m.publisher, source_url=m.source_url, format=doc.format, pages=doc.pages,
        chunks=doc.n_chunks,
    )  # fmt: skip


def find_document(state: AppState, doc_id: str) -> tuple[StoredDocument, str]:
    found = state.searcher.catalog.get_document(doc_id)
    if found is None:
        raise DocumentNotFound(f"No document with id {doc_id!r}. GET /v1/documents lists them.")
    return found


@router.get("", response_model=DocumentList, dependencies=[Reader], responses=errors(401))
def list_documents(state: StateDep) -> DocumentList:
    """Every indexed document with its page and chunk counts."""
    catalog = state.searcher.catalog
    docs = catalog.list_documents()
    n_docs, n_chunks = catalog.counts()
    return DocumentList(
        documents=[summary(d) for d in docs], total_documents=n_docs, total_chunks=n_chunks
    )


@router.get(
    "/{doc_id}",
    response_model=DocumentDetail,
    dependencies=[Reader],
    responses=errors(401, 404, 422),
)
def get_document(state: StateDep, doc_id: DocId) -> DocumentDetail:
    """A document's metadata and full cleaned text, so text[start:end] opens any excerpt."""
    doc, text = find_document(state, doc_id)
    page_breaks, headings = state.searcher.catalog.get_structure(doc_id)
    return DocumentDetail(
        **summary(doc).model_dump(),
        authors=doc.meta.authors,
        ingested_at=doc.ingested_at,
        text=text,
        headings=headings,  # type: ignore[arg-type]
        page_breaks=page_breaks,
    )


def original_path(settings: Settings, doc: StoredDocument) -> Path | None:
    """The original file, if it is an upload or in the corpus folder (nothing else is served)."""
    path = Path(doc.source_path).resolve()
    roots = (settings.uploads_dir.resolve(), settings.corpus_dir.resolve())
    if path.is_file() and any(path.is_relative_to(root) for root in roots):
        return path
    return None


@router.get(
    "/{doc_id}/file",
    dependencies=[LinkReader],
    response_class=FileResponse,
    responses={
        200: {
            "description": "The original file.",
            "content": {"application/pdf": {}, MEDIA_TYPES["docx"]: {}, "text/plain": {}},
        },
        **errors(401, 404, 422),
    },  # fmt: skip
)
def document_file(state: StateDep, doc_id: DocId) -> FileResponse:
    """The original file (PDFs open inline, so `#page=N` works; other types download)."""
    doc, _ = find_document(state, doc_id)
    path = original_path(state.settings, doc)
    if path is None:
        raise DocumentNotFound(f"The original file of {doc_id!r} is not available here.")
    pdf = doc.format == "pdf"
    return FileResponse(
        path,
        media_type=MEDIA_TYPES.get(doc.format, "text/plain; charset=utf-8"),
        filename=f"{doc_id}{path.suffix}",
        content_disposition_type="inline" if pdf else "attachment",
    )


def parse_meta(fields: dict[str, str]) -> UploadMeta:
    try:
        return UploadMeta.model_validate(fields)
    except ValidationError as e:
        raise RequestValidationError(
            [{**err, "loc": ("body", *err["loc"])} for err in e.errors(include_url=False)]
        ) from e


def store_and_index(state: AppState, upload: UploadFile, meta: UploadMeta) -> UploadResult:
    """Save the file and index it; one writer at a time. A failed ingest leaves no new file."""
    settings = state.settings
    with state.write_lock:
        folder, max_mb = settings.uploads_dir, settings.max_upload_mb
        saved = save_upload(upload.file, upload.filename, folder, max_mb)
        fields = meta.model_dump(exclude={"replace"}, exclude_none=True)
        try:
            done = ingest_upload(
                state.ingestor, saved, {k: str(v) for k, v in fields.items()}, replace=meta.replace
            )
        except BaseException:
            if saved.created:
                saved.path.unlink(missing_ok=True)
            raise
    return UploadResult(
        doc_id=done.doc_id, status=done.status, title=done.title, format=done.format,
        pages=done.pages, chunks=done.chunks, sha256=saved.sha256,
    )  # fmt: skip


@router.post(
    "",
    status_code=201,
    response_model=UploadResult,
    dependencies=[AdminOnly],
    openapi_extra=UPLOAD_BODY,
    responses={
        200: {"model": UploadResult, "description": "The same file was indexed before."},
        **errors(400, *WRITE, 409, 415),
    },
)
async def upload_document(request: Request, response: Response, state: StateDep) -> UploadResult:
    """Upload a file (multipart field `file`) with optional metadata fields; admin key needed.

    The type is decided from the content. The document id is the slug of the file name.
    """
    form = await request.form(
        max_files=1, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_FIELD_BYTES
    )
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise RequestValidationError(
                [{"loc": ("body", "file"), "msg": "Field required: the file", "type": "missing"}]
            )
        fields = {k: v for k, v in form.multi_items() if k != "file"}
        meta = parse_meta({k: v for k, v in fields.items() if isinstance(v, str)})
        result = await anyio.to_thread.run_sync(store_and_index, state, upload, meta)
    finally:
        await form.close()
    if result.status == "unchanged":
        response.status_code = 200
    return result


@router.delete(
    "/{doc_id}",
    response_model=Deleted,
    dependencies=[AdminOnly],
    responses=errors(401, 403, 404, 422),
)
def delete_document(state: StateDep, doc_id: DocId) -> Deleted:
    """Remove a document from the index (and its uploaded original); admin key needed."""
    with state.write_lock:
        doc, _ = find_document(state, doc_id)
        state.ingestor.remove_document(doc_id)
        in_use = set(state.ingestor.catalog.sources().values())
        remove_original(doc.source_path, state.settings.uploads_dir, in_use)
    return Deleted(doc_id=doc_id, deleted=True)
