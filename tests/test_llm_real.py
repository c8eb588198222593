"""LLM synthesis end to end against a real model behind a real OpenAI-compatible server.

Runs when PATHWAYS_TEST_LLM_URL names the endpoint: scripts/test.sh (and so CI) serves
SmolLM2-135M-Instruct through llama-cpp-python and sets it. Skipped otherwise. By hand (see
docs/llm.md):

    bash scripts/llm-server.sh &
    PATHWAYS_TEST_LLM_URL=http://127.0.0.1:8088/v1 .venv/bin/pytest tests/test_llm_real.py -q

The model is a toy, so the tests check what our side guarantees whatever the model writes:
either an "llm" answer whose every [n] is a returned citation, or the extractive answer with
a note saying why. Every citation still quotes the document exactly.
"""

from __future__ import annotations

import os
import re
import time

import httpx
import pytest

from answer.qa import Answerer
from index.embedder import Embedder
from index.retrieval import HybridSearcher
from pathways.settings import Settings
from pathways.types import Answer

LLM_URL = os.environ.get("PATHWAYS_TEST_LLM_URL", "")  # read before conftest clears PATHWAYS_*

pytestmark = [
    pytest.mark.slow,  # a real model, on the whole corpus
    pytest.mark.skipif(
        not LLM_URL,
        reason="no test LLM: set PATHWAYS_TEST_LLM_URL to an OpenAI-compatible endpoint "
        "(bash scripts/llm-server.sh serves SmolLM2-135M at http://127.0.0.1:8088/v1)",
    ),
]

QUESTIONS = [  # answerable dev questions (eval/dev.jsonl d17, d23, d03)
    "How many school districts and community colleges are in OC Pathways?",
    "How is Porterville attracting and keeping teachers for its pathway programs?",
    "How does Lancaster ISD's STEM model change from elementary to high school?",
]
NO_CITATION = "The model's answer cited none of the evidence; extractive answer shown."
DROPPED = re.compile(r"^\d+ uncited or wrongly cited sentence\(s\) dropped\.$")
KEY = re.compile(r"\[(\d{1,3})\]")


@pytest.fixture(scope="session", autouse=True)
def llm_url() -> str:
    """The endpoint, checked before the corpus is indexed (session scope and autouse put it
    first): set but down is a failure, not a skip."""
    try:
        httpx.get(LLM_URL.rstrip("/") + "/models", timeout=5).raise_for_status()
    except httpx.HTTPError as e:
        pytest.fail(f"PATHWAYS_TEST_LLM_URL={LLM_URL} is set but does not answer: {e}")
    return LLM_URL


@pytest.fixture(scope="module")
def llm_settings(llm_url: str, corpus_settings: Settings) -> Settings:
    """The corpus settings pointed at the real model. A generous timeout: a slow answer is
    not what these tests are about (the timeout test sets its own)."""
    return corpus_settings.model_copy(update={"llm_url": llm_url, "llm_timeout": 120.0})


@pytest.fixture(scope="module")
def llm_answerer(llm_settings: Settings, searcher: HybridSearcher, embedder: Embedder) -> Answerer:
    answerer = Answerer(llm_settings, searcher, embedder)
    answerer.library()  # built once here, so the timings below are retrieval + the model
    return answerer


def check_quotes(answerer: Answerer, answer: Answer) -> None:
    texts = answerer.library().structure
    for c in answer.citations:
        assert c.quote == texts[c.doc_id].text[c.start : c.end], c


@pytest.mark.parametrize("question", QUESTIONS)
def test_real_model_answer_cites_only_given_evidence(
    question: str, llm_answerer: Answerer, answerer: Answerer
) -> None:
    extractive = answerer.answer(question)
    assert extractive.mode == "extractive" and not extractive.abstained, extractive.answer
    given = {c.n: c for c in extractive.citations}

    started = time.perf_counter()
    answer = llm_answerer.answer(question)
    elapsed = time.perf_counter() - started
    print(f"\n[{elapsed:.1f} s] mode={answer.mode} note={answer.note!r}\n{answer.answer}")

    assert answer.question == question and not answer.abstained
    check_quotes(answerer, answer)
    if answer.mode == "llm":
        returned = {c.n for c in answer.citations}
        cited = {int(k) for k in KEY.findall(answer.answer)}
        assert cited and cited <= returned, (cited, returned)
        assert returned <= cited  # no citation is returned that the text does not use
        assert all(c == given[c.n] for c in answer.citations)  # the same evidence, unchanged
        assert answer.note is None or DROPPED.match(answer.note), answer.note
        assert answer.text.startswith(answer.answer)
    else:
        # the model answered but cited nothing valid: the extractive answer, saying so
        assert answer.mode == "extractive-fallback", answer.mode
        assert answer.note == NO_CITATION
        assert answer.answer == extractive.answer
        assert answer.citations == extractive.citations


def test_real_model_timeout_falls_back_to_extractive(
    llm_settings: Settings,
    searcher: HybridSearcher,
    embedder: Embedder,
    answerer: Answerer,
) -> None:
    question = QUESTIONS[0]
    extractive = answerer.answer(question)
    hurried = llm_settings.model_copy(update={"llm_timeout": 0.001})
    answer = Answerer(hurried, searcher, embedder).answer(question)
    assert answer.mode == "extractive-fallback"
    assert answer.note == (
        "LLM unavailable (the model did not answer within 0.001 s); extractive answer shown."
    )
    assert answer.answer == extractive.answer
    assert answer.citations == extractive.citations
    check_quotes(answerer, answer)
