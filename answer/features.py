"""What the fitted models see: features of each candidate sentence for a question, and of the
question's evidence as a whole. Pure functions of the question, the retrieved excerpts and the
sentence table; `answer.model` turns them into scores, `pathways.fitting` fits them.

Every feature is a measurement, not a verdict: the model decides how much each one counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from answer.evidence import SentenceIndex, question_terms, terms
from answer.lists import answer_style, asks_quantity, states_quantity
from index.query import Query

SENTENCE_FEATURES: tuple[str, ...] = (
    "dense",  # cosine of sentence and question vectors
    "dense_gap",  # dense minus the best dense among the question's candidates
    "lexical",  # IDF-weighted share of question words in the sentence or its heading
    "lexical_gap",
    "heading",  # IDF-weighted share of question words in the section path
    "title",  # ... in the document title
    "inv_rank",  # 1 / rank of the excerpt holding the sentence (0: taken from the corpus)
    "posed",  # a question standing on its own line (agenda, request)
    "log_words",
    "names_share",  # share of the question's rare names in the sentence
    "other_names",  # the sentence names something the question does not
    "figure_match",  # a quantity question, and the sentence states that kind of figure
    "figure_miss",  # a quantity question, and the sentence states none
    "item",  # a bulleted or numbered item
    "lead_in",  # ends with ":" (announces what follows)
)
QUESTION_FEATURES: tuple[str, ...] = (
    "top_prob",  # the best sentence probability
    "top3_prob",  # mean of the three best
    "top_dense",
    "top_lexical",
    "gap",  # IDF-weighted share of question words found in none of the top excerpts
    "unknown",  # years and names of the question that no document mentions
    "unseen_share",  # share of the question's content words the corpus never uses
    "no_figure",  # a quantity question and no candidate states such a figure
    "log_terms",
    "list_style",
)

DENSE = SENTENCE_FEATURES.index("dense")
LEXICAL = SENTENCE_FEATURES.index("lexical")
FIGURE_MATCH = SENTENCE_FEATURES.index("figure_match")
_ITEM = re.compile(r"\s*(?:[•·▪◦*-]|\d{1,2}[.)])\s+\S")
GAP_EXCERPTS = 5


@dataclass(frozen=True)
class Analysis:
    """A question analysed once: what retrieval reads (``query``) and what the features
    read besides."""

    query: Query
    terms: tuple[str, ...]  # content-word stems, set-aside phrases excluded
    names: frozenset[str]  # its rare names and acronyms, lower-cased
    quantity: str | None  # "share" | "money" | "count" | None
    style: str  # "plain" | "list" | "orgs"
    asked_words: frozenset[str]  # its words, lower-cased

    @property
    def text(self) -> str:
        return self.query.text


def analyse(query: Query, sentences: SentenceIndex) -> Analysis:
    question = query.text
    return Analysis(
        query=query,
        terms=tuple(question_terms(question)),
        names=frozenset(sentences.rare_names(question)),
        quantity=asks_quantity(question),
        style=answer_style(question),
        asked_words=frozenset(w.lower() for w in re.findall(r"[\w’'-]+", question)),
    )


def share(sentences: SentenceIndex, wanted: Sequence[str], have: set[str]) -> float:
    """IDF-weighted share of the wanted stems that are in ``have``."""
    unique = set(wanted)
    total = sum(sentences.weight(t) for t in unique)
    return sum(sentences.weight(t) for t in unique if t in have) / total if total else 0.0


def sentence_matrix(
    sentences: SentenceIndex,
    query: Analysis,
    rows: Sequence[int],
    *,
    ranks: Sequence[int | None],
    dense: np.ndarray,
    headings: Sequence[str],
    titles: Sequence[str],
) -> np.ndarray:
    """One row of SENTENCE_FEATURES per candidate sentence. headings[i] and titles[i] are the
    section path and document title of rows[i]."""
    out = np.zeros((len(rows), len(SENTENCE_FEATURES)), dtype=np.float32)
    if not len(rows):
        return out
    lex = np.array([sentences.lexical(query.terms, r) for r in rows], dtype=np.float32)
    head_cache: dict[str, float] = {}
    title_cache: dict[str, float] = {}
    for i, row in enumerate(rows):
        text = sentences.text(row)
        heading, title = headings[i], titles[i]
        if heading not in head_cache:
            head_cache[heading] = share(sentences, query.terms, set(terms(heading)))
        if title not in title_cache:
            title_cache[title] = share(sentences, query.terms, set(terms(title)))
        lowered = text.lower()
        names = sentences.names(row)
        figure = query.quantity is not None and states_quantity(text, query.quantity, query.text)
        rank = ranks[i]
        out[i] = (
            dense[i],
            dense[i] - dense.max(),
            lex[i],
            lex[i] - lex.max(),
            head_cache[heading],
            title_cache[title],
            1.0 / rank if rank else 0.0,
            float(sentences.posed_question(row)),
            math.log1p(len(text.split())),
            sum(n in lowered for n in query.names) / len(query.names) if query.names else 0.0,
            float(bool(names - query.asked_words)),
            float(figure),
            float(bool(query.quantity) and not figure),
            float(bool(_ITEM.match(text))),
            float(text.rstrip().endswith(":")),
        )
    return out


def question_vector(
    sentences: SentenceIndex,
    query: Analysis,
    *,
    probs: np.ndarray,
    features: np.ndarray,
    excerpt_text: Sequence[str],
    unknown: int,
) -> np.ndarray:
    """QUESTION_FEATURES for a question whose candidates have the given probabilities and
    SENTENCE_FEATURES; excerpt_text: text, section and title of the top excerpts, in order."""
    ordered = np.sort(probs)[::-1] if len(probs) else np.zeros(1)
    col = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
    seen: set[str] = set()
    for text in excerpt_text[: GAP_EXCERPTS * 3]:
        seen.update(terms(text))
    wanted = query.terms
    unseen = [t for t in set(wanted) if t not in sentences.idf]
    no_figure = bool(query.quantity) and not (
        len(features) and features[:, col["figure_match"]].max() > 0
    )
    return np.array(
        [
            ordered[0],
            float(np.mean(ordered[:3])),
            features[:, col["dense"]].max() if len(features) else 0.0,
            features[:, col["lexical"]].max() if len(features) else 0.0,
            1.0 - share(sentences, wanted, seen) if wanted else 0.0,
            float(unknown),
            len(unseen) / max(1, len(set(wanted))),
            float(no_figure),
            math.log1p(len(set(wanted))),
            float(query.style != "plain"),
        ],
        dtype=np.float32,
    )
