from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from api.responses import LIMITED, errors
from api.schemas import NOT_BLANK, Organizations
from api.security import RateLimit
from api.state import StateDep
from index.query import read_query

router = APIRouter(prefix="/v1", tags=["organizations"])


@router.get(
    "/organizations",
    response_model=Organizations,
    dependencies=[RateLimit],
    responses=errors(*LIMITED, 409, 501),
)
def organizations(
    state: StateDep,
    q: Annotated[
        str,
        Query(min_length=1, max_length=500, pattern=NOT_BLANK, description="A topic."),
    ],
) -> Organizations:
    """Organizations the corpus names in connection with a topic, with where they are cited."""
    find = getattr(state.answerer, "organizations", None)
    if find is None:
        raise HTTPException(501, "Organization lookup is not available on this server yet.")
    topic = read_query(q, state.settings)
    found: list[dict[str, Any]] = find(topic)
    return Organizations(topic=topic.text, organizations=found)
