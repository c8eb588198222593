"""Our side of the chat-completions protocol, against a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from answer.llm import keep_cited, synthesize
from pathways.settings import Settings
from pathways.types import Answer, Citation


class FakeModel:
    """What the server will answer next, and what it received."""

    def __init__(self) -> None:
        self.reply: str = ""
        self.status = 200
        self.delay = 0.0
        self.requests: list[dict[str, object]] = []
        self.headers: list[dict[str, str]] = []


@pytest.fixture
def model() -> Iterator[tuple[FakeModel, str]]:
    state = FakeModel()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(json.loads(body))
            state.headers.append(dict(self.headers))
            time.sleep(state.delay)
            payload = {"choices": [{"message": {"role": "assistant", "content": state.reply}}]}
            data = json.dumps(payload).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def extractive() -> Answer:
    cites = [
        Citation(
            1, "doc-a", "Report A", "Staffing", 3, 10, 60, "Coaches broker relationships.", ""
        ),
        Citation(2, "doc-b", "Report B", "", None, 0, 40, "Porterville pays teacher stipends.", ""),
    ]
    return Answer("How do districts staff pathways?", "Coaches broker relationships. [1]", False,
                  0.9, cites, text="plain")  # fmt: skip


def settings_for(url: str, **kw: object) -> Settings:
    return Settings(llm_url=url, llm_model="tiny", llm_api_key="sekret", **kw)  # type: ignore[arg-type]


def test_request_carries_numbered_evidence_and_model(model):  # type: ignore[no-untyped-def]
    state, url = model
    state.reply = "Coaches broker relationships between schools and employers [1]."
    answer = synthesize(settings_for(url), extractive())
    sent = state.requests[0]
    assert sent["model"] == "tiny"
    user = sent["messages"][1]["content"]  # type: ignore[index]
    assert "[1] (Report A) Coaches broker relationships." in user
    assert "[2] (Report B) Porterville pays teacher stipends." in user
    assert "How do districts staff pathways?" in user
    assert state.headers[0]["Authorization"] == "Bearer sekret"
    assert answer.mode == "llm" and answer.note is None
    assert [c.n for c in answer.citations] == [1]


def test_sentences_citing_unknown_keys_or_nothing_are_dropped(model):  # type: ignore[no-untyped-def]
    state, url = model
    state.reply = (
        "Coaches broker relationships [1]. Teachers get stipends [2]. "
        "Salaries doubled last year [7]. Everyone agrees this works."
    )
    answer = synthesize(settings_for(url), extractive())
    assert answer.mode == "llm"
    assert "Salaries" not in answer.answer and "Everyone" not in answer.answer
    assert "Coaches broker relationships [1]." in answer.answer
    assert [c.n for c in answer.citations] == [1, 2]
    assert answer.note and "2 uncited or wrongly cited" in answer.note


def test_answer_without_valid_citations_falls_back(model):  # type: ignore[no-untyped-def]
    state, url = model
    state.reply = "I think it is about coaches."
    answer = synthesize(settings_for(url), extractive())
    assert answer.mode == "extractive-fallback"
    assert answer.answer == extractive().answer and answer.note


def test_timeout_falls_back_to_extractive(model):  # type: ignore[no-untyped-def]
    state, url = model
    state.reply, state.delay = "Late answer [1].", 2.0
    answer = synthesize(settings_for(url, llm_timeout=0.3), extractive())
    assert answer.mode == "extractive-fallback"
    assert "did not answer within" in (answer.note or "")
    assert answer.citations == extractive().citations


def test_server_error_falls_back(model):  # type: ignore[no-untyped-def]
    state, url = model
    state.status = 500
    answer = synthesize(settings_for(url), extractive())
    assert answer.mode == "extractive-fallback" and "failed" in (answer.note or "")


def test_unreachable_endpoint_falls_back():
    answer = synthesize(settings_for("http://127.0.0.1:9/v1", llm_timeout=1), extractive())
    assert answer.mode == "extractive-fallback"


def test_keep_cited_parses_keys():
    text, used, dropped = keep_cited("A [2][1]. B [3]. C.", {1, 2})
    assert text == "A [2][1]." and used == [2, 1] and dropped == 2


def test_keys_alone_are_no_answer():
    text, used, dropped = keep_cited("[1] [2]: [3]", {1, 2, 3})
    assert text == "" and used == [] and dropped == 1


def test_a_key_starting_a_line_belongs_to_that_line():
    text, used, dropped = keep_cited("Enrollment grew.\n[2] Coaches were hired.", {2})
    assert text == "[2] Coaches were hired." and used == [2] and dropped == 1
