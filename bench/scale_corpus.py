"""Larger corpora from the real one, and an embedding cache, for ``bench.bench_scale``.

The corpus's cleaned text is cut into sections: each stretch of body text between two headings,
with the title of its innermost heading (the document's title before the first heading). A
generated corpus holds every section ``copies`` times, shuffled with a fixed seed and dealt into
Markdown documents of 4 to 30 sections, each under its ``# heading``, with varied file names,
titles, years, types and regions in a ``catalog.csv``. The chunker never crosses a heading and
prefixes a chunk with its heading when embedding it, so a section chunks and embeds the same in
every document it lands in: the text repeats, the documents, names and orders do not.

``CachedEmbedder`` is the real model behind a cache keyed by a hash of the text (and the model's
name), kept in a folder between runs: the first run encodes every distinct text, later ones and
the larger corpora (whose texts repeat) read them back. It counts the seconds spent in the model
so the bench can say which part of ingest time excludes encoding.

Last, the bench's small measurements: a home's size on disk, a process tree's RSS, the
questions.
"""

from __future__ import annotations

import csv
import hashlib
import logging
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from ingest.chunk import section_blocks
from ingest.clean import clean_document
from ingest.loaders import load_bytes
from ingest.pipeline import collect_sources
from pathways.evaluation import load_eval_set

logger = logging.getLogger(__name__)

REGIONS = (
    "California", "Tennessee", "Texas", "Ohio", "Colorado", "Delaware", "Oregon", "Michigan",
    "Georgia", "Massachusetts", "Washington", "Kentucky", "Arizona", "Iowa", "Maryland",
)  # fmt: skip
KINDS = ("state-plan", "ccpt-report", "practice-brief", "memo", "evaluation", "toolkit")
SECTIONS_PER_DOC = (4, 30)
INGESTED = "ingest.json"  # in a home: the figures of the ingest that finished there


@dataclass(frozen=True)
class Section:
    heading: str
    body: str


def source_sections(corpus: Path) -> list[Section]:
    """The corpus's body text between headings, in order, each under its innermost heading."""
    sections: list[Section] = []
    sources, _, _ = collect_sources([corpus])
    for source in sources:
        loaded = load_bytes(source.path.read_bytes(), source.path.name)
        doc = clean_document(loaded.pages)
        title = (source.row or {}).get("title") or loaded.title or source.path.stem
        for start, end in section_blocks(doc):
            body = doc.text[start:end].strip()
            if body:
                heading = doc.section_at(start).split(" > ")[-1] or title
                sections.append(Section(" ".join(heading.split()), body))
    return sections


def write_corpus(sections: Sequence[Section], copies: int, folder: Path, seed: int = 13) -> int:
    """Write ``copies`` shuffled copies of ``sections`` as Markdown documents and a catalog.csv
    into ``folder`` (which must not exist). Returns the number of documents."""
    rng = random.Random(seed)
    topics = sorted({s.heading for s in sections if 3 <= len(s.heading.split()) <= 8})
    folder.mkdir(parents=True)
    rows: list[dict[str, str]] = []
    for copy in range(copies):
        order = list(sections)
        rng.shuffle(order)
        while order:
            size = rng.randint(*SECTIONS_PER_DOC)
            part, order = order[:size], order[size:]
            rows.append(write_document(folder, len(rows), part, rng=rng, topics=topics, copy=copy))
    with (folder / "catalog.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


def write_document(
    folder: Path,
    n: int,
    part: Sequence[Section],
    *,
    rng: random.Random,
    topics: list[str],
    copy: int,
) -> dict[str, str]:
    """One document of sections, and its catalog row."""
    region, kind, topic = rng.choice(REGIONS), rng.choice(KINDS), rng.choice(topics)
    year = str(rng.randint(2012, 2026))
    slug = re.sub(r"[^a-z0-9]+", "-", topic.lower()).strip("-")[:40]
    name = f"{region.lower()}-{kind}-{slug}-{year}-{n:05d}.md"
    text = "\n\n".join(f"# {s.heading}\n\n{s.body}" for s in part)
    (folder / name).write_text(text + "\n", encoding="utf-8")
    return {
        "file": name,
        "title": f"{topic}: {region} {kind.replace('-', ' ')} {year} (no. {n})",
        "publisher": f"{region} Department of Education",
        "authors": "",
        "year": year,
        "doc_type": kind,
        "region": region,
        "source_url": f"https://example.org/{copy}/{name}",
    }


class CachedEmbedder(Embedder):
    """The real model behind an on-disk cache keyed by text; counts the time in the model."""

    def use_cache(self, folder: Path) -> None:
        """Read and write the cache in ``folder``; call once, before embedding."""
        model = hashlib.sha256(self.model_name.encode()).hexdigest()[:12]
        self.path = folder / f"embeddings-{model}.npz"
        self.vectors: dict[str, np.ndarray] = load_cache(self.path)
        self.new = 0
        self.hits = 0
        self.encoded = 0
        self.encode_seconds = 0.0
        self.encode_cpu = 0.0  # CPU seconds of this process in the model (all its threads)

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self.vectors})
        if missing:
            by_key = dict(zip(keys, texts, strict=True))
            started, cpu = time.perf_counter(), time.process_time()
            fresh = super().embed([by_key[k] for k in missing])
            self.encode_seconds += time.perf_counter() - started
            self.encode_cpu += time.process_time() - cpu
            self.encoded += len(missing)
            self.new += len(missing)
            self.vectors.update(zip(missing, fresh, strict=True))
        self.hits += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self.vectors[k] for k in keys])

    def reset_counts(self) -> None:
        self.hits = self.encoded = 0
        self.encode_seconds = self.encode_cpu = 0.0

    def save(self) -> None:
        """Write the cache if this process added to it (atomically)."""
        if not self.new:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.vectors)
        tmp = self.path.with_name(f".{self.path.stem}.tmp.npz")
        np.savez(tmp, keys=np.array(keys), vectors=np.stack([self.vectors[k] for k in keys]))
        tmp.replace(self.path)
        self.new = 0


def load_cache(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path) as saved:
            return dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, KeyError) as e:
        logger.warning("embedding cache %s unreadable (%s); starting empty", path, e)
        return {}


def disk_mb(home: Path) -> dict[str, float]:
    """Megabytes on disk of each part of the home, and the total."""
    out: dict[str, float] = {}
    for part in sorted(home.iterdir()):
        if part.name == INGESTED:
            continue
        files = [part] if part.is_file() else [p for p in part.rglob("*") if p.is_file()]
        out[part.name] = sum(p.stat().st_blocks * 512 for p in files) / 1e6
    out["total"] = sum(out.values())
    return out


def tree_rss_mb(pid: int) -> list[float]:
    """VmRSS in MB of a process and each of its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line[:6] == "VmRSS:")
            out.append(kb / 1024)
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, StopIteration):
            continue
    return out


def load_questions(paths: Sequence[Path]) -> list[str]:
    """Distinct question strings of the eval files, in order."""
    seen: dict[str, None] = {}
    for path in paths:
        for item in load_eval_set(path):
            seen.setdefault(" ".join(item.question.split()), None)
    return list(seen)
