"""Regression guard for cited answers on the dev set (figures from bench/eval_answers.py)."""

from __future__ import annotations

from pathlib import Path

from index.store import Catalog
from pathways.evaluation import is_hit, load_eval_set

EVAL = Path(__file__).resolve().parents[1] / "eval" / "dev.jsonl"
# measured 0.857 gold-cited and 0.720 list entities; a margin of about one question
MIN_GOLD_CITED = 0.82
MIN_LIST_ENTITIES = 0.67


def test_dev_set_answers(answerer, corpus_settings):  # type: ignore[no-untyped-def]
    catalog = Catalog(corpus_settings.catalog_path)
    texts = {
        d.meta.doc_id: catalog.get_document(d.meta.doc_id)[1] for d in catalog.list_documents()
    }  # type: ignore[index]
    files = {d.meta.doc_id: Path(d.source_path).name for d in catalog.list_documents()}
    questions = load_eval_set(EVAL)
    answered = gold = 0
    entity_shares = []
    for q in questions:
        answer = answerer.answer(q.question)
        for c in [*answer.citations, *answer.related]:
            assert texts[c.doc_id][c.start : c.end] == c.quote
        if not q.answerable:
            assert answer.abstained, q.question
            continue
        answered += not answer.abstained
        gold += any(
            files[c.doc_id] == ev.file and is_hit(ev.quote, c.quote)
            for ev in q.evidence
            for c in answer.citations
        )
        if q.kind == "list":
            text = (answer.answer + " ".join(c.quote for c in answer.citations)).lower()
            entity_shares.append(sum(e.lower() in text for e in q.entities) / len(q.entities))
    n = sum(q.answerable for q in questions)
    assert answered / n >= 0.95
    assert gold / n >= MIN_GOLD_CITED, gold / n
    assert sum(entity_shares) / len(entity_shares) >= MIN_LIST_ENTITIES
