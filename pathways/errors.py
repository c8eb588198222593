"""Domain errors. Core code raises these; the CLI and the API turn them into messages (the
HTTP status of each is chosen in api.errors, not here).

Each error's message says what is wrong and what to do about it.
"""


class PathwaysError(Exception):
    """Base class for every error a user should see as a message, not a traceback."""


class UnsupportedFileType(PathwaysError):
    """The file's type is not one we can read."""


class UnreadableFile(PathwaysError):
    """The file has a supported type but cannot be read (corrupt, encrypted, empty)."""


class EmptyDocument(UnreadableFile):
    """The file was read but holds no text."""


class FileTooLarge(PathwaysError):
    """The file or request is larger than the limit allows."""


class IndexMissing(PathwaysError):
    """No index has been built yet in the configured home (ingest first, then retry)."""


class DocumentNotFound(PathwaysError):
    """No indexed document has that id."""


class InvalidQuery(PathwaysError):
    """The question or its parameters are outside the limits (empty, too long, k too big)."""


class ModelLoadError(PathwaysError):
    """The embedding model could not be loaded."""


class StoreUnavailable(PathwaysError):
    """The vector store failed or cannot be reached (a fault on our side, not the request's)."""


class IndexBusy(PathwaysError):
    """Another process holds the index's write lock for longer than we may wait."""
