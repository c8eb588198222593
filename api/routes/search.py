from typing import Annotated

from fastapi import APIRouter, Query

from api.schemas import SearchResponse
from api.state import StateDep
from index.search import Filters, excerpts_to_json

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/search", response_model=SearchResponse)
def search(
    state: StateDep,
    q: Annotated[str, Query(min_length=1, max_length=2000, description="The question or keywords.")],
    k: Annotated[int, Query(ge=1, le=50, description="How many excerpts.")] = 5,
    doc_type: Annotated[list[str] | None, Query(description="Only these document types.")] = None,
    year_min: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    year_max: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    region: Annotated[list[str] | None, Query()] = None,
    doc_id: Annotated[list[str] | None, Query()] = None,
) -> dict[str, object]:
    """Ranked excerpts for a query, each with its document, section, page and offsets."""
    filters = Filters(
        doc_type=tuple(doc_type or ()),
        year_min=year_min,
        year_max=year_max,
        region=tuple(region or ()),
        doc_id=tuple(doc_id or ()),
    )
    excerpts = state.searcher.search(q, k, filters)
    return excerpts_to_json(q, excerpts)
