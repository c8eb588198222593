"""Acronyms the documents define themselves, for expanding queries.

Two generic sources, no hard-coded lists:

- inline definitions, "Local Control Funding Formula (LCFF)", found with the Schwartz-Hearst
  rule (each letter of the short form appears, in order, in the words before the parenthesis,
  the first one starting a word);
- glossaries: a run of at least ``MIN_GLOSSARY_RUN`` consecutive paragraphs shaped like
  "LCFF Local Control Funding Formula", each passing the same rule.

``expand`` turns a query into the text to add: the long forms of the acronyms it names and the
acronyms of the long forms it spells out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

MIN_GLOSSARY_RUN = 3
MAX_SHORT = 10

_SHORT = rf"[A-Za-z][A-Za-z0-9&/–-]{{1,{MAX_SHORT - 1}}}"
_INLINE = re.compile(r"\((" + _SHORT + r")\)")
_GLOSSARY_LINE = re.compile(r"(" + _SHORT + r")[ \t]+([^\n]{3,120})")
_PLAIN_WORD = re.compile(r"(?<![\w./@-])[a-z][a-z0-9]+(?![\w/@-]|\.\w)")
_WORD = re.compile(r"[\w’'&/–-]+")


def is_short_form(token: str) -> bool:
    """Looks like an acronym: at least two capitals, more capitals than lower-case letters."""
    upper = sum(ch.isupper() for ch in token)
    lower = sum(ch.islower() for ch in token)
    return upper >= 2 and upper > lower and len(token) <= MAX_SHORT


def singular(short: str) -> str:
    """CPAs -> CPA, MOUs -> MOU (a plural 's' after capitals)."""
    return short[:-1] if len(short) > 2 and short.endswith("s") and short[-2].isupper() else short


def match_long_form(short: str, candidate: str) -> str | None:
    """The tail of candidate that short abbreviates: by word initials if they spell it, else by
    the Schwartz-Hearst letter rule. None when neither finds one of a plausible length."""
    letters = [ch.lower() for ch in short if ch.isalnum()]
    if not letters:
        return None
    long_form = match_initials(letters, candidate) or match_letters(letters, candidate)
    if long_form is None:
        return None
    n_words = len(long_form.split())
    if n_words < 2 and len(long_form) <= len(short):
        return None
    return long_form if n_words <= min(len(letters) + 5, len(letters) * 2) else None


def match_initials(letters: list[str], candidate: str) -> str | None:
    """Shortest tail of words whose initials spell letters, skipping short lower-case words
    ("College and Career Academy Support Network" for CCASN)."""
    words = candidate.split()
    want = len(letters) - 1
    for at in range(len(words) - 1, -1, -1):
        word = words[at]
        if word[0].lower() == letters[want]:
            want -= 1
            if want < 0:
                return " ".join(words[at:]).strip(" ,;:")
        elif not (word.islower() and len(word) <= 3):
            return None
    return None


def match_letters(letters: list[str], candidate: str) -> str | None:
    """Schwartz-Hearst: each letter found right to left, the first one starting a word."""
    pos = len(candidate) - 1
    for i in range(len(letters) - 1, -1, -1):
        ch = letters[i]
        while pos >= 0 and (
            candidate[pos].lower() != ch or (i == 0 and pos > 0 and candidate[pos - 1].isalnum())
        ):
            pos -= 1
        if pos < 0:
            return None
        pos -= 1
    start = candidate.rfind(" ", 0, pos + 2) + 1
    return candidate[start:].strip(" ,;:")


def inline_definitions(text: str) -> Iterable[tuple[str, str]]:
    """(short, long) for each "Long Form (SHORT)" in text."""
    for m in _INLINE.finditer(text):
        short = singular(m.group(1))
        if not is_short_form(short):
            continue
        before = text[max(0, m.start() - 200) : m.start()]
        words = _WORD.findall(before.split("\n\n")[-1])
        window = " ".join(words[-(min(len(short) + 5, len(short) * 2)) :])
        long_form = match_long_form(short, window)
        if long_form:
            yield short, long_form


def glossary_definitions(text: str) -> Iterable[tuple[str, str]]:
    """(short, long) from runs of glossary-shaped paragraphs."""
    run: list[tuple[str, str]] = []
    for paragraph in [*text.split("\n\n"), ""]:
        entry = glossary_entry(paragraph.strip())
        if entry:
            run.append(entry)
            continue
        if len(run) >= MIN_GLOSSARY_RUN:
            yield from run
        run = []


def glossary_entry(paragraph: str) -> tuple[str, str] | None:
    m = _GLOSSARY_LINE.fullmatch(paragraph)
    if not m or not is_short_form(m.group(1)):
        return None
    short, rest = singular(m.group(1)), re.sub(r"\s*\([^)]*\)$", "", m.group(2)).strip()
    long_form = match_long_form(short, rest)
    if not long_form or len(long_form.split()) < len(rest.split()) - 1:
        return None  # the definition must be (almost) the whole rest of the line
    return short, long_form


@dataclass
class Acronyms:
    """Short form -> long forms, as the documents define them.

    ``plain_words`` are short forms that the documents also use as ordinary lower-case words
    ("cap"); only their upper-case spelling in a query counts as the acronym.
    """

    long_forms: dict[str, set[str]] = field(default_factory=dict)
    plain_words: set[str] = field(default_factory=set)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> Acronyms:
        found = cls()
        lower_words: set[str] = set()
        for text in texts:
            for short, long_form in [*glossary_definitions(text), *inline_definitions(text)]:
                found.add(short, long_form)
            lower_words.update(_PLAIN_WORD.findall(text))
        found.plain_words = {s.lower() for s in found.long_forms} & lower_words
        return found

    def add(self, short: str, long_form: str) -> None:
        forms = self.long_forms.setdefault(short, set())
        if not any(_fold(long_form) == _fold(f) for f in forms):
            forms.add(long_form)

    def __len__(self) -> int:
        return len(self.long_forms)

    def lookup(self, token: str) -> set[str]:
        """Long forms of token: its exact spelling, or any case unless it is a plain word."""
        token = singular(token)
        if token in self.long_forms:
            return self.long_forms[token]
        if token.lower() in self.plain_words:
            return set()
        folded = token.lower()
        return next((f for s, f in self.long_forms.items() if s.lower() == folded), set())

    def expand(self, query: str) -> str:
        """Words to add to query: long forms of its acronyms, acronyms of its long forms."""
        words = _WORD.findall(query)
        added: list[str] = []
        for word in words:
            added.extend(sorted(self.lookup(word)))
        folded = _fold(query)
        for short, forms in self.long_forms.items():
            if short not in words and any(_fold(f) in folded for f in forms):
                added.append(short)
        return " ".join(added)


def _fold(text: str) -> str:
    return " " + " ".join(w.lower() for w in _WORD.findall(text)) + " "
