"""Question answering with verified citations, fully offline by default.

retrieve excerpts -> score their sentences -> pick relevant, different ones -> compose an
answer in which every sentence is a verbatim quote with its [n] citation. When no sentence
clears the calibrated threshold the answer abstains and shows related excerpts instead.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from answer.evidence import Candidate, SentenceIndex, select, span_ranks
from answer.features import (
    DENSE,
    FIGURE_MATCH,
    GAP_EXCERPTS,
    Analysis,
    analyse,
    question_vector,
    sentence_matrix,
)
from answer.lists import OrgEntry, evidence_kind, measures_in, wanted_kinds
from answer.llm import synthesize
from answer.model import AnswerModel, Logistic, load_model
from index.embedder import Embedder
from index.query import Query, as_query
from index.retrieval import HybridSearcher
from index.search import Excerpt, Filters
from pathways.settings import Settings
from pathways.text import ORDINALS
from pathways.types import Answer, Citation, CleanDocument, OrgRow
from prompts import render

logger = logging.getLogger(__name__)

SENTENCES = {"plain": 4, "list": 10, "orgs": 8}
MIN_LEAD_WORDS = 8  # a glossary line or a bare name is no evidence of what an organization does
REFERENCE_SECTION = re.compile(  # whole words: "Coordination of Resources" is no "Sources"
    r"\b(?:glossary|references|endnotes|notes|bibliography|acknowledg\w*|sources|appendix)\b",
    re.IGNORECASE,
)
PER_DOC = 4  # sentences one report may contribute to a short answer
WINDOW_CHARS = 420  # a short sentence is quoted with the next one of its paragraph
MAX_QUOTE_WORDS = 150
SUBJECT_SHARE = 0.35  # an organization named this early in a sentence is its subject
RELATED = 3  # excerpts shown beside an abstention
_SPECIFIC = re.compile(
    r"\b(?:19|20)\d\d\b|(?<![.?!]\s)(?<!^)\b[A-Z][A-Za-z]+\b"
)  # the organization is of a kind the question asks about
ORG_POOL = 30  # excerpts searched for organization lists


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

        self.vocabulary = {w for t in texts.values() for w in re.findall(r"\w+", t.lower())}
        self.series = {member for t in texts.values() for member, _ in series_members(t)}

    def unknown_specifics(self, question: str) -> list[str]:
        """Years and proper names in the question that no indexed document mentions, and
        members of a numbered series that none mentions ("a third CCPT cohort" when the
        reports know Cohorts 1 and 2): the reports cannot answer a question about something
        they never name."""
        found = [m.group(0) for m in _SPECIFIC.finditer(question.strip())]
        unknown = [w for w in found if w.lower() not in self.vocabulary]
        return unknown + [
            said for member, said in series_members(question) if member not in self.series
        ]

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


_SERIES = r"(cohort|round|phase|wave|tier|goal)s?"
_SERIES_MEMBER = re.compile(
    rf"\b(?:{_SERIES}\s+(\d{{1,2}})\b|({'|'.join(ORDINALS)})\s+(?:[A-Z]{{2,}}\s+)?{_SERIES}\b)",
    re.IGNORECASE,
)


def series_members(text: str) -> list[tuple[tuple[str, int], str]]:
    """((series, number), as written) for each member of a numbered series the text names:
    "Cohort 2" and "the second CCPT cohort" are both ("cohort", 2)."""
    out = []
    for m in _SERIES_MEMBER.finditer(text):
        if m.group(1):
            out.append(((m.group(1).lower(), int(m.group(2))), m.group(0)))
        else:
            out.append(((m.group(4).lower(), ORDINALS.index(m.group(3).lower()) + 1), m.group(0)))
    return out


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


def org_names(orgs: list[tuple[str, OrgRow]]) -> dict[str, tuple[str, str]]:
    """Organization key -> (display name, kind), the longest name seen."""
    names: dict[str, tuple[str, str]] = {}
    for _, org in orgs:
        if len(org.name) > len(names.get(org.key, ("", ""))[0]):
            names[org.key] = (org.name, org.kind)
    return names


def rendered(
    question: str,
    confidence: float,
    citations: list[Citation],
    *,
    style: str,
    sentences: list[dict[str, Any]] | None = None,
    entries: list[dict[str, Any]] | None = None,
    related: list[Citation] | None = None,
) -> Answer:
    """An Answer with its Markdown and plain-text renderings from the templates in prompts/."""
    context = {
        "abstained": related is not None,
        "style": style,
        "sentences": sentences or [],
        "entries": entries or [],
        "related": related or [],
        "citations": citations or related or [],
    }
    return Answer(
        question=question,
        answer=render("answer.md.j2", **context),
        abstained=related is not None,
        confidence=confidence,
        citations=citations,
        related=related or [],
        text=render("answer.txt.j2", **context),
    )


def clip_end(text: str, start: int, end: int, max_words: int) -> int:
    """``end``, moved back so that text[start:end] has at most max_words words: to the last
    sentence end within them, or else to the end of the last whole word."""
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) <= max_words:
        return end
    limit = start + words[max_words - 1].end()
    ends = [m.end() for m in re.finditer(r"[.!?][\"”’)\]]*(?=\s)", text[start:limit])]
    return start + ends[-1] if ends else limit


def merge_spans(spans: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Overlapping spans of one document become one (keeping the first one's place)."""
    out: list[tuple[str, int, int]] = []
    for doc_id, start, end in spans:
        for i, (d, s, e) in enumerate(out):
            if d == doc_id and start < e and s < end:
                out[i] = (d, min(s, start), max(e, end))
                break
        else:
            out.append((doc_id, start, end))
    return out


