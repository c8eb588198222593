"""Evidence: the sentence table with what each sentence says (terms, names, whether it is a
posed question or no evidence at all), how a sentence is quoted (with the next one, a list it
introduces, a quotation it opens), and the pick of a few relevant, different sentences. The
sentences' scores come from the fitted model (answer.model)."""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.store import SentenceTable
from pathways.text import ORDINALS, STOP_WORDS, ascii_words, sentence_ends, stemmer

REDUNDANT_COSINE = 0.86
RARE_NAME_SHARE = 0.02  # a capitalized word in more sentences than this is no distinctive name
_NAME = re.compile(r"\b(?:[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}\w*|[A-Z][a-z]\w+)\b")
LIST_CHARS = 1200
BACK_MATTER = re.compile(
    r"\b(?:acknowledg\w*|endnotes|footnotes|references|bibliography|works cited|"
    r"about the authors?)\b",
    re.IGNORECASE,
)
MIN_WORDS = 5  # "Senior Program Manager, JFF" is a byline, not evidence
_WORD = re.compile(r"[A-Za-z][\w’'-]*")
_URL = re.compile(r"(?:[\w ]{0,30}:\s*)?(?:https?://|www\.)\S+")
# a sentence adding a parallel item: "The CDE also sponsors", "Another district", "Similarly,"
_CONTINUES = re.compile(
    r"\W*(?:(?:[\w’'-]+\s+){1,4}also\b|(?:another|additionally|in addition|similarly|likewise|"
    r"also|other|others|a second|a third|still other)\b)",
    re.IGNORECASE,
)  # a sentence ending in ":" is quoted with the bulleted items that follow
# a sentence announcing a set of things: "several different data tools", "three major lessons"
_ANNOUNCES = re.compile(
    r"\b(?:several|various|a number of|multiple|two|three|four|five|six)\s+"
    r"(?:[a-z-]+\s+){0,2}?(?!(?:years|months|weeks|days|hours|decades|times|dollars)\b)"
    r"[a-z]{3,}s\b",
    re.IGNORECASE,
)
_FIRST_FIVE = "|".join(ORDINALS[:5])
_ORDINAL = re.compile(
    rf"\s*(?:{_FIRST_FIVE}|finally|lastly|the (?:{_FIRST_FIVE}|final|last|next) \w+)\b",
    re.IGNORECASE,
)
_ITEM = re.compile(r"[ \t]*(?:[•·▪◦*-]|\d{1,2}[.)])\s+\S")
_NEXT_PARAGRAPH = re.compile(r"[ \t]*\n[ \t]*\n?[ \t]*(\S)")


def terms(text: str) -> list[str]:
    """Content-word stems: lower-cased, stop words dropped."""
    words = [w for w in ascii_words(text) if w not in STOP_WORDS]
    return list(stemmer().stemWords(words))


_EXCLUDED = re.compile(
    r"\b(?:besides|other than|apart from|aside from|except(?: for)?|excluding|not counting)\s+"
    r"([^,;?]+)",
    re.IGNORECASE,
)


def question_terms(question: str) -> list[str]:
    """The content-word stems a sentence should share with the question: those of a phrase
    the question sets aside ("Besides CCPT, what other funding…") do not count."""
    excluded = {t for m in _EXCLUDED.finditer(question) for t in terms(m.group(1))}
    return [t for t in terms(question) if t not in excluded]


@dataclass(frozen=True)
class Candidate:
    row: int  # row in the sentence table
    doc_id: str
    start: int
    end: int
    dense: float
    lexical: float
    chunk_rank: int
    score: float


