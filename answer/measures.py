"""Figures of a set of answered questions (rows from `pathways.fitting.cross_validate`): gold
evidence cited, list entities, abstention, and how well `confidence` separates supported
answers from unsupported ones (AUROC) and matches their rate (expected calibration error)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ECE_BINS = 10


def auroc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def ece(probs: Sequence[float], labels: Sequence[bool], bins: int = ECE_BINS) -> float:
    p = np.asarray(probs, dtype=float)
    y = np.asarray(labels, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for i in range(bins):
        inside = (p >= edges[i]) & ((p < edges[i + 1]) if i < bins - 1 else (p <= 1))
        if inside.any():
            total += inside.sum() * abs(p[inside].mean() - y[inside].mean())
    return total / max(1, len(p))


def summarize(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    lists = [r for r in rows if r["kind"] == "list" and r["entities"] is not None]

    def mean(values: Sequence[float]) -> float:
        return float(np.mean(values)) if len(values) else float("nan")

    return {
        "n": len(rows),
        "gold_cited": mean([r["gold_cited"] for r in answerable]),
        "list_entities": mean([r["entities"] for r in lists]),
        "answerable_abstained": mean([r["abstained"] for r in answerable]),
        "unanswerable_abstained": mean([r["abstained"] for r in unanswerable]),
        "auroc": auroc([r["confidence"] for r in rows], [r["supported"] for r in rows]),
        "ece": ece([r["confidence"] for r in rows], [r["supported"] for r in rows]),
        "quotes_exact": f"{sum(r['quotes_exact'] for r in rows)}/{sum(r['quotes'] for r in rows)}",
        "longest_quote_words": max((r["longest_quote_words"] for r in rows), default=0),
    }


def report(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Overall, by audience and by kind."""
    out: dict[str, Any] = {"overall": summarize(rows)}
    for key in ("audience", "kind"):
        groups = sorted({r[key] for r in rows})
        out[key] = {g: summarize([r for r in rows if r[key] == g]) for g in groups}
    return out


def format_report(rep: dict[str, Any]) -> str:
    cols = ("n", "gold_cited", "list_entities", "answerable_abstained", "unanswerable_abstained",
            "auroc", "ece")  # fmt: skip
    lines = [f"{'group':22s}" + "".join(f"{c[:12]:>13s}" for c in cols)]

    def line(name: str, s: dict[str, Any]) -> str:
        cells = [f"{s[c]:13d}" if c == "n" else f"{s[c]:13.3f}" for c in cols]
        return f"{name:22s}" + "".join(cells)

    lines.append(line("overall", rep["overall"]))
    for key in ("audience", "kind"):
        for g, s in rep[key].items():
            lines.append(line(f"{key}={g}", s))
    o = rep["overall"]
    lines.append(f"quotes equal to the text at their offsets: {o['quotes_exact']}; "
                 f"longest quote {o['longest_quote_words']} words")  # fmt: skip
    return "\n".join(lines)