def display(quote: str) -> str:
    """A quote as shown inside an answer: white space folded, a leading bullet mark or footnote
    number dropped."""
    folded = " ".join(quote.split()).lstrip("•·*- ").strip()
    return re.sub(r"^\[\d{1,3}\]\s+", "", folded)  # a footnote's own number is no citation


@dataclass(frozen=True)
class Gathered:
    """A question's evidence before any fitted decision (see Answerer.gather)."""

    query: Analysis
    excerpts: list[Excerpt]
    rows: list[int]  # candidate sentence rows
    ranks: list[int | None]  # rank of the excerpt holding each; None: taken from the corpus
    features: np.ndarray  # SENTENCE_FEATURES per row
    texts: list[str]  # text, section and title of the top excerpts
    unknown: int  # years and names of the question no document mentions
    figure_found: bool  # a sentence of a top excerpt states the kind of figure asked for
    defining: frozenset[int] = frozenset()  # rows where a report defines the term asked about
    library: Library | None = None  # the generation the rows index (a writer may commit later)

    @property
    def inside(self) -> np.ndarray:
        """Which candidates lie in the retrieved excerpts (not taken from the whole corpus)."""
        return np.array([r is not None for r in self.ranks], dtype=bool)


def support_vector(lib: Library, g: Gathered, sentence: Logistic) -> np.ndarray:
    """QUESTION_FEATURES of a gathered question, with its candidates scored by ``sentence``."""
    scores = sentence.logit(g.features) if g.rows else np.zeros(0)
    inside = g.inside
    return question_vector(
        lib.sentences,
        g.query,
        probs=scores[inside],
        features=g.features[inside],
        excerpt_text=g.texts,
        unknown=g.unknown,
    )


def top_similarity(g: Gathered) -> float:
    """The best dense similarity of a sentence in the retrieved excerpts."""
    inside = g.inside
    return float(g.features[inside, DENSE].max()) if inside.any() else 0.0


def off_topic(g: Gathered, model: AnswerModel) -> bool:
    """No sentence of the retrieved excerpts is as close to the question as the closest one
    was for every answerable question the model was fitted on: the question is about
    something else ("is it gonna rain", "help with my chem homework")."""
    return top_similarity(g) < model.topic_floor


def lacks_figure(g: Gathered) -> bool:
    """The question asks for a figure (how many, how much, what share) and no sentence of the
    top GAP_EXCERPTS excerpts states one: the reports discuss the subject, not the number.
    Requiring the figure to be about what the question names as well refused more unanswerable
    questions but 6 of 165 answerable ones (docs/answers.md)."""
    return g.query.quantity is not None and not g.figure_found


