"""Rule-based recognition of organizations named in career-pathway reports.

Names in this field follow strong conventions. A run of capitalized words ends in a type word
("... Unified School District", "... County Office of Education", "... Consortium"), or a type
word heads an "of/for" phrase ("University of California", "Corporation for ..."). A document
also teaches us names of its own: acronyms it defines ("Alameda County Office of Education
(ACOE)", glossary lines "VUSD  Visalia Unified School District"), appositions ("Leprino, the
nation's largest mozzarella cheese maker"), "X, led by the Y", and the bare place name of a
district it has named in full ("Porterville" after "Porterville Unified School District").
US states count when they act ("Hawaii schools", "Tennessee:"), not as places ("in Texas").

The parts: `ingest.org_words` (vocabulary, canonical keys), `ingest.org_tokens`,
`ingest.org_names` (names with a type word), `ingest.org_context` (names a document teaches).

Run `find_organizations` on a whole cleaned document and assign mentions to chunks by offset:
acronym and short-name mentions depend on the document's own definitions. Precision comes
first: a type word with no proper name in front ("The School District", "Each Consortium")
names nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ingest.org_context import (
    _acronym_shape_candidates,
    _alias_candidates,
    _context_candidates,
    _positions,
    _state_candidates,
    _stem_candidates,
)
from ingest.org_names import _head_of_candidates, _suffix_candidates
from ingest.org_tokens import _Found, _tokenize
from ingest.org_words import KINDS, OrgMention, canonical_key

logger = logging.getLogger(__name__)

# --------------------------------------------------------------------------- public


def _resolve(found: Iterable[_Found]) -> list[_Found]:
    """Leftmost-longest non-overlapping mentions; equal spans go to the higher priority."""
    ordered = sorted(
        found, key=lambda f: (f.mention.start, f.mention.start - f.mention.end, -f.priority)
    )
    kept: list[_Found] = []
    for f in ordered:
        if not kept or f.mention.start >= kept[-1].mention.end:
            kept.append(f)
    return kept


def find_organizations(text: str) -> list[OrgMention]:
    """Organizations named in `text`, in order, with canonical display names and kinds."""
    tokens = _tokenize(text)
    positions = _positions(tokens)
    found = _resolve(_suffix_candidates(tokens) + _head_of_candidates(tokens))
    found = _resolve(found + _alias_candidates(text, tokens, found))
    found = _resolve(found + _context_candidates(tokens, found))
    found = _resolve(found + _acronym_shape_candidates(tokens, found))
    found = _resolve(found + _stem_candidates(tokens, positions, found))
    found = _resolve(found + _state_candidates(tokens, positions, found))
    return [f.mention for f in found]


__all__ = ["KINDS", "OrgMention", "canonical_key", "find_organizations"]
