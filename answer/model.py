"""The fitted answer models: a sentence relevance model and an answer-support model, both
logistic regressions over `answer.features`, stored as a small versioned JSON file.

The shipped fits are `answer/models/<embedding model>.json` (fitted on the question bank by
`pathways fit`, one per encoder, since the features include its similarities); a fit in
``PATHWAYS_HOME/model.json`` for the same encoder overrides it, so a team can calibrate on its
own questions.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from answer.features import QUESTION_FEATURES, SENTENCE_FEATURES
from pathways.errors import PathwaysError

logger = logging.getLogger(__name__)

FORMAT = 1
SHIPPED = Path(__file__).with_name("models")
MODEL_FILE = "model.json"


def shipped_path(embedding_model: str) -> Path:
    return SHIPPED / f"{Path(embedding_model).name.lower()}.json"


class ModelFileError(PathwaysError):
    """The fitted model file is missing, unreadable or for other features."""


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(((x - mean) / scale) @ coef + intercept)."""

    names: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logit(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept  # type: ignore[no-any-return]

    def prob(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))  # type: ignore[no-any-return]

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.names),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], expected: tuple[str, ...]) -> Logistic:
        names = tuple(data["features"])
        if names != expected:
            raise ModelFileError(
                f"The model file was fitted on features {list(names)}, but this version computes "
                f"{list(expected)}. Refit it with `pathways fit QUESTIONS.jsonl`."
            )
        return cls(
            names,
            np.asarray(data["mean"], dtype=np.float64),
            np.asarray(data["scale"], dtype=np.float64),
            np.asarray(data["coef"], dtype=np.float64),
            float(data["intercept"]),
        )


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic  # its logit ranks sentences: citing the best cites the evidence
    support: Logistic  # P(the question is answered by the retrieved evidence)
    threshold: float  # abstain when support is below it
    select_margin: float  # answer sentences score at most this far below the best
    topic_floor: float = 0.0  # best sentence similarity below which a question is off topic
    info: dict[str, Any] = field(default_factory=dict)  # what it was fitted on, and when

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "sentence": self.sentence.as_dict(),
            "support": self.support.as_dict(),
            "threshold": round(self.threshold, 6),
            "select_margin": self.select_margin,
            "topic_floor": round(self.topic_floor, 6),
            "info": self.info,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AnswerModel:
        if data.get("format") != FORMAT:
            raise ModelFileError(
                f"Unknown model file format {data.get('format')!r}; refit with `pathways fit`."
            )
        return cls(
            Logistic.from_dict(data["sentence"], SENTENCE_FEATURES),
            Logistic.from_dict(data["support"], QUESTION_FEATURES),
            float(data["threshold"]),
            float(data["select_margin"]),
            float(data.get("topic_floor", 0.0)),
            dict(data.get("info", {})),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.as_dict(), indent=1) + "\n")
        tmp.replace(path)


def load_model(home: Path | None, embedding_model: str) -> AnswerModel:
    """The team's own fit in ``home`` if there is one for this encoder, else the shipped fit."""
    own = home / MODEL_FILE if home is not None else None
    for path in ([own] if own is not None and own.exists() else []) + [
        shipped_path(embedding_model)
    ]:
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            continue
        except (OSError, ValueError) as e:
            raise ModelFileError(
                f"Cannot read the answer model {path}: {e}. Refit it with `pathways fit "
                "QUESTIONS.jsonl`, or delete it to use the shipped one."
            ) from e
        if data.get("info", {}).get("embedding_model", embedding_model) != embedding_model:
            logger.warning("%s was fitted for another encoder; ignoring it", path)
            continue
        logger.info("answer model from %s", path)
        return AnswerModel.from_dict(data)
    raise ModelFileError(
        f"No answer model for the encoder {embedding_model!r}: fit one with `pathways fit "
        "QUESTIONS.jsonl` (it is written to PATHWAYS_HOME/model.json)."
    )
