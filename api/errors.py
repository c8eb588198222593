"""The HTTP status (and Retry-After) each domain error is sent with. Chosen here, at the edge:
the errors themselves (pathways.errors and the few defined beside their code) say what went
wrong, not how HTTP reports it. (An error the API never raises, such as the evaluation set's,
has no entry.)"""

from __future__ import annotations

from answer.model import ModelFileError
from ingest.pipeline import DocumentExists
from pathways.errors import (
    DocumentNotFound,
    FileTooLarge,
    IndexBusy,
    IndexMissing,
    InvalidQuery,
    ModelLoadError,
    PathwaysError,
    StoreUnavailable,
    UnreadableFile,
    UnsupportedFileType,
)

DEFAULT_STATUS = 400
STATUS: dict[type[PathwaysError], int] = {
    UnsupportedFileType: 415,
    UnreadableFile: 422,  # and EmptyDocument
    FileTooLarge: 413,
    IndexMissing: 409,  # ingest first, then retry
    DocumentNotFound: 404,
    DocumentExists: 409,
    InvalidQuery: 422,
    ModelLoadError: 500,
    ModelFileError: 503,
    StoreUnavailable: 503,  # a fault on our side, not the request's
    IndexBusy: 503,  # another process holds the write lock
}
RETRY_AFTER: dict[type[PathwaysError], int] = {StoreUnavailable: 5, IndexBusy: 10}  # seconds


def _nearest(table: dict[type[PathwaysError], int], exc: PathwaysError) -> int | None:
    """The entry of the error's own class, else of its nearest base class that has one."""
    return next((table[c] for c in type(exc).__mro__ if c in table), None)


def status_of(exc: PathwaysError) -> int:
    found = _nearest(STATUS, exc)
    return DEFAULT_STATUS if found is None else found


def retry_after(exc: PathwaysError) -> int | None:
    """Seconds after which a fault that passes is worth retrying; None for the others."""
    return _nearest(RETRY_AFTER, exc)
