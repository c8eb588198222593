"""Organization entries: the organizations the candidate sentences name, each led by a
sentence about the organization itself, and the list /v1/organizations returns."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from answer.compose import cite_row
from answer.evidence import Candidate
from answer.library import Library
from answer.lists import ENTRY_ROWS, OrgEntry, evidence_kind, measures_in, wanted_kinds

SUBJECT_SHARE = 0.35  # an organization named this early in a sentence is its subject
ORG_POOL = 30  # excerpts searched for organization lists


def org_mentions(
    lib: Library, candidates: list[Candidate]
) -> tuple[dict[str, list[int]], set[tuple[str, int]]]:
    """Organization key -> candidate sentence rows that name it; and the (key, row) pairs in
    which the organization is the subject: named within the first SUBJECT_SHARE of the
    sentence ("Porterville has established…", not "…such as Porterville")."""
    spans: dict[str, list[Candidate]] = {}
    for c in candidates:
        spans.setdefault(c.doc_id, []).append(c)
    found: dict[str, list[int]] = {}
    subjects: set[tuple[str, int]] = set()
    for doc_id, org in lib.orgs:
        for cand in spans.get(doc_id, ()):
            if cand.start <= org.start and org.end <= cand.end:
                rows = found.setdefault(org.key, [])
                if cand.row not in rows:
                    rows.append(cand.row)
                if org.start - cand.start <= SUBJECT_SHARE * (cand.end - cand.start):
                    subjects.add((org.key, cand.row))
    return found, subjects


def org_entries(lib: Library, candidates: list[Candidate], question: str = "") -> list[OrgEntry]:
    """Organizations named in the candidate sentences, best first. An entry leads with a
    sentence about the organization itself (its subject) when it has one, not a passing
    mention; the sentences an entry quotes (its first ENTRY_ROWS) are quoted by no other
    entry, and an organization whose own sentences an earlier entry quotes is left out rather
    than led by a passing mention ("…(e.g., Vallejo, Oxnard…)" says nothing of Oxnard's work)."""
    mentions, subjects = org_mentions(lib, [c for c in candidates if c.row in lib.org_row_set])
    scores = {c.row: c.score for c in candidates}
    entries = []
    kinds = wanted_kinds(question)
    for key, rows in mentions.items():
        name, kind = lib.org_names[key]
        ordered = sorted(rows, key=lambda r: ((key, r) not in subjects, -scores[r]))
        entries.append(OrgEntry(key, name, kind, scores[ordered[0]], ordered))
    entries.sort(key=lambda e: -e.score)
    used: set[int] = set()
    kept = []
    for entry in entries:
        fresh = [r for r in entry.rows if r not in used]
        if entry.kind == "state_agency" or not fresh:
            continue
        about_itself = (entry.key, entry.rows[0]) in subjects  # rows: subjects first
        if about_itself and (entry.key, fresh[0]) not in subjects:
            continue  # what it did is quoted by an earlier entry; a passing mention is left
        if entry.kind == "state" and "state" not in kinds:
            continue  # "California" is no answer to "which districts / intermediaries"
        entry.rows = fresh
        used.update(fresh[:ENTRY_ROWS])
        kept.append(entry)
    return kept


def organization_list(lib: Library, entries: list[OrgEntry]) -> list[dict[str, Any]]:
    """Each entry as /v1/organizations and `pathways orgs` show it: what the leading sentence
    says, how we know, the measures named, and up to three citations."""
    out = []
    for entry in entries:
        row = entry.rows[0]
        start, end = lib.sentences.table.spans[row]
        doc_id = lib.sentences.table.doc_ids[row]
        cites = [cite_row(lib, i + 1, r) for i, r in enumerate(entry.rows[:3])]
        out.append(
            {
                "name": entry.name,
                "key": entry.key,
                "kind": entry.kind,
                "score": round(entry.score, 4),
                "what": lib.sentences.text(row),
                "evidence_kind": evidence_kind(lib.sentences.text(row)),
                "measures": measures_in(" ".join(lib.sentences.text(r) for r in entry.rows)),
                "mentions": len(entry.rows),
                "doc_id": doc_id,
                "start": start,
                "end": end,
                "citations": [asdict(c) for c in cites],
            }
        )
    return out
