"""Upload, read back, search, download and delete documents through the API, in a temp home."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import ADMIN_KEY, auth, make_pdf, with_settings
from fastapi.testclient import TestClient

from api.app import create_app
from index.embedder import Embedder
from index.store import clean_document_of
from pathways.settings import Settings

ADMIN = auth(ADMIN_KEY)
NOTE = (
    "# Orchard Valley Apprenticeships\n\n"
    "The Orchard Valley consortium placed forty welding apprentices with regional employers "
    "during 2024. Each apprentice earned a paid wage while completing classroom hours at the "
    "community college.\n\n"
    "## Funding\n\n"
    "The program was funded by a county workforce grant and by employer contributions.\n"
)


@pytest.fixture(scope="module")
def write_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("write-home")


@pytest.fixture(scope="module")
def client(write_home: Path, embedder: Embedder) -> Iterator[TestClient]:
    settings = with_settings(
        Settings(home=write_home / "data", corpus_dir=write_home / "corpus"),
        admin_key=ADMIN_KEY,
        max_upload_mb=1,
        rate_limit="1000/minute",
    )
    with TestClient(create_app(settings, embedder=embedder)) as c:
        yield c


def count(client: TestClient) -> int:
    return int(client.get("/v1/documents").json()["total_documents"])


def upload(
    client: TestClient, name: str, data: bytes, **fields: str
) -> tuple[int, dict[str, object]]:
    r = client.post("/v1/documents", files={"file": (name, data)}, data=fields, headers=ADMIN)
    return r.status_code, r.json()


def test_upload_then_search_then_delete(client: TestClient, write_home: Path):
    status, body = upload(
        client, "Orchard Valley Note.md", NOTE.encode(), doc_type="brief", year="2024",
        region="Oregon", source_url="https://example.org/orchard",
    )  # fmt: skip
    assert status == 201, body
    assert body["doc_id"] == "orchard-valley-note" and body["status"] == "added"
    assert body["title"] == "Orchard Valley Apprenticeships" and body["chunks"] >= 1
    saved = write_home / "data" / "uploads" / f"{body['sha256']}.md"
    assert saved.read_bytes() == NOTE.encode()

    hits = client.get("/v1/search", params={"q": "welding apprentices wage"}).json()["results"]
    assert hits[0]["doc_id"] == "orchard-valley-note" and "welding" in hits[0]["text"]
    doc = client.get("/v1/documents/orchard-valley-note").json()
    assert doc["doc_type"] == "brief" and doc["year"] == 2024 and doc["region"] == "Oregon"
    assert doc["text"][hits[0]["start"] : hits[0]["end"]] == hits[0]["text"]

    again_status, again = upload(
        client, "Orchard Valley Note.md", NOTE.encode(), doc_type="brief", year="2024",
        region="Oregon", source_url="https://example.org/orchard",
    )  # fmt: skip
    assert again_status == 200 and again["status"] == "unchanged"

    r = client.delete("/v1/documents/orchard-valley-note", headers=ADMIN)
    assert r.status_code == 200 and r.json() == {"doc_id": "orchard-valley-note", "deleted": True}
    assert client.get("/v1/documents/orchard-valley-note").status_code == 404
    assert not saved.exists()
    assert client.delete("/v1/documents/orchard-valley-note", headers=ADMIN).status_code == 404
    assert count(client) == 0


def test_pdf_upload_keeps_pages_and_serves_the_original(client: TestClient):
    filler = "Students in the region explored many careers through classes and visits. " * 30
    pdf = make_pdf(
        [
            "Page one introduces the Riverbend pathway for health careers. " + filler,
            "Page two reports that Riverbend nursing students completed clinical rotations. "
            + filler,
        ]
    )
    status, body = upload(client, "riverbend.pdf", pdf)
    assert status == 201, body
    assert body["format"] == "pdf" and body["pages"] == 2
    hits = client.get("/v1/search", params={"q": "clinical rotations nursing"}).json()["results"]
    assert hits[0]["doc_id"] == "riverbend" and hits[0]["page"] in (1, 2)
    doc = client.get("/v1/documents/riverbend").json()
    clean = clean_document_of(doc["text"], doc["page_breaks"], [])
    assert clean.page_at(doc["text"].index("clinical rotations")) == 2
    r = client.get("/v1/documents/riverbend/file")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content == pdf and "inline" in r.headers["content-disposition"]
    client.delete("/v1/documents/riverbend", headers=ADMIN)


def test_same_name_needs_replace(client: TestClient):
    assert upload(client, "twice.txt", b"First version about dual enrollment.")[0] == 201
    status, body = upload(client, "twice.txt", b"Second version about work-based learning.")
    assert status == 409 and "replace" in str(body["detail"])
    status, body = upload(
        client, "twice.txt", b"Second version about work-based learning.", replace="true"
    )
    assert status == 201 and body["status"] == "updated"
    doc = client.get("/v1/documents/twice").json()
    assert "work-based learning" in doc["text"]
    client.delete("/v1/documents/twice", headers=ADMIN)


def test_file_name_never_becomes_a_path(client: TestClient, write_home: Path):
    status, body = upload(client, "../../etc/Evil Name.txt", b"Plain text about mentors.")
    assert status == 201, body
    assert body["doc_id"] == "evil-name"
    stored = {p.name for p in (write_home / "data" / "uploads").iterdir()}
    assert stored == {f"{body['sha256']}.txt"}
    assert not (write_home / "etc").exists()
    client.delete("/v1/documents/evil-name", headers=ADMIN)


def test_oversized_upload_is_413(client: TestClient):
    before = count(client)
    status, body = upload(client, "big.txt", b"word " * 300_000)  # 1.5 MB > 1 MB
    assert status == 413 and "PATHWAYS_MAX_UPLOAD_MB" in str(body["detail"])
    assert count(client) == before


def test_oversized_upload_is_413_even_when_streamed(client: TestClient):
    def body() -> Iterator[bytes]:
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        for _ in range(2000):
            yield b"x" * 1024
        yield b"\r\n--b--\r\n"

    r = client.post(
        "/v1/documents",
        content=body(),
        headers={**ADMIN, "Content-Type": "multipart/form-data; boundary=b"},
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100),
        ("report.pdf", b"<html><body>Not found</body></html>"),  # a saved error page
        ("notes.txt", b"MZ\x90\x00" + b"\x00" * 200),  # an executable named .txt
        ("archive.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("noextension", b"Some text"),
    ],
)
def test_wrong_type_is_415(client: TestClient, name: str, data: bytes):
    before = count(client)
    status, body = upload(client, name, data)
    assert status in (415, 422), body
    if name != "archive.docx":
        assert status == 415
    assert count(client) == before


def test_corrupt_pdf_is_422_and_changes_nothing(client: TestClient, write_home: Path):
    assert upload(client, "keep.txt", b"A document that must survive.")[0] == 201
    before = count(client)
    corrupt = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n" + b"\x07garbage" * 50
    status, body = upload(client, "broken.pdf", corrupt)
    assert status == 422 and isinstance(body["detail"], str)
    assert count(client) == before
    assert client.get("/v1/documents/broken").status_code == 404
    uploads = list((write_home / "data" / "uploads").iterdir())
    assert all(not p.name.endswith(".pdf") for p in uploads)
    client.delete("/v1/documents/keep", headers=ADMIN)


@pytest.mark.parametrize(
    "fields",
    [{"year": "soon"}, {"year": "1200"}, {"source_url": "javascript:alert(1)"}, {"colour": "red"}],
)
def test_bad_metadata_is_422(client: TestClient, fields: dict[str, str]):
    status, body = upload(client, "meta.txt", b"Some text about pathways.", **fields)
    assert status == 422 and isinstance(body["detail"], list)


def test_missing_file_is_422(client: TestClient):
    r = client.post("/v1/documents", data={"title": "x"}, headers=ADMIN)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["body", "file"]


def test_empty_file_is_422(client: TestClient):
    assert upload(client, "empty.txt", b"   \n")[0] == 422


def test_unknown_document_is_404(client: TestClient):
    for method, path in [
        ("GET", "/v1/documents/nope"),
        ("GET", "/v1/documents/nope/file"),
        ("DELETE", "/v1/documents/nope"),
    ]:
        r = client.request(method, path, headers=ADMIN)
        assert r.status_code == 404 and "nope" in r.json()["detail"]
