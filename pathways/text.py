"""The one text toolkit: the word patterns, stop list, stemmer, sentence splitter and the words
of numbered series that every stage uses. Bottom layer: standard library and PyStemmer only."""

from __future__ import annotations

ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth")