class Answerer:
    def __init__(self, settings: Settings, searcher: HybridSearcher, embedder: Embedder) -> None:
        self.settings = settings
        self.searcher = searcher
        self.embedder = embedder
        self._lock = threading.Lock()
        self._library: Library | None = None
        self._model: AnswerModel | None = None

    def library(self) -> Library:
        """The library of the catalog's current generation, built again after a writer commits
        (and again if one committed while it was being built)."""
        with self._lock:
            library = self._library
            for _ in range(5):
                generation = self.searcher.catalog.generation()
                if library is not None and library.generation == generation:
                    break
                library = self._library = Library(self.searcher)
            assert library is not None
            return library

    # --- public -------------------------------------------------------------------------
    def answer(
        self, question: str | Query, k: int | None = None, filters: Filters | None = None
    ) -> Answer:
        """The answer to a question (checked at the edge: index.query.read_query)."""
        answer = self.decide(self.gather(question, k, filters), self.model())
        if self.settings.llm_url and not answer.abstained:
            return synthesize(self.settings, answer)
        return answer

    def model(self) -> AnswerModel:
        if self._model is None:
            self._model = load_model(self.settings.home, self.settings.embedding_model)
        return self._model

    def gather(
        self,
        question: str | Query,
        k: int | None = None,
        filters: Filters | None = None,
        *,
        orgs: bool = False,
    ) -> Gathered:
        """Everything the fitted models read about a question, computed once: its analysis,
        the retrieved excerpts and the features of every sentence in them (and, for an
        organization list, of every sentence naming an organization)."""
        lib = self.library()
        self.searcher.require_index(lib.snapshot)
        asked = self.searcher.encode(as_query(question))  # one vector for search and sentences
        query = analyse(asked, lib.sentences)
        orgs = orgs or query.style == "orgs"
        pool = ORG_POOL if orgs else (k or self.settings.answer_k)
        excerpts = self.searcher.search(asked, pool, filters, lib.snapshot)
        vector = self.searcher.query_vector(asked)
        spans = [(e.doc_id, e.start, e.end) for e in excerpts]
        ranks: dict[int, int | None] = dict(span_ranks(lib.sentences, spans))
        if orgs:
            allowed = {d for d, doc in lib.documents.items() if (filters or Filters()).admits(doc)}
            for row in lib.org_rows:
                if lib.row_doc(row) in allowed:
                    ranks.setdefault(row, None)
        rows = [r for r in ranks if not lib.sentences.no_evidence(r)]
        row_ranks = [ranks[r] for r in rows]
        dense = lib.sentences.table.vectors[rows] @ vector if rows else np.zeros(0)
        features = sentence_matrix(
            lib.sentences,
            query,
            rows,
            ranks=row_ranks,
            dense=dense,
            headings=[lib.section(r) for r in rows],
            titles=[lib.title(r) for r in rows],
        )
        texts = [t for e in excerpts[:GAP_EXCERPTS] for t in (e.text, e.section, e.title)]
        found = query.quantity is not None and any(
            rank is not None and rank <= GAP_EXCERPTS and features[i, FIGURE_MATCH] > 0
            for i, rank in enumerate(row_ranks)
        )  # fmt: skip
        places = self.searcher.definitions.defining(asked.asked)
        bounds = lib.sentences.table.spans
        defining = frozenset(
            r for r in rows for d, at in places
            if lib.row_doc(r) == d and bounds[r][0] <= at < bounds[r][1]
        )  # fmt: skip
        return Gathered(
            query, excerpts, rows, row_ranks, features, texts,
            len(lib.unknown_specifics(asked.text)), found, defining, lib,
        )  # fmt: skip

    def scored(
        self, lib: Library, g: Gathered, model: AnswerModel
    ) -> tuple[float, list[Candidate]]:
        """The support probability of the question and its candidates, best first."""
        probs = model.sentence.logit(g.features) if g.rows else np.zeros(0)
        qx = support_vector(lib, g, model.sentence)
        confidence = float(model.support.prob(qx[None, :])[0])
        candidates = sorted(
            (
                Candidate(row, lib.row_doc(row), *lib.sentences.table.spans[row],
                          float(g.features[i, 0]), float(g.features[i, 2]), g.ranks[i] or 0,
                          float(probs[i]))
                for i, row in enumerate(g.rows)
            ),
            key=lambda c: -c.score,
        )  # fmt: skip
        return confidence, candidates

    def decide(self, g: Gathered, model: AnswerModel) -> Answer:
        """Score the gathered sentences, abstain or answer, and compose."""
        lib = g.library or self.library()  # the rows index the library they were gathered from
        confidence, candidates = self.scored(lib, g, model)
        if off_topic(g, model):  # farther from every report than any answerable question
            return rendered(g.query.text, confidence, [], style="plain", related=[])
        if confidence < model.threshold or not candidates or lacks_figure(g):
            return self.abstain(lib, g, confidence, candidates)
        style = g.query.style
        if style == "orgs":
            entries = self.org_entries(lib, candidates, g.query.text)
            if len(entries) >= 2:
                return self.compose_orgs(lib, g.query.text, entries, confidence)
            style = "list"
        ranked = [c for c in candidates if c.chunk_rank]
        if not ranked:
            return self.abstain(lib, g, confidence, candidates)
        floor = ranked[0].score - model.select_margin
        # a question asking what a term means is answered first by the report's own definition
        lead = [c for c in ranked if c.row in g.defining][:1]
        rest = [c for c in ranked if c.row not in g.defining]
        per_doc = SENTENCES[style] if style == "list" else PER_DOC
        vectors = lib.sentences.table.vectors
        picked = lead + select(
            rest, vectors, SENTENCES[style] - len(lead), floor=floor, per_doc=per_doc
        )
        if style == "plain":  # the strongest evidence first, the rest in reading order
            picked = picked[:1] + sorted(picked[1:], key=lambda c: (c.doc_id, c.start))
        return self.compose(lib, g.query.text, style, picked, confidence)

    def organizations(
        self, topic: str | Query, limit: int = 12, filters: Filters | None = None
    ) -> list[dict[str, Any]]:
        """Organizations relevant to a topic, each with its best evidence and citations."""
        g = self.gather(topic, filters=filters, orgs=True)
        lib = g.library or self.library()
        _, candidates = self.scored(lib, g, self.model())
        entries = self.org_entries(lib, candidates, g.query.text)[:limit]
        out = []
        for entry in entries:
            row = entry.rows[0]
            start, end = lib.sentences.table.spans[row]
            doc_id = lib.sentences.table.doc_ids[row]
            cites = [self.cite_row(lib, i + 1, r) for i, r in enumerate(entry.rows[:3])]
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

    # --- evidence -----------------------------------------------------------------------
    def cite_row(self, lib: Library, n: int, row: int) -> Citation:
        start, end = lib.sentences.table.spans[row]
        return lib.citation(n, lib.sentences.table.doc_ids[row], start, end)

    def org_entries(
        self, lib: Library, candidates: list[Candidate], question: str = ""
    ) -> list[OrgEntry]:
        """Organizations named in the candidate sentences, best first. An entry leads with a
        sentence about the organization itself (its subject) when it has one, not a passing
        mention; a sentence leads at most one entry."""
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
            if entry.kind == "state" and "state" not in kinds:
                continue  # "California" is no answer to "which districts / intermediaries"
            entry.rows = fresh
            used.add(fresh[0])
            kept.append(entry)
        return kept

    # --- composing ----------------------------------------------------------------------
    def compose(
        self, lib: Library, question: str, style: str, picked: list[Candidate], confidence: float
    ) -> Answer:
        items = style == "list"
        spans = merge_spans(
            [lib.sentences.extend(c.row, WINDOW_CHARS, items=items) for c in picked]
        )
        citations = [lib.citation(i + 1, d, s, e) for i, (d, s, e) in enumerate(spans)]
        sentences = [{"n": c.n, "text": display(c.quote)} for c in citations]
        return rendered(question, confidence, citations, style=style, sentences=sentences)

    def compose_orgs(
        self, lib: Library, question: str, entries: list[OrgEntry], confidence: float
    ) -> Answer:
        citations: list[Citation] = []
        shown = []
        for entry in entries[: SENTENCES["orgs"]]:
            rows = entry.rows[:2]
            first = len(citations) + 1
            citations.extend(self.cite_row(lib, first + i, r) for i, r in enumerate(rows))
            sentence = display(lib.sentences.text(rows[0]))
            joined = " ".join(lib.sentences.text(r) for r in rows)
            shown.append(
                {
                    "name": entry.name, "kind_label": entry.kind_label, "sentence": sentence,
                    "n": first, "evidence_kind": evidence_kind(joined),
                    "measures": measures_in(joined),
                    "more": list(range(first + 1, first + len(rows))),
                }
            )  # fmt: skip
        return rendered(question, confidence, citations, style="orgs", entries=shown)

    def abstain(
        self, lib: Library, g: Gathered, confidence: float, candidates: list[Candidate]
    ) -> Answer:
        """No answer; the best sentence of each of the top excerpts as related reading."""
        related: list[Citation] = []
        seen: set[int] = set()
        for c in candidates:
            if c.chunk_rank and c.chunk_rank not in seen and len(related) < RELATED:
                seen.add(c.chunk_rank)
                d, start, end = lib.sentences.extend(c.row, WINDOW_CHARS)
                related.append(lib.citation(len(related) + 1, d, start, end))
        return rendered(g.query.text, confidence, [], style="plain", related=related)
