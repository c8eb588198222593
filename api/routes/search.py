from typing import Annotated

from fastapi import APIRouter, Query

from api.responses import LIMITED, errors
from api.schemas import MAX_K, MAX_QUESTION_CHARS, NOT_BLANK, YEAR_MAX, YEAR_MIN, SearchResponse
from api.security import RateLimit
from api.state import StateDep
from index.query import check_k, read_query
from index.search import Filters, excerpts_to_json

router = APIRouter(prefix="/v1", tags=["search"])

Year = Annotated[int | None, Query(ge=YEAR_MIN, le=YEAR_MAX)]


@router.get(
    "/search",
    response_model=SearchResponse,
    dependencies=[RateLimit],
    responses=errors(*LIMITED, 409),
)
def search(
    *,
    state: StateDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=MAX_QUESTION_CHARS,
            pattern=NOT_BLANK,
            description="The question or keywords (at most PATHWAYS_MAX_QUERY_CHARS characters).",
        ),
    ],  # fmt: skip
    k: Annotated[
        int | None,
        Query(ge=1, le=MAX_K, description="How many excerpts (default: PATHWAYS_DEFAULT_K)."),
    ] = None,
    doc_type: Annotated[list[str], Query(description="Only these document types.")] = [],  # noqa: B006
    year_min: Year = None,
    year_max: Year = None,
    region: Annotated[list[str], Query(description="Only these regions.")] = [],  # noqa: B006
    doc_id: Annotated[list[str], Query(description="Only these documents.")] = [],  # noqa: B006
) -> dict[str, object]:
    """Ranked excerpts for a query, each with its document, section, page and offsets."""
    filters = Filters(
        doc_type=tuple(doc_type),
        year_min=year_min,
        year_max=year_max,
        region=tuple(region),
        doc_id=tuple(doc_id),
    )
    query = read_query(q, state.settings)
    excerpts = state.searcher.search(query, check_k(k, state.settings), filters)
    return excerpts_to_json(q, excerpts)
