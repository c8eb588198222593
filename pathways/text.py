"""The one text toolkit every stage uses: the word pattern, the stop list, the stemmer, the
sentence splitter and the words of numbered series. Bottom layer: standard library and
PyStemmer only. A stage that needs a variant uses a named extension of the shared list here,
with the reason beside it, never a private copy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

# --- words -------------------------------------------------------------------------------
WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The lower-cased words of text: runs of letters, digits and underscores."""
    return WORD.findall(text.lower())


LETTERS = re.compile(r"[A-Za-z]+")
"""A run of ASCII letters, case kept: what heading and line-joining rules count as a word."""
ASCII_WORD = re.compile(r"[a-z0-9]+")


def ascii_words(text: str) -> list[str]:
    """The lower-cased words of text in ASCII letters and digits only ("café" -> "caf"): the
    words answer evidence and glossary definitions stem. Kept apart from `words` because
    matching evidence on `\\w+` words changes 21 of the 230 snapshot answers."""
    return ASCII_WORD.findall(text.lower())


# --- stop words --------------------------------------------------------------------------
_STOP_TEXT = (
    "a about above after again against all am an and any are as at be because been before "
    "being below between both but by can could did do does doing down during each few for "
    "from further had has have having he her here hers him his how i if in into is it its "
    "itself just me more most my no nor not now of off on once only or other our ours out "
    "over own same she should so some such than that the their theirs them then there these "
    "they this those through to too under until up very was we were what when where which "
    "while who whom why will with would you your yours get got make made use used anyone "
    "anything something thing things actually really much many kind kinds way ways besides "
    "also"
)
STOP_WORDS = frozenset(_STOP_TEXT.split())
"""English function words and a few empty verbs and nouns ("thing", "way"): dropped from the
content words that questions and sentences are matched on."""
DOCUMENT_WORDS = frozenset(("report", "reports", "document", "documents", "paper", "study"))
"""Words that name no particular document ("which report says..."): also dropped when a
question is matched against document titles (index.docnames)."""


# --- stemming ----------------------------------------------------------------------------
_local = threading.local()


def stemmer() -> Any:
    """This thread's English Snowball stemmer (PyStemmer), created on first use: one instance
    per thread, because a PyStemmer instance keeps per-call state and a cache and must not be
    used by two threads at once (the API serves requests on a pool)."""
    found = getattr(_local, "stemmer", None)
    if found is None:
        import Stemmer

        found = _local.stemmer = Stemmer.Stemmer("english")
    return found


def stem_word(word: str) -> str:
    """One word's stem, with this thread's stemmer (a callable for tokenizers that keep it)."""
    return str(stemmer().stemWord(word))


PREFIX_LENGTH = 5


def prefix_stem(word: str) -> str:
    """A crude stem: lower case, plural "s" dropped, first 5 letters ("Coaches" -> "coach").
    Heading detection matches a heading's words to the lead that announces it with this one:
    the Snowball stemmer nests some corpus headings differently, so ingest keeps it."""
    word = word.lower()
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word[:PREFIX_LENGTH]


# --- numbered series ---------------------------------------------------------------------
ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
SERIES_WORDS = ("cohort", "round", "phase", "goal", "tier", "wave") + (
    "year",
    "grade",
    "level",
    "part",
    "step",
)
"""Words that name a member of a numbered series: "Cohort 2", "the second round", "Year 3"."""
SERIES = "|".join(SERIES_WORDS)


# --- sentences ---------------------------------------------------------------------------
_SENTENCE_END = re.compile(r"[.!?][\"”’)\]]*(?=\s)")
_SENTENCE_OR_TEXT_END = re.compile(r"[.!?][\"”’)\]]*(?=\s|$)")


def sentence_ends(text: str, *, at_text_end: bool = False) -> list[int]:
    """Offsets just after each sentence end in text: . ! or ? (with any closing quotes or
    brackets) before white space, or, with at_text_end, also at the very end of text. For
    cutting a quote short at a sentence; `sentence_spans` splits whole documents."""
    pattern = _SENTENCE_OR_TEXT_END if at_text_end else _SENTENCE_END
    return [m.end() for m in pattern.finditer(text)]


# Sentence spans of cleaned text: the units that answers quote verbatim.

# A sentence ends at . ! ? (optionally followed by a closing quote or bracket) before white
# space and an upper-case letter, digit or opening quote; or at a line break.
_END = re.compile(r"(?<=[.!?])[\"”’)\]]{0,2}(?=\s+[\"“‘(\[]?[A-Z0-9])|\n")
# Abbreviations that end with a period but not a sentence.
_ABBREV = re.compile(
    r"\b(?:e\.g|i\.e|etc|vs|Dr|Mr|Ms|Mrs|St|No|Jr|Sr|U\.S|Inc|Co|Corp|Ph\.D|a\.m|p\.m|approx)\.$",
    re.IGNORECASE,
)
_INITIAL = re.compile(r"\b[A-Z]\.$")
MIN_CHARS = 25
MAX_CHARS = 600


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], stripped of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for boundary in _boundaries(text, start, end):
        if boundary < end and _is_abbreviation(text, cursor, boundary):
            continue
        spans.extend(_split_long(text, *_strip(text, cursor, boundary)))
        cursor = boundary
    return [(s, e) for s, e in spans if e - s >= MIN_CHARS and _has_words(text[s:e])]


def _boundaries(text: str, start: int, end: int) -> Iterator[int]:
    for match in _END.finditer(text, start, end):
        yield match.end()
    yield end


def _is_abbreviation(text: str, start: int, boundary: int) -> bool:
    head = text[start:boundary].rstrip('"”’)] \n')
    return bool(_ABBREV.search(head) or _INITIAL.search(head))


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Very long 'sentences' (lists run together) are cut at semicolons or bullets."""
    if end - start <= MAX_CHARS:
        return [(start, end)] if end > start else []
    pieces, cursor = [], start
    for match in re.finditer(r"(?<=;)\s+|\s+(?=[·•] )", text[start:end]):
        cut = start + match.start()
        if cut - cursor >= MIN_CHARS:
            pieces.append(_strip(text, cursor, cut))
            cursor = start + match.end()
    pieces.append(_strip(text, cursor, end))
    return [p for p in pieces if p[1] > p[0]]


def _has_words(sentence: str) -> bool:
    return len(re.findall(r"[A-Za-z]{3,}", sentence)) >= 3
