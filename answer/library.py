"""The corpus as answering reads it, one view per catalog generation: texts and their
structure, the sentence table, the organizations named, and how a span is cited."""

from __future__ import annotations

import re
from pathlib import Path

from answer.evidence import SentenceIndex
from index.query import Query, series_members
from index.retrieval import HybridSearcher
from pathways.text import sentence_ends, words
from pathways.types import Citation, CleanDocument, OrgRow

MIN_LEAD_WORDS = 8  # a glossary line or a bare name is no evidence of what an organization does
REFERENCE_SECTION = re.compile(  # whole words: "Coordination of Resources" is no "Sources"
    r"\b(?:glossary|references|endnotes|notes|bibliography|acknowledg\w*|sources|appendix)\b",
    re.IGNORECASE,
)
MAX_QUOTE_WORDS = 150


class Library:
    """Per-generation view of the corpus for answering: texts, structure, sentences."""

    def __init__(self, searcher: HybridSearcher) -> None:
        snap = searcher.snapshot()
        catalog = searcher.catalog
        self.snapshot = snap
        self.generation = snap.generation
        self.documents = snap.documents
        self.files = {d: Path(doc.source_path).name for d, doc in self.documents.items()}
        self.structure: dict[str, CleanDocument] = {}
        texts = snap.texts  # read once per generation by the searcher's snapshot
        for doc_id, text in texts.items():
            self.structure[doc_id] = catalog.structure(doc_id, text)
        table = catalog.sentences(texts.keys())  # a writer may have committed since snap
        self.headings = [
            self.structure[doc_id].section_at(start)
            for doc_id, (start, _) in zip(table.doc_ids, table.spans, strict=True)
        ]
        headings = [h.rsplit(" > ", 1)[-1] for h in self.headings]
        self.sentences = SentenceIndex(table, texts, headings)
        self.orgs = catalog.orgs(texts.keys())
        self.org_names = org_names(self.orgs)
        holders = (self.sentences.row_containing(d, o.start, o.end) for d, o in self.orgs)
        named = {r for r in holders if r is not None}
        self.org_rows = sorted(
            r
            for r in named
            if len(self.sentences.text(r).split()) >= MIN_LEAD_WORDS
            and not REFERENCE_SECTION.search(headings[r])
        )
        self.org_row_set = set(self.org_rows)

        self.vocabulary = {w for t in texts.values() for w in words(t)}
        self.series = {member for t in texts.values() for member, _ in series_members(t)}

    def unknown_specifics(self, query: Query) -> list[str]:
        """Years and proper names the question mentions that no indexed document mentions, and
        members of a numbered series that none mentions ("a third CCPT cohort" when the
        reports know Cohorts 1 and 2): the reports cannot answer a question about something
        they never name."""
        unknown = [w for w in query.specifics if w.lower() not in self.vocabulary]
        return unknown + [said for member, said in query.series if member not in self.series]

    def row_doc(self, row: int) -> str:
        return self.sentences.table.doc_ids[row]

    def section(self, row: int) -> str:
        return self.headings[row]

    def title(self, row: int) -> str:
        return self.documents[self.row_doc(row)].meta.title

    def citation(self, n: int, doc_id: str, start: int, end: int) -> Citation:
        """A citation of text[start:end], cut at a sentence end (or else a word) to at most
        MAX_QUOTE_WORDS words."""
        doc = self.structure[doc_id]
        end = clip_end(doc.text, start, end, MAX_QUOTE_WORDS)
        meta = self.documents[doc_id].meta
        return Citation(
            n=n, doc_id=doc_id, title=meta.title, section=doc.section_at(start),
            page=doc.page_at(start), start=start, end=end, quote=doc.text[start:end],
            source_url=meta.source_url,
        )  # fmt: skip


def org_names(orgs: list[tuple[str, OrgRow]]) -> dict[str, tuple[str, str]]:
    """Organization key -> (display name, kind), the longest name seen."""
    names: dict[str, tuple[str, str]] = {}
    for _, org in orgs:
        if len(org.name) > len(names.get(org.key, ("", ""))[0]):
            names[org.key] = (org.name, org.kind)
    return names


def clip_end(text: str, start: int, end: int, max_words: int) -> int:
    """``end``, moved back so that text[start:end] has at most max_words words: to the last
    sentence end within them, or else to the end of the last whole word."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) <= max_words:
        return end
    limit = start + words[max_words - 1].end()
    ends = sentence_ends(text[start:limit])
    return start + ends[-1] if ends else limit