class SentenceIndex:
    """The sentence table with lookup by span and inverse document frequencies of stems."""

    def __init__(
        self, table: SentenceTable, texts: dict[str, str], headings: Sequence[str] = ()
    ) -> None:
        """headings[row]: the sentence's section heading, whose words count as its own (a
        bullet under "Barriers" is about barriers)."""
        self.table = table
        self.texts = texts
        self.by_doc: dict[str, list[int]] = {}
        for row, doc_id in enumerate(table.doc_ids):
            self.by_doc.setdefault(doc_id, []).append(row)
        heads = list(headings) or [""] * len(table.doc_ids)
        # each sentence's stems (and its heading's) as ids in one flat array: a Python set per
        # sentence was most of an answering server's memory at 100k chunks (435k sets)
        said = [self.text(row) for row in range(len(heads))]
        self._term_id: dict[str, int] = {}
        ids, ends = array("i"), array("q", [0])
        df: Counter[str] = Counter()
        for row in range(len(heads)):
            found = set(terms(said[row])) | set(terms(heads[row]))
            df.update(found)
            ids.extend(self._term_id.setdefault(t, len(self._term_id)) for t in found)
            ends.append(len(ids))
        self._ids, self._ends = np.frombuffer(ids, dtype=np.int32), np.frombuffer(ends, np.int64)
        spelled = [set(_NAME.findall(sentence)[1:]) for sentence in said]
        first = [(_NAME.match(sentence.lstrip('•·*- “"')) or [""])[0] for sentence in said]
        name_df = Counter(w.lower() for ws in spelled for w in ws)
        rare = max(1.0, RARE_NAME_SHARE * len(heads))
        self._rare_names = {w for w, n in name_df.items() if n <= rare}
        named = (
            (row, {w.lower() for w in ws if name_df[w.lower()] <= rare and w != first[row]})
            for row, ws in enumerate(spelled)
        )
        self._names = {row: found for row, found in named if found}  # most sentences name none
        rows = range(len(table.doc_ids))
        self._posed = {row for row in rows if _posed(texts[table.doc_ids[row]], *table.spans[row])}
        # bare links, back matter (endnotes, acknowledgements, references) and bylines say
        # nothing about the subject: never evidence
        self._noise = {
            row
            for row in rows
            if _URL.fullmatch(said[row].strip("•·*-<>()[] "))
            or BACK_MATTER.search(heads[row])
            or len(_WORD.findall(said[row])) < MIN_WORDS
        }
        n = max(1, len(heads))
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.default_idf = math.log(1 + n)

    def text(self, row: int) -> str:
        start, end = self.table.spans[row]
        return self.texts[self.table.doc_ids[row]][start:end]

    def rows_within(self, doc_id: str, start: int, end: int) -> list[int]:
        """Sentences that overlap [start, end) by at least half their length."""
        rows = []
        for row in self.by_doc.get(doc_id, []):
            s, e = self.table.spans[row]
            if s >= end:
                break
            if min(e, end) - max(s, start) >= (e - s) / 2:
                rows.append(row)
        return rows

    def extend(self, row: int, max_chars: int, *, items: bool = False) -> tuple[str, int, int]:
        """The sentence's span, extended by the following sentence of the same paragraph while
        the whole stays within max_chars and it announces nothing beyond the window: the
        sentence that restates a question is often followed by the one that answers it. A
        sentence that introduces a list ("partners included:") takes the bulleted items that
        follow it, up to LIST_CHARS, and one that introduces a speaker ("A coach said:") the
        paragraph that follows. With ``items`` (list answers), following sentences that add a
        parallel item ("CDE also sponsors…", "Another consortium…") join too, up to
        LIST_CHARS."""
        doc_id = self.table.doc_ids[row]
        text = self.texts[doc_id]
        end = self.table.spans[row][1]
        start = self.quotation_start(row)
        if announces(text[start:end]):  # what it announces is the substance: quote that too
            return doc_id, start, announced_end(text, end, start + LIST_CHARS)
        if items and _ANNOUNCES.search(text[start:end]):
            return doc_id, start, enumeration_end(text, end, start + LIST_CHARS)
        nxt = row + 1
        while nxt < len(self.table.doc_ids) and self.table.doc_ids[nxt] == doc_id:
            s, e = self.table.spans[nxt]
            between = text[end:s]
            if between.strip() or "\n" in between:
                break
            if items and _CONTINUES.match(text[s:e]) and e - start <= LIST_CHARS:
                end, nxt = e, nxt + 1
                continue
            if nxt == row + 1 and e - start <= max_chars:
                if not announces(text[s:e]):
                    end = e
                else:  # a lead-in ("A coach said:") comes with what it announces, or not at all
                    announced = announced_end(text, e, start + LIST_CHARS)
                    end = announced if announced > e else end
            break
        return doc_id, start, close_quotation(text, start, end, start + LIST_CHARS)

    def quotation_start(self, row: int) -> int:
        """Where the sentence's citation starts: the sentence itself, or, when it closes a
        quotation that an earlier sentence of its paragraph opened ('… it’s a new thing.”'),
        that earlier sentence, so the speaker is not cut off (up to LIST_CHARS back)."""
        doc_id = self.table.doc_ids[row]
        text = self.texts[doc_id]
        start, end = self.table.spans[row]
        span = text[start:end]
        if span.count("”") <= span.count("“"):
            return start
        paragraph = _line_start(text, start)
        opened = text.rfind("“", max(paragraph, end - LIST_CHARS), start)
        if opened < 0:
            return start
        earlier = row
        while earlier > 0 and self.table.doc_ids[earlier - 1] == doc_id:
            s, e = self.table.spans[earlier - 1]
            if e <= opened or s < paragraph:
                break
            earlier -= 1
        return min(start, self.table.spans[earlier][0]) if earlier != row else opened

    def row_containing(self, doc_id: str, start: int, end: int) -> int | None:
        """The sentence that holds [start, end), if any."""
        for row in self.by_doc.get(doc_id, []):
            s, e = self.table.spans[row]
            if s > start:
                return None
            if start >= s and end <= e:
                return row
        return None

    def posed_question(self, row: int) -> bool:
        """The sentence is a question standing on its own line with only other questions (an
        agenda, a request, a survey item): it restates what a user may ask and answers nothing.
        A question inside a paragraph ("For instance, can a student … show the math?") is
        part of what the report says."""
        return row in self._posed

    def no_evidence(self, row: int) -> bool:
        """The sentence is a bare link, a byline or back matter, which is no evidence."""
        return row in self._noise

    def names(self, row: int) -> set[str]:
        """Rare proper names and acronyms in the sentence (lower-cased), not counting its first
        word: words spelled with a capital that few sentences of the corpus use."""
        return self._names.get(row, set())

    def rare_names(self, text: str) -> set[str]:
        """The rare proper names and acronyms of a text (a question), lower-cased, its first
        word aside: what a figure must be about ("the CTE Incentive Grant")."""
        return {w.lower() for w in _NAME.findall(text)[1:]} & self._rare_names

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.default_idf)

    def lexical(self, query_terms: Sequence[str], row: int) -> float:
        """IDF-weighted share of the question's content words found in the sentence."""
        if not query_terms:
            return 0.0
        unique = set(query_terms)
        total = sum(self.weight(t) for t in unique)
        have = set(self._ids[self._ends[row] : self._ends[row + 1]].tolist())
        found = sum(self.weight(t) for t in unique if self._term_id.get(t, -1) in have)
        return found / total if total else 0.0


