"""The fitted answer models: fitting, out-of-fold measurement, the model file and its
override, and the figures (AUROC, calibration error, budget recall)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from answer.features import QUESTION_FEATURES, SENTENCE_FEATURES
from answer.measures import auroc, ece, report
from answer.model import MODEL_FILE, ModelFileError, load_model, shipped_path
from pathways.evaluation import Passage, load_eval_set, within_budget
from pathways.fitting import Stacked, fit_and_measure, fit_logistic
from pathways.settings import PACKAGED_MODEL

ROOT = Path(__file__).resolve().parents[1]


def test_auroc_counts_pairs_and_ties() -> None:
    assert auroc([0.9, 0.8, 0.1], [True, True, False]) == 1.0
    assert auroc([0.1, 0.9], [True, False]) == 0.0
    assert auroc([0.5, 0.5], [True, False]) == 0.5
    assert math.isnan(auroc([0.5], [True]))


def test_calibration_error_is_the_weighted_gap_per_bin() -> None:
    assert ece([0.95] * 10, [True] * 10) == pytest.approx(0.05)
    # two bins: 0.25 said, half right (gap 0.25); 0.85 said, all right (gap 0.15)
    assert ece([0.25, 0.25, 0.85, 0.85], [True, False, True, True]) == pytest.approx(0.2)


def test_budget_cuts_ranked_passages_at_a_word_count() -> None:
    passages = [Passage("a", "one two three"), Passage("b", "four five six"), Passage("c", "x")]
    cut = within_budget(passages, budget=5)
    assert [p.text for p in cut] == ["one two three", "four five"]


def test_stacked_ranks_equal_the_plain_loop() -> None:
    class Gathered:
        def __init__(self, features: np.ndarray) -> None:
            self.features = features

    class Sample:
        def __init__(self, features: np.ndarray, labels: list[bool]) -> None:
            self.gathered = Gathered(features)
            self.labels = np.array(labels)

    rng = np.random.default_rng(0)
    samples = [
        Sample(rng.normal(size=(n, 3)), [i % 3 == 1 for i in range(n)]) for n in (4, 7, 2, 9)
    ]
    weights = np.array([1.0, -0.5, 0.2])
    expected = []
    for s in samples:
        scores = s.gathered.features @ weights
        expected.append(1 + int((scores > scores[s.labels].max()).sum()))
    assert Stacked(samples).first_ranks(weights).tolist() == expected  # type: ignore[arg-type]


def test_the_shipped_model_loads_for_the_default_encoder() -> None:
    model = load_model(None, PACKAGED_MODEL)
    assert model.sentence.names == SENTENCE_FEATURES
    assert model.support.names == QUESTION_FEATURES
    assert 0.0 < model.threshold < 1.0
    assert model.info["embedding_model"] == PACKAGED_MODEL


def test_a_model_for_other_features_is_refused_with_the_fix(tmp_path: Path) -> None:
    data = json.loads(shipped_path(PACKAGED_MODEL).read_text())
    data["sentence"]["features"] = ["dense", "something_else"]
    (tmp_path / MODEL_FILE).write_text(json.dumps(data))
    with pytest.raises(ModelFileError, match="pathways fit"):
        load_model(tmp_path, PACKAGED_MODEL)


def test_a_teams_own_fit_overrides_the_shipped_one_for_its_encoder(tmp_path: Path) -> None:
    data = json.loads(shipped_path(PACKAGED_MODEL).read_text())
    data["threshold"] = 0.123
    (tmp_path / MODEL_FILE).write_text(json.dumps(data))
    assert load_model(tmp_path, PACKAGED_MODEL).threshold == 0.123
    data["info"]["embedding_model"] = "some-other-encoder"
    (tmp_path / MODEL_FILE).write_text(json.dumps(data))
    assert load_model(tmp_path, PACKAGED_MODEL).threshold != 0.123  # not for this encoder


def test_a_logistic_fit_separates_what_it_can() -> None:
    x = np.array([[0.0], [0.1], [0.9], [1.0]])
    model = fit_logistic(x, np.array([0, 0, 1, 1]), ("x",), 10.0)
    p = model.prob(x)
    assert p[0] < 0.5 < p[3]


@pytest.mark.slow
def test_fit_on_dev_measures_out_of_fold_and_quotes_exactly(answerer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    questions = load_eval_set(ROOT / "eval" / "dev.jsonl")
    model, rows = fit_and_measure(answerer, questions, folds=3)
    assert {r["fold"] for r in rows} == {0, 1, 2}
    assert len(rows) == len(questions)
    assert all(r["quotes_exact"] == r["quotes"] for r in rows)
    assert all(r["longest_quote_words"] <= 150 for r in rows)
    overall = report(rows)["overall"]
    assert overall["gold_cited"] > 0.5  # the dev questions are the easy ones
    model.save(tmp_path / MODEL_FILE)
    again = load_model(tmp_path, PACKAGED_MODEL)
    x = np.random.default_rng(1).normal(size=(5, len(SENTENCE_FEATURES)))
    assert np.allclose(again.sentence.logit(x), model.sentence.logit(x), atol=1e-4)
    assert again.threshold == pytest.approx(model.threshold, abs=1e-5)
