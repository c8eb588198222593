"""Request and response models of API v1."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, field_validator

from pathways.settings import K_CEILING, QUERY_CHARS_CEILING

# Hard ceilings published in the schema; the settings' limits (max_query_chars, max_k) may
# tighten them at runtime.
MAX_QUESTION_CHARS = QUERY_CHARS_CEILING
MAX_K = K_CEILING
YEAR_MIN, YEAR_MAX = 1900, 2100
# At least one character that is neither a control character nor whitespace as Python's
# str.split() sees it (wider than the regex \s of JSON Schema): a blank question is refused.
NOT_BLANK = r"[^\x00-\x20\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


def _json_number(v: object) -> object:
    """JSON numbers only: 8 and 8.0 are integers, "8" and true are not."""
    if isinstance(v, (str, bool)):
        raise ValueError("must be a JSON number, not a string or boolean")
    return v


Year = Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX), BeforeValidator(_json_number)]
ExcerptCount = Annotated[int, Field(ge=1, le=MAX_K), BeforeValidator(_json_number)]


# --- errors ------------------------------------------------------------------------------
class Problem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorBody(BaseModel):
    """Every error response: `detail` is a message, or the list of invalid fields (422)."""

    detail: str | list[Problem]


# --- search ------------------------------------------------------------------------------
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


# --- ask ---------------------------------------------------------------------------------
OneOrMany = str | list[str]


class FiltersIn(BaseModel):
    """Only excerpts of documents that match every given field. Lists mean "any of"."""

    model_config = ConfigDict(extra="forbid")

    doc_type: OneOrMany | None = Field(None, description="Document type(s), e.g. state-plan.")
    year_min: Year | None = None
    year_max: Year | None = None
    region: OneOrMany | None = None
    doc_id: OneOrMany | None = None


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        min_length=1, max_length=MAX_QUESTION_CHARS, pattern=NOT_BLANK,
        description="The question; at most PATHWAYS_MAX_QUERY_CHARS characters.",
    )  # fmt: skip
    k: ExcerptCount | None = Field(
        None,
        description="Excerpts to consider (default: PATHWAYS_ANSWER_K; at most PATHWAYS_MAX_K).",
    )
    filters: FiltersIn | None = None
    stream: StrictBool = Field(
        False,
        description="Stream Server-Sent Events (also when the request sends "
        "`Accept: text/event-stream`): `citations`, then `answer` text pieces, then `done`.",
    )


class CitationOut(BaseModel):
    n: int
    doc_id: str
    title: str
    section: str
    page: int | None
    start: int
    end: int
    quote: str = Field(description="Equals the document's text[start:end].")
    source_url: str


class AnswerOut(BaseModel):
    question: str
    answer: str = Field(description="Markdown with [n] markers that refer to `citations`.")
    answer_html: str = Field(
        description="The answer rendered as sanitised HTML (tags p, br, ul, ol, li, strong, em, "
        'blockquote, code, and `a class="cite"` links to the cited passage, relative to this '
        "server). The only text of an answer a client should insert as HTML."
    )
    abstained: bool
    confidence: float
    citations: list[CitationOut]
    related: list[CitationOut]
    mode: str
    note: str | None


# --- documents ---------------------------------------------------------------------------
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


class UploadMeta(BaseModel):
    """Optional metadata sent with an upload, as multipart form fields beside `file`."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=300)
    doc_type: str | None = Field(None, max_length=80)
    year: int | None = Field(None, ge=YEAR_MIN, le=YEAR_MAX)
    region: str | None = Field(None, max_length=120)
    publisher: str | None = Field(None, max_length=300)
    source_url: str | None = Field(None, max_length=2000, pattern=r"^https?://")
    replace: bool = Field(False, description="Replace a document that has the same id.")

    @field_validator(
        "title", "doc_type", "year", "region", "publisher", "source_url", mode="before"
    )
    @classmethod
    def _blank_is_missing(cls, v: object) -> object:
        return None if isinstance(v, str) and not v.strip() else v


class UploadResult(BaseModel):
    doc_id: str
    status: str = Field(description="added | updated | unchanged")
    title: str
    format: str
    pages: int | None
    chunks: int
    sha256: str


class Deleted(BaseModel):
    doc_id: str
    deleted: bool


# --- organizations -----------------------------------------------------------------------
class Organizations(BaseModel):
    topic: str
    organizations: list[dict[str, Any]]


# --- health ------------------------------------------------------------------------------
class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    documents: int
    chunks: int
    collection: str
