"""POST /v1/ask: a cited answer, as JSON or as a stream of Server-Sent Events."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.render import answer_html
from api.responses import LIMITED, errors
from api.schemas import AnswerOut, AskRequest, FiltersIn
from api.security import RateLimit
from api.state import AppState, StateDep
from index.query import check_k, read_query
from index.search import Filters
from pathways.types import Answer

router = APIRouter(prefix="/v1", tags=["ask"])

SSE_DESCRIPTION = (
    "With `stream: true` or `Accept: text/event-stream`: events `citations` (data: the list of "
    'citations), then `answer` (data: {"text": piece}, pieces concatenate to the answer), then '
    "`done` (data: the whole answer object, with `answer_html`)."
)
SSE_EVENT = {
    "type": "object",
    "description": "One Server-Sent Event; `data` is JSON.",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": ["citations", "answer", "done"]},
        "data": {"type": "string"},
    },
}
PIECE = re.compile(r"\S+\s*|\s+")
WORDS_PER_EVENT = 4


def to_filters(f: FiltersIn | None) -> Filters | None:
    if f is None:
        return None

    def many(v: str | list[str] | None) -> tuple[str, ...]:
        return (v,) if isinstance(v, str) else tuple(v or ())

    return Filters(
        doc_type=many(f.doc_type), year_min=f.year_min, year_max=f.year_max,
        region=many(f.region), doc_id=many(f.doc_id),
    )  # fmt: skip


def answer_question(state: AppState, body: AskRequest) -> Answer:
    question = read_query(body.question, state.settings)
    k = check_k(body.k, state.settings)
    return state.answerer.answer(question, k, to_filters(body.filters))


def answer_body(state: AppState, body: AskRequest) -> dict[str, Any]:
    """The answer as the API returns it: the Answer's fields and its HTML (api.render)."""
    answer = answer_question(state, body)
    return {**answer.as_dict(), "answer_html": answer_html(answer)}


def wants_stream(request: Request, body: AskRequest) -> bool:
    return body.stream or "text/event-stream" in request.headers.get("accept", "")


def answer_pieces(text: str) -> list[str]:
    """The answer text in small pieces, whitespace kept, so the pieces join back exactly."""
    words = PIECE.findall(text)
    return ["".join(words[i : i + WORDS_PER_EVENT]) for i in range(0, len(words), WORDS_PER_EVENT)]


async def answer_events(answer: dict[str, Any]) -> AsyncIterator[ServerSentEvent]:
    yield ServerSentEvent(json.dumps(answer["citations"]), event="citations")
    for piece in answer_pieces(answer["answer"]):
        yield ServerSentEvent(json.dumps({"text": piece}), event="answer")
        await anyio.sleep(0)
    yield ServerSentEvent(json.dumps(answer), event="done")


@router.post(
    "/ask",
    response_model=AnswerOut,
    dependencies=[RateLimit],
    responses={
        **errors(400, *LIMITED, 409, 413),
        200: {
            "content": {"text/event-stream": {"schema": SSE_EVENT}},
            "description": "The answer; " + SSE_DESCRIPTION,
        },
    },
)
async def ask(state: StateDep, request: Request, body: AskRequest) -> Any:
    """A short answer built from the corpus, every claim marked [n] with its citation.

    The answer is computed in a worker thread; a stream starts only once it is ready, so
    errors (bad question, no index) are ordinary 4xx responses, never half a stream.
    """
    result = await anyio.to_thread.run_sync(answer_body, state, body)
    if wants_stream(request, body):
        return EventSourceResponse(answer_events(result), ping=15)
    return result
