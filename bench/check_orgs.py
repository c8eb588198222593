"""Print the organizations `ingest.orgs` recognizes in each corpus file, with counts and kinds.

Usage: python bench/check_orgs.py DIR [--mentions] [--entities EVAL.jsonl]

Read the list by eye: every line should be a real organization of the stated kind.
With --entities, also report which `entities` of the eval questions are recognized.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ingest.orgs import OrgMention, canonical_key, find_organizations  # noqa: E402


def summarize(mentions: list[OrgMention]) -> list[tuple[str, str, int]]:
    """(name, kind, count) per canonical key, most frequent first; the commonest name wins."""
    names: dict[str, Counter[str]] = {}
    kinds: dict[str, Counter[str]] = {}
    for m in mentions:
        key = canonical_key(m.name)
        names.setdefault(key, Counter())[m.name] += 1
        kinds.setdefault(key, Counter())[m.kind] += 1
    rows = [
        (names[k].most_common(1)[0][0], kinds[k].most_common(1)[0][0], names[k].total())
        for k in names
    ]
    return sorted(rows, key=lambda row: (-row[2], row[0]))


def entity_hits(entity: str, mentions: list[tuple[str, str, OrgMention]]) -> list[str]:
    """Recognized names (with file) whose name or surface form contains the entity as words."""
    pattern = re.compile(rf"(?<!\w){re.escape(entity)}(?!\w)", re.IGNORECASE)
    hits = {
        f"{m.name} [{m.kind}] in {file}"
        for file, surface, m in mentions
        if pattern.search(m.name) or pattern.search(surface)
    }
    return sorted(hits)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", type=Path)
    parser.add_argument("--mentions", action="store_true", help="also print every surface form")
    parser.add_argument("--entities", type=Path, help="eval jsonl with `entities` fields")
    args = parser.parse_args(argv)
    everything: list[tuple[str, str, OrgMention]] = []
    for path in sorted(args.dir.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        mentions = find_organizations(text)
        everything.extend((path.name, text[m.start : m.end], m) for m in mentions)
        rows = summarize(mentions)
        by_kind = Counter(kind for _, kind, _ in rows)
        print(
            f"== {path.name}: {len(mentions)} mentions, {len(rows)} organizations {dict(by_kind)}"
        )
        for name, kind, count in rows:
            print(f"  {count:4d}  {kind:<13} {name}")
        if args.mentions:
            for m in mentions:
                surface = " ".join(text[m.start : m.end].split())
                print(f"        {m.start:>7}  {surface!r} -> {m.name}")
    if args.entities:
        for line in args.entities.read_text(encoding="utf-8").splitlines():
            for entity in json.loads(line).get("entities") or []:
                hits = entity_hits(entity, everything)
                print(f"{entity!r}: {'; '.join(hits) if hits else 'NOT RECOGNIZED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
