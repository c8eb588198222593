"""Out-of-fold comparison of sentence rankers and extra sentence features on labelled questions.

What answers cite is decided by the sentence ranker (answer.model's sentence model, fitted by
pathways.fitting.fit_sentences). This asks two questions on the bank, out of fold (5 folds over
questions, 3 random splits): does another learner rank the relevant sentences higher from the
same features, and does any of these extra features help the shipped learner?

- learners: the shipped fit (pairwise start + coordinate ascent), the pairwise logistic start
  alone, pointwise logistic regression, and gradient-boosted trees (scikit-learn's
  HistGradientBoostingClassifier);
- extra features: the best similarity of a neighbouring sentence, the similarity of the
  sentence with its neighbours (and its gap to the question's best), the neighbours' lexical
  share, the position in the document, the best similarity to any one sentence of a
  multi-sentence question (and its gap), and the share of the question's adjacent content-word
  pairs the sentence repeats; with --second-encoder NAME (all-mpnet-base-v2, once assembled by
  scripts/fetch-mpnet.sh), that encoder's similarity of sentence and question, and its gap to
  the question's best: the second opinion on the candidates that issue 11 asked to measure.

A sentence is relevant under pathways.fitting.relevant_rows (citing it cites gold evidence).
Per answerable question with a relevant candidate, the figure is the rank of its best-ranked
relevant sentence: top1, top4 (a short answer's size), top10 and MRR.

Run from the repository root (an ingested home; about 1 minute for the features, then 1 to
3 minutes per learner):
    .venv/bin/python -m bench.sentence_rankers --home H ../shared/eval/bank.jsonl
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from answer.evidence import terms
from answer.features import SENTENCE_FEATURES
from answer.qa import Answerer
from bench import common
from index.retrieval import HybridSearcher
from pathways import fitting
from pathways.evaluation import load_eval_set
from pathways.text import sentence_spans

# measured with the shipped encoder and the text
OWN = ("neighbour_dense", "context_dense", "context_gap", "neighbour_lexical", "position",
       "part_dense", "part_gap", "pairs")  # fmt: skip
SECOND = ("second_dense", "second_gap")  # from --second-encoder
EXTRA = OWN + SECOND
SETS: dict[str, tuple[str, ...]] = {
    "none": (),
    "neighbours": ("neighbour_dense", "neighbour_lexical"),
    "context": ("context_dense", "context_gap"),
    "position": ("position",),
    "question parts": ("part_dense", "part_gap"),
    "word pairs": ("pairs",),
    "all": OWN,
    "second encoder": SECOND,
}
SEEDS = (13, 14, 15)
Scorer = Callable[[np.ndarray], np.ndarray]


@dataclass
class Case:
    sample: fitting.Sample
    extra: np.ndarray  # EXTRA per candidate row


def second_opinion(
    samples: Sequence[fitting.Sample], answerer: Answerer, name: str
) -> list[np.ndarray]:
    """Per sample: (similarity, gap to the best) of each candidate under encoder ``name``."""
    from index.embedder import Embedder

    model = Embedder(name, query_backend="torch")
    lib = answerer.library()
    rows = sorted({r for s in samples for r in s.gathered.rows})
    vectors = model.embed([lib.sentences.text(r) for r in rows])
    at = {r: i for i, r in enumerate(rows)}
    asked = model.embed([s.question.question for s in samples])
    out = []
    for s, q in zip(samples, asked, strict=True):
        sims = vectors[[at[r] for r in s.gathered.rows]] @ q if s.gathered.rows else np.zeros(0)
        best = sims.max() if len(sims) else 0.0
        out.append(np.column_stack([sims, sims - best]).astype(np.float32))
    return out


def extra_features(answerer: Answerer, s: fitting.Sample) -> np.ndarray:
    lib = s.gathered.library or answerer.library()
    table = lib.sentences.table
    vectors, docs, n = table.vectors, table.doc_ids, len(table.doc_ids)
    rows = np.array(s.gathered.rows, dtype=int)
    if not len(rows):
        return np.zeros((0, len(OWN)), np.float32)
    asked = s.gathered.query
    qv = answerer.searcher.query_vector(asked.query)
    own = vectors[rows] @ qv
    sides = []
    for step in (-1, 1):
        other = np.clip(rows + step, 0, n - 1)
        same = np.array([docs[a] == docs[b] for a, b in zip(rows, other, strict=True)])
        sides.append((other, same))
    near = [np.where(same, vectors[o] @ qv, own) for o, same in sides]
    context = vectors[rows] + sum(np.where(same[:, None], vectors[o], 0.0) for o, same in sides)
    context /= np.linalg.norm(context, axis=1, keepdims=True)
    ctx = context @ qv
    near_lex = [
        max((lib.sentences.lexical(asked.terms, int(o[i])) if same[i] else 0.0)
            for o, same in sides)
        for i in range(len(rows))
    ]  # fmt: skip
    position = [
        (r - lib.sentences.by_doc[docs[r]][0]) / len(lib.sentences.by_doc[docs[r]]) for r in rows
    ]
    question = asked.text
    parts = [question[a:b].strip() for a, b in sentence_spans(question)] or [question]
    part_sims = (vectors[rows] @ np.asarray(answerer.embedder.encode_queries(parts)).T).max(1)
    asked_terms = terms(question)
    pairs = set(zip(asked_terms, asked_terms[1:], strict=False))
    repeated = []
    for r in rows:
        said = terms(lib.sentences.text(int(r)))
        repeated.append(len(pairs & set(zip(said, said[1:], strict=False))) / max(1, len(pairs)))
    return np.column_stack(
        [np.maximum(*near), ctx, ctx - ctx.max(), near_lex, position,
         part_sims, part_sims - part_sims.max(), repeated]
    ).astype(np.float32)  # fmt: skip


# --------------------------------------------------------------------------- learners
def shipped(samples: Sequence[fitting.Sample]) -> Scorer:
    return fitting.fit_sentences(samples).logit


def pairwise(samples: Sequence[fitting.Sample]) -> Scorer:
    w = fitting.pairwise_start(samples, 1.0)
    return lambda x: x @ w  # type: ignore[no-any-return]


def stacked(samples: Sequence[fitting.Sample]) -> tuple[np.ndarray, np.ndarray]:
    used = [s for s in samples if s.labels.any()]
    return np.vstack([s.gathered.features for s in used]), np.concatenate([s.labels for s in used])


def pointwise(samples: Sequence[fitting.Sample]) -> Scorer:
    from sklearn.linear_model import LogisticRegression

    x, y = stacked(samples)
    mean, scale = x.mean(0), x.std(0) + 1e-9
    clf = LogisticRegression(max_iter=3000, class_weight="balanced").fit((x - mean) / scale, y)
    return lambda z: clf.decision_function((z - mean) / scale)  # type: ignore[no-any-return]


def trees(samples: Sequence[fitting.Sample]) -> Scorer:
    from sklearn.ensemble import HistGradientBoostingClassifier

    x, y = stacked(samples)
    clf = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40,
        l2_regularization=1.0, random_state=0,
    ).fit(x, y)  # fmt: skip
    return lambda z: clf.predict_proba(z)[:, 1]  # type: ignore[no-any-return]


LEARNERS = {"shipped": shipped, "pairwise": pairwise, "pointwise": pointwise, "trees": trees}


# --------------------------------------------------------------------------- measuring
def with_columns(cases: Sequence[Case], names: tuple[str, ...]) -> list[fitting.Sample]:
    cols = [EXTRA.index(n) for n in names]
    out = []
    for c in cases:
        g = c.sample.gathered
        x = np.hstack([g.features, c.extra[:, cols]]) if len(g.features) else g.features
        out.append(fitting.Sample(c.sample.question, _Features(x), c.sample.labels))  # type: ignore[arg-type]
    return out


@dataclass
class _Features:
    features: np.ndarray


def out_of_fold_ranks(
    samples: Sequence[fitting.Sample], learner: Callable[[Sequence[fitting.Sample]], Scorer]
) -> np.ndarray:
    ranks = []
    for seed in SEEDS:
        for part in fitting.folds_of(len(samples), fitting.FOLDS, seed):
            held = set(part.tolist())
            score = learner([s for i, s in enumerate(samples) if i not in held])
            for i in part:
                s = samples[i]
                if s.question.answerable and s.labels.any():
                    scores = score(s.gathered.features)
                    ranks.append(1 + int((scores > scores[s.labels].max()).sum()))
    return np.array(ranks)


def line(name: str, ranks: np.ndarray) -> str:
    return (
        f"{name:28s} {np.mean(ranks <= 1):6.3f} {np.mean(ranks <= 4):6.3f} "
        f"{np.mean(ranks <= 10):6.3f} {np.mean(1 / ranks):6.3f}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("questions", type=Path)
    p.add_argument("--home", type=Path, required=True, help="an ingested home")
    p.add_argument("--learners", default=",".join(LEARNERS))
    p.add_argument("--sets", default=",".join(k for k in SETS if k != "second encoder"))
    p.add_argument("--second-encoder", help="e.g. all-mpnet-base-v2: adds its set of features")
    args = p.parse_args(argv)
    common.configure()
    settings = common.make_settings(args.home, common.DEFAULT_CORPUS)
    embedder = common.load_embedder(settings)
    answerer = Answerer(settings, HybridSearcher(settings, embedder), embedder)
    samples = fitting.collect(answerer, load_eval_set(args.questions))
    second = (
        second_opinion(samples, answerer, args.second_encoder)
        if args.second_encoder
        else [np.zeros((len(s.gathered.rows), len(SECOND)), np.float32) for s in samples]
    )
    cases = [
        Case(s, np.hstack([extra_features(answerer, s), more]))
        for s, more in zip(samples, second, strict=True)
    ]
    sets = args.sets.split(",") + (["second encoder"] if args.second_encoder else [])
    with_relevant = sum(s.question.answerable and s.labels.any() for s in samples)
    print(f"{len(samples)} questions, {with_relevant} answerable with a relevant candidate; "
          f"out of fold, {fitting.FOLDS} folds x {len(SEEDS)} splits")  # fmt: skip
    print(f"{'learner / extra features':28s} {'top1':>6s} {'top4':>6s} {'top10':>6s} {'MRR':>6s}")
    base = with_columns(cases, ())
    for name in args.learners.split(","):
        print(line(name, out_of_fold_ranks(base, LEARNERS[name])), flush=True)
    original = fitting.SENTENCE_FEATURES
    for set_name in sets:
        if set_name == "none":
            continue
        fitting.SENTENCE_FEATURES = SENTENCE_FEATURES + SETS[set_name]  # fit_sentences' names
        try:
            ranks = out_of_fold_ranks(with_columns(cases, SETS[set_name]), shipped)
        finally:
            fitting.SENTENCE_FEATURES = original
        print(line(f"shipped + {set_name}", ranks), flush=True)


if __name__ == "__main__":
    main()
