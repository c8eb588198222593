"""Documents a query names ("the Nashville memo", "the state plan"), so that their passages
can be preferred.

A document is named when the query holds two consecutive content words that are consecutive
in that document's title and in no other title ("state plan", "executive summary"), or a word
of that title alone, spelled as a proper name (capitalized, not first) and rare in the corpus
("the Nashville memo"). Naming only adds a ranking of
that document's own passages to the fusion; it never hides other documents.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pathways.text import DOCUMENT_WORDS, STOP_WORDS, stemmer

_STOP = STOP_WORDS | DOCUMENT_WORDS


def content_words(text: str) -> list[tuple[str, bool]]:
    """(stem, spelled as a proper name) for each content word of text; the first word of the
    text does not count as a proper name."""
    out = []
    for i, m in enumerate(re.finditer(r"[A-Za-z][A-Za-z0-9-]+", text)):
        word = m.group(0)
        if word.lower() in _STOP or len(word) < 3:
            continue
        proper = i > 0 and word[0].isupper() and not word.isupper()
        out.append((stemmer().stemWord(word.lower()), proper))
    return out


RARE_SHARE = 0.1  # a proper name in at most this share of passages can name a document


@dataclass
class DocumentNames:
    """Title phrases (stem pairs) and proper names that belong to one document."""

    pairs: dict[tuple[str, str], str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_titles(cls, titles: Mapping[str, str], passages: Sequence[str] = ()) -> DocumentNames:
        pairs: dict[tuple[str, str], set[str]] = {}
        singles: dict[str, set[str]] = {}
        for doc_id, title in titles.items():
            stems = [s for s, _ in content_words(title)]
            for pair in zip(stems, stems[1:], strict=False):
                pairs.setdefault(pair, set()).add(doc_id)
            for stem in stems:
                singles.setdefault(stem, set()).add(doc_id)
        df = Counter(s for text in passages for s in {s for s, _ in content_words(text)})
        limit = RARE_SHARE * max(1, len(passages))
        return cls(
            pairs={p: next(iter(d)) for p, d in pairs.items() if len(d) == 1},
            names={s: next(iter(d)) for s, d in singles.items() if len(d) == 1 and df[s] <= limit},
        )

    def named(self, query: str) -> list[str]:
        """The documents the query names."""
        return self.named_by(content_words(query))

    def named_by(self, words: Sequence[tuple[str, bool]]) -> list[str]:
        """The documents named by a query's ``content_words``."""
        found = {self.names[s] for s, proper in words if proper and s in self.names}
        stems = [s for s, _ in words]
        found |= {self.pairs[p] for p in zip(stems, stems[1:], strict=False) if p in self.pairs}
        return sorted(found)
