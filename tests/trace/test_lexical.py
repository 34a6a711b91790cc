"""The lexical re-ranking of a paragraph's candidates (urai.trace.lexical), on a real
SQLite index with urai's shipped thesaurus."""

from __future__ import annotations

from pathlib import Path

import pytest

from urai.trace.fingerprint import IndexConfig
from urai.trace.index import RERANK_FIRST, Index
from urai.trace.lexical import lexical_order, query_terms

STOCK = ("Petugas gabungan mengerahkan perahu karet untuk mengevakuasi lansia dan anak-anak "
         "ke tempat pengungsian yang lebih aman setelah hujan deras mengguyur kawasan hulu.")
# short sentences (two content words each) get no sentence-bag fingerprint and no names: only
# the text itself tells the source from the other documents holding STOCK
OWN = " Warga mengungsi. Sungai meluap. Jembatan putus. Sekolah diliburkan. Ternak hanyut."


def test_lexical_order_counts_words_alternatives_and_splits_punctuation() -> None:
    terms = {"rumah": (1.0, ()), "anak-anak": (1.0, ("bocah",)), "kpk": (2.0, ())}
    got = lexical_order(terms, {1: "Rumah (KPK), bocah.", 2: "anak-anak", 3: "perumahan"})
    assert got[1] == (1.0 + 0.5 + 2.0) / 4.0
    assert got[2] == 1.0 / 4.0
    assert got[3] == 0.0  # a word inside another word is not that word
    assert lexical_order({}, {1: "x"}) == {1: 0.0}


def test_query_terms_skip_stopwords_and_repeats() -> None:
    words = [(0, 5, "rumah"), (6, 9, "dan"), (10, 15, "rumah"), (16, 19, "kpk")]
    terms = query_terms(words, frozenset({"dan"}), lambda w: 0.5, lambda w: ("x",))
    assert terms == {"rumah": (0.5, ("x",)), "kpk": (0.5, ("x",))}


def test_rerank_finds_the_source_among_documents_with_the_same_votes(tmp_path: Path) -> None:
    # the decoys have the same fingerprints as the source (STOCK's), so the same votes
    decoys = [(f"decoy{i}", STOCK + " Listrik padam. Jalan licin.") for i in range(12)]
    with Index(tmp_path / "lex.db") as idx:
        idx.add(decoys + [("source", STOCK + OWN)])  # the source has the last doc number
    query = STOCK + OWN
    plain = IndexConfig(verify=1, rerank=0)
    with Index(tmp_path / "lex.db", create=False, readonly=True, config=plain) as idx:
        cands = idx._candidates(query, len(query.split()), True, None)
        assert len(cands) == 1 and idx._store.doc_info(cands[0].doc)[0] != "source"
    with Index(tmp_path / "lex.db", create=False, readonly=True,
               config=IndexConfig(verify=1, rerank=50)) as idx:
        res = idx.trace(query)
        assert res.best is not None and res.best.id == "source"
        # the decoys are no better than the source: they stay out of the matches
        assert [m.id for m in res.matches] == ["source"]


def test_a_decided_vote_aligns_only_verify_candidates(tmp_path: Path) -> None:
    # many documents share the query's fingerprints: without the re-ranking (a leader with
    # more than RERANK_VOTES votes) no more than `verify` of them are aligned
    text = ("Presiden Joko Widodo meresmikan Bendungan Karian di Lebak, Banten, pada Senin "
            "bersama Gubernur Wahidin Halim dan Menteri PUPR Basuki Hadimuljono. ")
    with Index(tmp_path / "v.db") as idx:
        idx.add([(f"d{i}", text + f"Acara itu dihadiri {i} warga.") for i in range(20)])
    with Index(tmp_path / "v.db", create=False, readonly=True,
               config=IndexConfig(verify=2, rerank=50)) as idx:
        cands = idx._candidates(text, len(text.split()), True, None)
        assert cands and cands[0].shared > 3
        assert len(cands) <= 2
        from urai.trace.align import word_spans
        from urai.trace.passages import prepare
        prep = prepare(text, word_spans(text), idx._memo, idx._fp.stopwords, idx._weight)
        assert len(idx._candidates(text, len(text.split()), True, prep)) <= 2


def _reads(idx: Index) -> list[int]:
    """Record how many texts each SQLite read of the re-ranking asks for (the real store
    method still runs)."""
    sizes: list[int] = []
    real = idx._store.texts_by_docs

    def spy(docs: list[int]) -> dict[int, str]:
        sizes.append(len(docs))
        return real(docs)

    idx._store.texts_by_docs = spy  # type: ignore[method-assign]
    return sizes


@pytest.mark.parametrize("source_first", [True, False])
def test_rerank_reads_the_rest_of_the_pool_only_without_a_clear_winner(
        tmp_path: Path, source_first: bool) -> None:
    decoys = [(f"decoy{i}", STOCK + " Listrik padam. Jalan licin.") for i in range(12)]
    source = [("source", STOCK + OWN)]
    with Index(tmp_path / "lex.db") as idx:
        idx.add(source + decoys if source_first else decoys + source)
    query = STOCK + OWN
    with Index(tmp_path / "lex.db", create=False, readonly=True,
               config=IndexConfig(verify=1, rerank=50)) as idx:
        sizes = _reads(idx)
        res = idx.trace(query)
        assert res.best is not None and res.best.id == "source"
    # the source holds all of the query's content (>= RERANK_STOP): when it is among the
    # vote's first RERANK_FIRST, the other texts are not read
    pool = len(decoys) + 1
    if source_first:
        assert sizes == [RERANK_FIRST]
    else:
        assert sizes == [RERANK_FIRST, pool - RERANK_FIRST]


def test_candidate_texts_are_split_like_the_query() -> None:
    # Unicode quotes and dashes (common in Indonesian news) and a hyphen left at a word's
    # edge by the byte split must not hide a query word from the candidate's text
    from urai.trace.lexical import _words

    terms = {"kami": (1.0, ()), "presiden": (1.0, ()), "itu": (1.0, ()), "anak-anak": (1.0, ())}
    texts = {1: "“Kami” bertemu (ANTARA)-Presiden anak-anak—itu", 2: "tidak ada"}
    got = lexical_order(terms, texts)
    assert got[1] == pytest.approx(1.0) and got[2] == 0.0
    assert {b"kami", b"presiden", b"itu", b"anak-anak"} <= _words(texts[1])
