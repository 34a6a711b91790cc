"""The lexical re-ranking of a short query's candidates (issue 12, second round).

A paragraph often shares a single fingerprint with its source (one sentence bag that
survived the spinner or the shuffle) and with hundreds of other documents: among the
documents with one shared fingerprint, the vote cannot tell the source from a same-topic
article. :func:`lexical_order` re-ranks the best ``pool`` of them by how much of the
query's content the candidate's text holds: every content word of the query (not a
stopword) counts with its rarity weight when the candidate has it, half when the candidate
has one of its thesaurus alternatives instead (the word a spinner replaced). That is BM25's
evidence (every query word against the whole document) restricted to the documents the
fingerprints proposed, so it needs no second index on disk; word order does not matter
(shuffled copies keep their score).
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping, Sequence

from urai.trace.fingerprint import fast_words

__all__ = ["lexical_order", "query_terms"]

#: a query key found in the candidate only through a thesaurus alternative counts this much
ALT_WEIGHT = 0.5
#: ASCII punctuation separates words (the hyphen does not: ``anak-anak`` is one word); the
#: texts are split as UTF-8 bytes, which is several times faster than a str translation
_SPACES = bytes.maketrans(string.punctuation.replace("-", "").encode(),
                          b" " * (len(string.punctuation) - 1))
#: UTF-8 lead bytes of Latin-1 punctuation (« » ·) and of General Punctuation (“ ” ‘ ’ – — …)
_UNICODE_PUNCT = (b"\xc2", b"\xe2\x80")


def _words(text: str) -> set[bytes]:
    """The lower-case words of ``text`` as UTF-8 bytes, split like the query: ASCII
    punctuation by a byte translation; a text with Unicode quotes or dashes (common in
    Indonesian news: “kami”, ANTARA—Presiden) also through the index's word rule
    (:func:`urai.trace.fingerprint.fast_words`), and a word the
    byte split left with a leading or trailing hyphen (``(ANTARA)-Presiden``) also without
    it."""
    raw = text.lower().encode().translate(_SPACES)
    have = set(raw.split())
    if any(p in raw for p in _UNICODE_PUNCT):
        have.update(w.encode() for w in fast_words(raw.decode()))
    edged = [t for t in have if t[:1] == b"-" or t[-1:] == b"-"]
    have.update(t.strip(b"-") for t in edged)
    return have


def query_terms(words: Sequence[tuple[int, int, str]], stopwords: frozenset[str],
                weight: Callable[[str], float], alternatives: Callable[[str], tuple[str, ...]]
                ) -> dict[str, tuple[float, tuple[str, ...]]]:
    """The query's content words (lower case, not stopwords) -> (rarity weight, the
    surfaces of their best thesaurus alternatives)."""
    out: dict[str, tuple[float, tuple[str, ...]]] = {}
    for _, _, w in words:
        if len(w) >= 2 and w not in stopwords and w not in out:
            out[w] = (weight(w), alternatives(w))
    return out


def lexical_order(terms: Mapping[str, tuple[float, tuple[str, ...]]],
                  texts: Mapping[int, str]) -> dict[int, float]:
    """Share of the query's content weight found in each candidate text (0-1): a word
    counts when the text has it, :data:`ALT_WEIGHT` of it when the text has one of its
    alternatives instead (surface forms: a text's words are not looked up, which would
    cost a thesaurus and morphology look-up for every new word of every candidate)."""
    total = sum(w for w, _ in terms.values())
    if total <= 0:
        return {d: 0.0 for d in texts}
    weight = {k.encode(): w for k, (w, _) in terms.items()}
    by_alt: dict[bytes, list[bytes]] = {}
    for k, (_, alts) in terms.items():
        for a in alts:
            by_alt.setdefault(a.encode(), []).append(k.encode())
    direct_keys = weight.keys()
    alt_keys = by_alt.keys()
    out: dict[int, float] = {}
    for doc, text in texts.items():
        have = _words(text)
        direct = have & direct_keys
        got = sum(weight[k] for k in direct)
        via = {k for a in have & alt_keys for k in by_alt[a]} - direct
        out[doc] = (got + ALT_WEIGHT * sum(weight[k] for k in via)) / total
    return out
