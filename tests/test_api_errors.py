"""The HTTP status of each domain error is chosen in api.errors, by the error's class."""

from __future__ import annotations

from api.errors import retry_after, status_of
from ingest.pipeline import DocumentExists
from pathways.errors import (
    EmptyDocument,
    IndexBusy,
    IndexMissing,
    InvalidQuery,
    PathwaysError,
    StoreUnavailable,
    UnsupportedFileType,
)


def test_each_error_gets_its_status_and_a_subclass_its_base_class_status():
    assert status_of(InvalidQuery("too long")) == 422
    assert status_of(IndexMissing("ingest first")) == 409
    assert status_of(DocumentExists("exists")) == 409
    assert status_of(UnsupportedFileType("exe")) == 415
    assert status_of(EmptyDocument("no text")) == 422  # an UnreadableFile
    assert status_of(PathwaysError("anything else")) == 400


def test_only_faults_that_pass_carry_a_retry_after():
    assert (status_of(StoreUnavailable("down")), retry_after(StoreUnavailable("down"))) == (503, 5)
    assert (status_of(IndexBusy("locked")), retry_after(IndexBusy("locked"))) == (503, 10)
    assert retry_after(InvalidQuery("empty")) is None
