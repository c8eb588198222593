"""Optional LLM synthesis over an OpenAI-compatible chat-completions endpoint (Ollama, vLLM,
llama.cpp server, OpenAI). The model only rephrases the numbered evidence it is given: any
sentence citing a key that was not given, or citing nothing, is dropped. On an error or a
timeout the extractive answer is returned, and the response says so."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import httpx

from prompts import render

if TYPE_CHECKING:
    from pathways.settings import Settings
    from pathways.types import Answer, Citation

logger = logging.getLogger(__name__)

_KEY = re.compile(r"\[(\d{1,3})\]")
# a sentence with the keys that follow it on the same line ("… growth. [2]"); a key at the
# start of the next line belongs to the sentence it starts
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+(?:[ \t]*\[\d{1,3}\])*|\n|$)")


class LLMError(Exception):
    """The endpoint did not give a usable answer."""


def endpoint(url: str) -> str:
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def build_request(settings: Settings, question: str, evidence: list[Citation]) -> dict[str, Any]:
    items = [{"key": c.n, "title": c.title, "quote": " ".join(c.quote.split())} for c in evidence]
    return {
        "model": settings.llm_model,
        "temperature": 0.1,
        "max_tokens": settings.llm_max_tokens,
        "messages": [
            {"role": "system", "content": render("llm_system.j2")},
            {"role": "user", "content": render("llm_user.j2", question=question, evidence=items)},
        ],
    }


def call(settings: Settings, payload: dict[str, Any]) -> str:
    assert settings.llm_url
    headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
    try:
        response = httpx.post(
            endpoint(settings.llm_url), json=payload, headers=headers, timeout=settings.llm_timeout
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except httpx.TimeoutException as e:
        raise LLMError(f"the model did not answer within {settings.llm_timeout:g} s") from e
    except httpx.HTTPError as e:
        raise LLMError(f"the model endpoint failed: {e}") from e
    except (ValueError, KeyError, IndexError, TypeError) as e:
        raise LLMError("the model endpoint sent a reply that is not a chat completion") from e
    if not isinstance(content, str) or not content.strip():
        raise LLMError("the model sent an empty answer")
    return content


def keep_cited(text: str, allowed: set[int]) -> tuple[str, list[int], int]:
    """Sentences that say something (not keys alone), whose every citation key is allowed and
    that cite at least one.
    Returns (kept text, keys used in order, number of sentences dropped)."""
    kept: list[str] = []
    used: list[int] = []
    dropped = 0
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0).strip()
        if not sentence:
            continue
        keys = [int(k) for k in _KEY.findall(sentence)]
        says_something = re.search(r"[A-Za-z]", _KEY.sub(" ", sentence))
        if not keys or not says_something or any(k not in allowed for k in keys):
            dropped += 1
            continue
        kept.append(sentence)
        used.extend(k for k in keys if k not in used)
    return " ".join(kept), used, dropped


def synthesize(settings: Settings, extractive: Answer) -> Answer:
    """The LLM's answer over the extractive answer's evidence, or the extractive answer."""
    evidence = extractive.citations
    try:
        content = call(settings, build_request(settings, extractive.question, evidence))
    except LLMError as e:
        logger.warning("LLM synthesis failed: %s", e)
        return replace(
            extractive,
            mode="extractive-fallback",
            note=f"LLM unavailable ({e}); extractive answer shown.",
        )
    text, used, dropped = keep_cited(content, {c.n for c in evidence})
    if not text:
        return replace(
            extractive,
            mode="extractive-fallback",
            note="The model's answer cited none of the evidence; extractive answer shown.",
        )
    citations = [c for c in evidence if c.n in used]
    note = f"{dropped} uncited or wrongly cited sentence(s) dropped." if dropped else None
    plain = text + "\n\nSources:\n" + "\n".join(f"  [{c.n}] {c.title}" for c in citations)
    return replace(extractive, answer=text, text=plain, citations=citations, mode="llm", note=note)
