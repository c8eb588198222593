"""Terms the documents define themselves, for questions that ask what a term means.

A question such as "what's the official definition of a 'career pathway'?" shares only common
words with the glossary line that answers it ("Career Pathway – A coordinated, non-duplicative
sequence of …"), so neither BM25 nor the embedder ranks that line high. When a question asks
for the meaning of a term and a document defines that term, the defining chunk is fused into
the ranking with a weight that puts it first.

Two generic sources, no hard-coded terms:

- glossaries: a run of at least ``MIN_GLOSSARY_RUN`` consecutive paragraphs shaped like
  "Term – definition" (en or em dash, or a hyphen between spaces);
- inline definitions: "defines CTE as …", "Work-based learning is defined as …".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pathways.text import ascii_words, stemmer

MIN_GLOSSARY_RUN = 3
MAX_TERM_WORDS = 6

_TERM = rf"[A-Z0-9][\w’'/&().-]*(?:[ ][\w’'/&().-]+){{0,{MAX_TERM_WORDS - 1}}}"
_GLOSSARY_ENTRY = re.compile(rf"({_TERM})[ \t]+[–—-][ \t]+(\S[^\n]{{20,}})")
_INLINE = re.compile(
    r"\bdefines?\s+(?:a |an |the )?[“\"‘']?([\w’'/&-]+(?:[ ][\w’'/&-]+){0,5}?)[”\"’']?\s+as\b"
    r"|(?:^|(?<=[.!?]\s))(?:A |An |The )?[“\"‘']?([\w’'/&-]+(?:[ ][\w’'/&-]+){0,5}?)[”\"’']?"
    r"\s+(?:is|are) defined as\b",
    re.MULTILINE,
)
_ASKED = (
    re.compile(r"\b(?:definition|meaning)s? of\s+(.+)", re.IGNORECASE),
    re.compile(r"\bdefines?\s+(.+)", re.IGNORECASE),
    re.compile(r"\bwhat does\s+(.+?)\s+(?:mean|stand for)\b", re.IGNORECASE),
    re.compile(r"\bwhat(?: is|'s|’s| are)\s+(.+)", re.IGNORECASE),
)
_QUALIFIERS = frozenset({"in", "for", "under", "accord", "within", "mean"})
_ARTICLE = re.compile(r"^(?:(?:a|an|the|term|phrase|word|official|formal)\s+)+", re.IGNORECASE)


def stems(text: str) -> tuple[str, ...]:
    return tuple(stemmer().stemWords(ascii_words(text)))


def glossary_terms(text: str) -> Iterable[tuple[str, int]]:
    """(term, offset of its line) for runs of glossary-shaped lines (blank lines between
    them do not break a run)."""
    run: list[tuple[str, int]] = []
    for m in re.finditer(r"[^\n]*\S[^\n]*", text):
        entry = _GLOSSARY_ENTRY.fullmatch(m.group(0).strip())
        if entry:
            run.append((entry.group(1), m.start()))
            continue
        if len(run) >= MIN_GLOSSARY_RUN:
            yield from run
        run = []
    if len(run) >= MIN_GLOSSARY_RUN:
        yield from run


def inline_terms(text: str) -> Iterable[tuple[str, int]]:
    """(term, offset) for "defines X as" and "X is defined as"."""
    for m in _INLINE.finditer(text):
        term = m.group(1) or m.group(2)
        yield term, m.start()


def asked_term(question: str) -> tuple[tuple[str, ...], bool] | None:
    """The stems of the phrase naming the term a question asks the meaning of, and whether it
    asks explicitly ("definition of", "define", "what does X mean") rather than "what is X"."""
    for i, pattern in enumerate(_ASKED):
        m = pattern.search(question)
        if m:
            phrase = _ARTICLE.sub("", re.sub(r"[“”\"‘’']", " ", m.group(1)).strip())
            found = stems(phrase)
            if found:
                return found, i < len(_ASKED) - 1
    return None


@dataclass
class Definitions:
    """Stems of a defined term -> (doc_id, offset) of each place that defines it."""

    places: dict[tuple[str, ...], list[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def from_documents(cls, texts: Mapping[str, str]) -> Definitions:
        found = cls()
        for doc_id, text in texts.items():
            for term, offset in [*glossary_terms(text), *inline_terms(text)]:
                key = stems(term)
                if key:
                    found.places.setdefault(key, []).append((doc_id, offset))
        return found

    def __len__(self) -> int:
        return len(self.places)

    def all_places(self) -> list[tuple[str, int]]:
        return [place for found in self.places.values() for place in found]

    def lookup(self, question: str) -> list[tuple[str, int]]:
        """Where the term the question asks about is defined. An explicit question may go on
        after the term ("definition of career pathway in the state plan"); "what is X" must
        name the term alone or with a qualifier ("what is equity in CTE")."""
        return self.defining(asked_term(question))

    def defining(self, asked: tuple[tuple[str, ...], bool] | None) -> list[tuple[str, int]]:
        """Where the term of a question's ``asked_term`` is defined."""
        if not asked:
            return []
        phrase, explicit = asked
        best: tuple[str, ...] = ()
        for key in self.places:
            if len(key) <= len(best) or phrase[: len(key)] != key:
                continue
            rest = phrase[len(key) :]
            if explicit or not rest or rest[0] in _QUALIFIERS:
                best = key
        return self.places.get(best, []) if best else []
