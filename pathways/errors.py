"""Domain errors. Core code raises these; the CLI and the API turn them into messages.

Each error's message says what is wrong and what to do about it.
"""


class PathwaysError(Exception):
    """Base class for every error a user should see as a message, not a traceback."""

    status_code = 400
    retry_after: int | None = None  # seconds; set on faults that pass (the API sends Retry-After)


class UnsupportedFileType(PathwaysError):
    """The file's type is not one we can read."""

    status_code = 415


class UnreadableFile(PathwaysError):
    """The file has a supported type but cannot be read (corrupt, encrypted, empty)."""

    status_code = 422


class EmptyDocument(UnreadableFile):
    """The file was read but holds no text."""


class FileTooLarge(PathwaysError):
    status_code = 413


class IndexMissing(PathwaysError):
    """No index has been built yet in the configured home (409: ingest first, then retry)."""

    status_code = 409


class DocumentNotFound(PathwaysError):
    status_code = 404


class InvalidQuery(PathwaysError):
    status_code = 422


class ModelLoadError(PathwaysError):
    """The embedding model could not be loaded."""

    status_code = 500


class StoreUnavailable(PathwaysError):
    """The vector store failed or cannot be reached (a fault on our side, not the request's)."""

    status_code = 503
    retry_after = 5


class IndexBusy(PathwaysError):
    """Another process holds the index's write lock for longer than we may wait."""

    status_code = 503
    retry_after = 10