def _line_start(text: str, at: int) -> int:
    return text.rfind("\n", 0, at) + 1


def _line_end(text: str, at: int) -> int:
    found = text.find("\n", at)
    return len(text) if found < 0 else found


def _posed(text: str, start: int, end: int) -> bool:
    """text[start:end] stands on its own line with only other questions (see
    SentenceIndex.posed_question)."""
    line = text[_line_start(text, start) : _line_end(text, end)]
    body = re.sub(r"^\s*(?:[•·▪◦*-]|\d{1,2}[.)])\s*", "", line).strip()
    return bool(body) and all(
        part.rstrip("”’\"') ").endswith("?") for part in re.split(r"(?<=[?.!])\s+", body)
    )


def close_quotation(text: str, start: int, end: int, limit: int) -> int:
    """``end``, moved past the closing quotation mark when text[start:end] opens a quotation
    that it does not close ('has been a “great value-add.'), so that a citation never cuts a
    speaker off mid-quote. Only within the paragraph and up to ``limit``."""
    span = text[start:end]
    if span.count("“") > span.count("”"):
        close = "”"
    elif span.count('"') % 2 == 1:
        close = '"'
    else:
        return end
    found = text.find(close, end, min(limit, _line_end(text, end)))
    return end if found < 0 else found + 1


