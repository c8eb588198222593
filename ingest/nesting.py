"""Nest detected headings into an outline (ingest.structure): numbered headings by their numbers,
others by cue rank, and the subsections a section's lead announces ("there are four issues")
under it."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.cues import ANNOUNCED_SHARE, WINDOW_PER_WORD, HeadingCue
from pathways.text import LETTERS, SERIES_WORDS, STOP_WORDS, prefix_stem, sentence_spans


@dataclass
class _Node:
    title: str
    cue: HeadingCue | None
    words: frozenset[str]
    lead: tuple[str, ...]  # stems of the lead text; () when the lead is too long to introduce
    sidebar: bool
    rank: int  # 1, or 2 for mixed-case headings in a document whose main headings are in caps
    announced: int = 0  # subsections its lead counts ("there are four issues"), 0 for none


@dataclass
class _Open:
    """A heading on the nesting stack."""

    level: int
    node: _Node
    child_rank: int | None = None  # rank of its first child: later children must match
    quota: int = 0  # announced subsections still to come

    def accepts(self, node: _Node) -> bool:
        return self.child_rank in (None, node.rank)


_CLOSED = _Node("", None, frozenset(), (), sidebar=False, rank=99)  # never a parent


# --- nesting ---------------------------------------------------------------------------


def stem_sequence(text: str) -> tuple[str, ...]:
    """Stems of every word of text, in order (stop words kept as "" to preserve distances)."""
    words = [w.lower() for w in LETTERS.findall(text)]
    return tuple("" if len(w) < 3 or w in STOP_WORDS else prefix_stem(w) for w in words)


def content_stems(text: str) -> frozenset[str]:
    """Stems of the content words of text, e.g. "Staffing and coaches" -> {"staff", "coach"}."""
    return frozenset(s for s in stem_sequence(text) if s)


def announces(lead: Sequence[str], words: frozenset[str]) -> bool:
    """Whether lead mentions at least 2/3 of words close together (within 4 words per word)."""
    if not words or not lead:
        return False
    needed = math.ceil(ANNOUNCED_SHARE * len(words) - 1e-9)
    window = WINDOW_PER_WORD * len(words)
    positions = [(i, s) for i, s in enumerate(lead) if s in words]
    for start, (first, _) in enumerate(positions):
        found = {s for i, s in positions[start:] if i - first < window}
        if len(found) >= needed:
            return True
    return False


def _announce_words(title: str, cue: HeadingCue | None) -> frozenset[str]:
    if cue is not None and cue.label:
        return content_stems(cue.label)
    return content_stems(title)


def nest(nodes: Sequence[_Node]) -> list[int]:
    """Level of each heading (see module docstring)."""
    stack: list[_Open] = []
    levels: list[int] = []
    for node in nodes:
        explicit = node.cue.level if node.cue is not None else None
        if explicit is not None:
            while stack and stack[-1].level >= explicit:
                stack.pop()
            level = explicit
        elif node.sidebar:
            levels.append(stack[-1].level + 1 if stack else 1)
            continue
        else:
            counted = _counting_parent(stack, node)
            if counted is not None:
                stack[counted].quota -= 1
                del stack[counted + 1 :]
            else:
                open_nodes = [o.node if o.accepts(node) else _CLOSED for o in stack]
                del stack[parent_index(open_nodes, node) + 1 :]
            level = stack[-1].level + 1 if stack else 1
        if stack:
            stack[-1].child_rank = stack[-1].child_rank or node.rank
        if node.cue is not None and node.cue.number:
            for opened in stack:  # "four main goals" followed by "Goal 1": numbers decide
                opened.quota = 0
        stack.append(_Open(level, node, quota=node.announced))
        levels.append(level)
    return levels


def _counting_parent(stack: Sequence[_Open], node: _Node) -> int | None:
    """The innermost open heading whose lead announced a number of subsections that have not
    all come yet, if it can take node as a child; numbered headings follow their numbers."""
    if node.cue is not None and node.cue.number:
        return None
    if stack and announces(stack[-1].node.lead, node.words):
        return None  # the section just opened names it: its own subsection
    for k in range(len(stack) - 1, -1, -1):
        if stack[k].quota > 0:
            ok = stack[k].accepts(node) and stack[k].node.rank <= node.rank
            return k if ok else None
    return None


_NUMBER_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}
# "there are four issues cited by…", "taught them three major lessons:", not "three years"
_ANNOUNCED = re.compile(
    "".join(f"(?<!{word} )" for word in SERIES_WORDS)
    + r"\b("
    + "|".join(_NUMBER_WORDS)
    + r")\s+(?:[a-z-]+\s+){0,2}?([a-z]+s)\b(?![-’'])",
    re.IGNORECASE,
)
_NOT_ITEMS = frozenset(
    ("years", "months", "weeks", "days", "hours", "decades", "times", "percent", "dollars")
    + ("students", "schools", "districts", "colleges", "consortia", "cohorts", "counties")
    + ("regions", "states")
)


def announced_count(lead: Sequence[str]) -> int:
    """How many subsections a section's lead announces in its last sentence: "In all, there
    are four issues cited by community colleges…" -> 4. Counts of time, money or of the
    organizations studied ("three districts") announce nothing."""
    if not lead:
        return 0
    spans = sentence_spans(lead[-1])
    tail = lead[-1][spans[-1][0] : spans[-1][1]] if spans else lead[-1].strip()
    for m in _ANNOUNCED.finditer(tail):
        if m.group(2).lower() not in _NOT_ITEMS:
            return _NUMBER_WORDS[m.group(1).lower()]
    return 0


def parent_index(open_headings: Sequence[_Node], node: _Node) -> int:
    """Index of node's parent among the open headings (outermost first), -1 for none.

    Innermost first, look for a structural bound: a numbered parent or sibling decides at once;
    an explicit (markdown) or higher-rank heading is the outermost possible parent. Then the
    outermost open heading from that bound on whose lead announces node is the parent; with no
    announcer, the bound itself.
    """
    floor = -1
    for k in range(len(open_headings) - 1, -1, -1):
        relation = structural_relation(open_headings[k], node)
        if relation == "sibling":
            return k - 1
        if relation == "numbered parent":
            return k
        if relation == "parent":
            floor = k
            break
    for k in range(max(floor, 0), len(open_headings)):
        candidate = open_headings[k]
        if candidate.rank <= node.rank and announces(candidate.lead, node.words):
            return k
    return floor


def structural_relation(open_heading: _Node, node: _Node) -> str:
    """ "parent", "numbered parent", "sibling" or "" from levels, ranks and numbers alone."""
    if open_heading.cue is not None and open_heading.cue.level is not None:
        return "parent"  # inferred headings nest under explicit (markdown) ones
    if open_heading.rank != node.rank:
        return "parent" if open_heading.rank < node.rank else ""
    numbered = _numbered_relation(open_heading.cue, node.cue)
    return "numbered parent" if numbered == "parent" else numbered


def _numbered_relation(parent: HeadingCue | None, child: HeadingCue | None) -> str:
    if parent is None or child is None or not parent.number or not child.number:
        return ""
    p, c = parent.number, child.number
    if len(p) < len(c) and c[: len(p)] == p and child.label in ("", parent.label):
        return "parent"
    if len(p) == len(c) and p[:-1] == c[:-1] and parent.label == child.label:
        return "sibling"
    return ""
