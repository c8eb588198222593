from fastapi import APIRouter

from api.responses import errors
from api.schemas import Health, Readiness
from api.security import Reader
from api.state import StateDep

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """Liveness: the process answers. Always open, even when read keys are set."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, dependencies=[Reader], responses=errors(401))
def readyz(state: StateDep) -> Readiness:
    """Readiness: the index is loaded, with its document and chunk counts."""
    docs, chunks = state.searcher.catalog.counts()
    return Readiness(
        status="ready" if docs else "empty",
        documents=docs,
        chunks=chunks,
        collection=state.searcher.vectors.name,
    )
