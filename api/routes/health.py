from fastapi import APIRouter

from api.schemas import Health, Readiness
from api.state import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness)
def readyz(state: StateDep) -> Readiness:
    """Readiness: the index is loaded, with its document and chunk counts."""
    docs, chunks = state.searcher.catalog.counts()
    return Readiness(
        status="ready" if docs else "empty",
        documents=docs,
        chunks=chunks,
        collection=state.searcher.vectors.name,
    )