def enumeration_end(text: str, end: int, limit: int) -> int:
    """The end of the enumeration a sentence announces ("Respondents mentioned several
    different data tools…", "…taught them three major lessons…"): the rest of its paragraph,
    then following paragraphs that open with an ordinal ("The first lesson…", "Second, …",
    "Finally, …"), up to ``limit``, cut at a sentence end."""
    paragraph_end = min(limit, _line_end(text, end))
    cursor = _last_sentence_end(text, end, paragraph_end) or end
    for match in re.finditer(r"[^\n]+", text[paragraph_end:limit]):
        line = match.group(0)
        if not line.strip():
            continue
        if not _ORDINAL.match(line):
            break
        line_end = paragraph_end + match.end()
        found = _last_sentence_end(text, paragraph_end + match.start(), min(line_end, limit))
        if found is None:
            break
        cursor = found
    return cursor


def _last_sentence_end(text: str, start: int, stop: int) -> int | None:
    """The end of the last whole sentence in text[start:stop]."""
    ends = sentence_ends(text[start:stop], at_text_end=True)
    return start + ends[-1] if ends else None


def announces(sentence: str) -> bool:
    """A lead-in: the sentence ends with a colon ("A rural superintendent said:")."""
    return sentence.rstrip().endswith(":")


def announced_end(text: str, end: int, limit: int) -> int:
    """The end of what a lead-in (ending at ``end``) announces: the bulleted or numbered items
    that follow it (list_end), else the next paragraph (a speaker's words set apart), whole if
    it fits before ``limit``, else its sentences up to there; ``end`` when there is none."""
    listed = list_end(text, end, limit)
    if listed > end:
        return listed
    found = _NEXT_PARAGRAPH.match(text, end)
    if not found:
        return end
    paragraph = found.start(1)
    paragraph_end = _line_end(text, paragraph)
    if paragraph_end <= limit:
        return paragraph_end
    return _last_sentence_end(text, paragraph, limit) or end


def list_end(text: str, end: int, limit: int) -> int:
    """The end of the bulleted or numbered items that follow ``end`` (which ends a sentence
    introducing them), stopping at the first paragraph that is not an item or at ``limit``."""
    cursor = end
    for match in re.finditer(r"[^\n]+", text[end:limit]):
        line = match.group(0)
        if not line.strip():
            continue
        stop = end + match.end()
        if not _ITEM.match(line) or (stop == limit and text[stop : stop + 1] not in ("", "\n")):
            break
        cursor = stop
    return cursor


def span_ranks(index: SentenceIndex, spans: Sequence[tuple[str, int, int]]) -> dict[int, int]:
    """Sentence row -> rank of the first retrieved span that holds it."""
    seen: dict[int, int] = {}
    for rank, (doc_id, start, end) in enumerate(spans, start=1):
        for row in index.rows_within(doc_id, start, end):
            seen.setdefault(row, rank)
    return seen


def select(
    candidates: Sequence[Candidate],
    vectors: np.ndarray,
    n: int,
    *,
    floor: float = 0.0,
) -> list[Candidate]:
    """Greedy pick of the best candidates, skipping near-duplicates (cosine above
    REDUNDANT_COSINE to a picked sentence, e.g. a summary repeating its report)."""
    picked: list[Candidate] = []
    for cand in candidates:
        if len(picked) >= n or cand.score < floor:
            break
        if any(float(vectors[cand.row] @ vectors[p.row]) > REDUNDANT_COSINE for p in picked):
            continue
        picked.append(cand)
    return picked
