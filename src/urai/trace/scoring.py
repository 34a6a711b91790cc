"""Candidate voting and match scoring: the one definition that ``urai trace`` and
``urai cluster`` share.

* :func:`vote` — given, for each fingerprint of a query, the documents that hold it, rank the
  documents by the number of fingerprints they share with the query and keep those worth
  aligning: at least ``min_shared`` shared fingerprints (or all of the query's, when it has
  fewer), at least :data:`VERIFY_SHARE` of the leader's votes, at most ``verify`` of them;
* :func:`match_score` — the score of a verified candidate from its alignment coverage (the
  share of the query's words the source explains, copied or swapped) and its containment
  (the share of the query's fingerprints found in the source);
* :func:`accepts` — whether an alignment is a match at a coverage threshold.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["VERIFY_SHARE", "PASSAGE_SHARE", "COVERAGE_WEIGHT", "Candidate", "vote",
           "match_score", "accepts", "accepts_passage", "passage_verify"]

#: candidates with fewer than this share of the best candidate's shared fingerprints are not
#: aligned (a stitched text's second source has about half; near-miss same-topic articles and
#: distractors sharing a sentence or two have a few percent)
VERIFY_SHARE = 0.1
#: the same share for passage-level queries: a long text may hold a 30-word passage of one
#: source beside a whole copied article of another, so the share is much lower and the
#: number of candidates (:func:`passage_verify`) bounds the work instead
PASSAGE_SHARE = 0.02
#: weight of coverage in :func:`match_score` (the rest is containment)
COVERAGE_WEIGHT = 0.8

D = TypeVar("D", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Candidate(Generic[D]):
    """A document worth aligning with the query: its key, the fingerprints it shares with the
    query, and ``containment = min(1, shared / query fingerprints)``."""

    doc: D
    shared: int
    containment: float


def vote(postings: Iterable[Iterable[D]], n_query: int, *, min_shared: int,
         verify: int, share: float = VERIFY_SHARE,
         specific_ties: bool = False) -> list[Candidate[D]]:
    """Rank the documents of ``postings`` (one iterable of documents per query fingerprint)
    by shared fingerprints, best first (ties: first seen first), and keep the ones to align.

    ``n_query`` is the number of the query's own fingerprints (the containment's
    denominator, at least 1); ``share`` is the least share of the leader's votes a candidate
    needs (:data:`VERIFY_SHARE` by default). With ``specific_ties``, documents with the
    same number of shared fingerprints are ordered by how specific those are (the sum of
    1 / documents per fingerprint: a fingerprint only the source has beats one that a
    hundred same-topic articles share)."""
    votes: Counter[D] = Counter()
    spec: dict[D, float] = {}
    for docs in postings:
        docs = list(docs)
        votes.update(docs)
        if specific_ties and docs:
            w = 1.0 / len(docs)
            for d in docs:
                spec[d] = spec.get(d, 0.0) + w
    n_base = max(1, int(n_query))
    need: float = min(min_shared, n_base)
    if specific_ties:
        ranked = sorted(votes.items(), key=lambda dc: (-dc[1], -spec[dc[0]]))[:verify]
    else:
        ranked = votes.most_common(verify)
    if ranked:  # verify only candidates with a fair share of the leader's votes
        need = max(need, ranked[0][1] * share)
    return [Candidate(d, c, min(1.0, c / n_base)) for d, c in ranked if c >= need]


def match_score(coverage: float, containment: float) -> float:
    """``0.8 * coverage + 0.2 * containment`` (rounded to 6 places, as reported)."""
    return round(COVERAGE_WEIGHT * coverage + (1.0 - COVERAGE_WEIGHT) * containment, 6)


def accepts(coverage: float, threshold: float) -> bool:
    """A verified candidate is a match when its coverage reaches the threshold (and is > 0)."""
    return coverage >= threshold and coverage > 0


#: a passage matched only as a bag of words (``paraphrased``) needs this much more
#: similarity than one whose words follow the source's: on folds 01-04, sentences of
#: unrelated same-story articles that share a name-and-title phrase reached 0.70 as bags,
#: and a held-out fold 01-04 article shared a 28-word sentence pair at 0.72 (0.15 cost no
#: passage of the fold 01-04 tuning set, 0.2 cost located recall)
PARAPHRASE_MARGIN = 0.15


def accepts_passage(query_words: int, similarity: float, min_words: int,
                    min_similarity: float, kind: str = "spun") -> bool:
    """A verified candidate is also a match when one located passage has at least
    ``min_words`` query words at a similarity of at least ``min_similarity`` (plus
    :data:`PARAPHRASE_MARGIN` for a ``paraphrased`` passage)."""
    need = min_similarity + (PARAPHRASE_MARGIN if kind == "paraphrased" else 0.0)
    return query_words >= min_words and similarity >= need


def passage_verify(verify: int, sentences: int) -> tuple[int, float]:
    """How many candidates a passage-level query aligns, and the least share of the
    leader's votes they need: ``verify`` for a paragraph, up to four times as many for a
    long text (one more per three sentences), at :data:`PASSAGE_SHARE`."""
    return max(verify, min(4 * verify, sentences // 3)), PASSAGE_SHARE
