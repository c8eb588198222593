"""The evaluation question set: one JSON question per line with its evidence quotes (see
``eval/README.md``), read and checked line by line."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pathways.errors import PathwaysError
from pathways.hit_rule import words

KINDS: tuple[str, ...] = ("fact", "list", "why", "how", "numeric", "compare", "unanswerable")
T = TypeVar("T")


class EvalSetError(PathwaysError):
    """The evaluation set file is missing or has a malformed line."""


@dataclass(frozen=True)
class Evidence:
    file: str
    quote: str


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    kind: str
    evidence: tuple[Evidence, ...]
    answer: str
    entities: tuple[str, ...]
    paraphrased: bool
    audience: str = ""  # policy | staff | public, where the set says

    @property
    def answerable(self) -> bool:
        return bool(self.evidence)


def load_eval_set(path: Path) -> list[EvalQuestion]:
    """Read one question per non-blank line; raise EvalSetError naming the bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise EvalSetError(f"Cannot read evaluation set {path}: {e}") from e
    questions: list[EvalQuestion] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        question = parse_question(line, where=f"{path}:{lineno}")
        if question.id in seen:
            raise EvalSetError(f"{path}:{lineno}: duplicate question id {question.id!r}")
        seen.add(question.id)
        questions.append(question)
    return questions


def parse_question(line: str, where: str = "<line>") -> EvalQuestion:
    """Parse and validate one JSONL line; ``where`` prefixes error messages."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise EvalSetError(f"{where}: invalid JSON: {e.msg} (column {e.colno})") from e
    if not isinstance(obj, dict):
        raise EvalSetError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    kind = _field(obj, "kind", str, where)
    if kind not in KINDS:
        raise EvalSetError(f"{where}: unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    evidence = _parse_evidence(_field(obj, "evidence", list, where), where)
    if (kind == "unanswerable") == bool(evidence):
        raise EvalSetError(f"{where}: evidence must be empty exactly when kind is 'unanswerable'")
    entities = _field(obj, "entities", list, where)
    if not all(isinstance(e, str) for e in entities):
        raise EvalSetError(f"{where}: 'entities' must be a list of strings")
    return EvalQuestion(
        id=_field(obj, "id", str, where),
        question=_field(obj, "question", str, where),
        kind=kind,
        evidence=evidence,
        answer=_field(obj, "answer", str, where),
        entities=tuple(entities),
        paraphrased=_field(obj, "paraphrased", bool, where),
        audience=str(obj.get("audience", "")),
    )


def _field(obj: Mapping[str, Any], key: str, kind: type[T], where: str) -> T:
    if key not in obj:
        raise EvalSetError(f"{where}: missing field {key!r}")
    value = obj[key]
    if not isinstance(value, kind):
        raise EvalSetError(f"{where}: field {key!r} must be {kind.__name__}, got {value!r:.60}")
    return value


def _parse_evidence(items: list[Any], where: str) -> tuple[Evidence, ...]:
    evidence: list[Evidence] = []
    for i, item in enumerate(items):
        at = f"{where}: evidence[{i}]"
        if not isinstance(item, dict):
            raise EvalSetError(f"{at} must be an object with 'file' and 'quote'")
        file, quote = _field(item, "file", str, at), _field(item, "quote", str, at)
        if not file.strip() or not words(quote):
            raise EvalSetError(f"{at}: 'file' and 'quote' must be non-empty")
        evidence.append(Evidence(file=file, quote=quote))
    return tuple(evidence)
