"""Passage-level trace: located passages (kinds, offsets), unmatched spans, sentence-bag
fingerprints, JSON shapes; real SQLite index and urai's shipped thesaurus."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from urai.simulate.spinner import spin
from urai.trace.align import word_spans
from urai.trace.fingerprint import Fingerprinter, IndexConfig
from urai.trace.index import Index
from urai.trace.passages import Passage, Span, sentences, unmatched_spans

SOURCE = (
    "Banjir setinggi satu meter merendam ratusan rumah warga di tepi sungai setelah hujan "
    "deras mengguyur kawasan hulu sejak sore hari. Petugas gabungan mengerahkan perahu karet "
    "untuk mengevakuasi lansia dan anak-anak ke tempat pengungsian yang lebih aman. "
    "Pemerintah daerah menyiapkan dapur umum serta bantuan selimut dan makanan bagi para "
    "pengungsi yang terus berdatangan hingga malam. Kepala dinas sosial mengatakan bantuan "
    "tambahan akan dikirim besok pagi apabila air belum juga surut dari permukiman."
)
OTHER = (
    "Tim nasional bola voli putri berlatih keras menjelang kejuaraan antarnegara di ibu kota "
    "bulan depan. Pelatih kepala menilai pertahanan tim masih perlu dibenahi terutama saat "
    "menerima servis lawan yang keras dan cepat. Para pemain muda diberi kesempatan tampil "
    "dalam uji coba melawan klub profesional pada akhir pekan ini."
)
FILLER = (
    "Harga cabai rawit di pasar tradisional naik tajam dalam sepekan terakhir karena pasokan "
    "dari petani berkurang. Pedagang berharap harga kembali normal setelah musim panen tiba. "
)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    idx = Index(tmp_path_factory.mktemp("p") / "p.db")
    idx.add([("banjir", SOURCE), ("voli", OTHER)])
    yield idx
    idx.close()


def _shuffle_words(text: str, seed: int) -> str:
    rng = random.Random(seed)
    out = []
    for sent in text.split(". "):
        words = sent.rstrip(".").split()
        rng.shuffle(words)
        out.append(" ".join(words))
    return ". ".join(out) + "."


def test_verbatim_paragraph_is_located_with_exact_offsets(index: Index) -> None:
    para = SOURCE[SOURCE.index("Petugas"): SOURCE.index("Kepala dinas")].strip()
    res = index.trace(para)
    assert res.best is not None and res.best.id == "banjir"
    (p,) = res.best.passages
    assert p.kind == "verbatim" and p.similarity == 1.0 and p.swaps == 0
    assert (p.query_start, p.query_end) == (0, len(para.rstrip(".")))
    assert SOURCE[p.source_start: p.source_end] == para[p.query_start: p.query_end]
    assert res.unmatched == ()


def test_spun_and_shuffled_copies_get_their_kinds(index: Index) -> None:
    spun = spin(SOURCE, 0.3, seed=3).text
    m = index.trace(spun).best
    assert m is not None and m.id == "banjir"
    assert {p.kind for p in m.passages} == {"spun"} and sum(p.swaps for p in m.passages) > 0
    shuffled = _shuffle_words(SOURCE, 1)
    m = index.trace(shuffled).best
    assert m is not None and m.id == "banjir", "word-shuffled copy not found"
    assert m.passages and all(p.kind in ("reordered", "paraphrased") for p in m.passages)
    covered = sum(p.query_end - p.query_start for p in m.passages)
    assert covered > 0.8 * len(shuffled)


def test_passage_in_a_longer_text_and_unmatched_spans(index: Index) -> None:
    para = SOURCE[: SOURCE.index("Pemerintah")].strip()
    text = FILLER + para + " " + FILLER
    res = index.trace(text)
    assert [m.id for m in res.matches] == ["banjir"]
    (p,) = res.best.passages
    start = len(FILLER)
    assert abs(p.query_start - start) <= 2 and abs(p.query_end - (start + len(para))) <= 2
    # the added sentences are reported as unmatched, on both sides of the copy
    assert len(res.unmatched) == 2
    assert res.unmatched[0].start == 0 and res.unmatched[0].end <= p.query_start
    assert res.unmatched[1].start >= p.query_end
    assert text[res.unmatched[1].start:].startswith("Harga")


def test_unrelated_text_has_no_match_and_is_all_unmatched(index: Index) -> None:
    res = index.trace(FILLER * 2)
    assert res.matches == ()
    assert res.unmatched == (Span(0, len((FILLER * 2).rstrip().rstrip(".")),
                                  len(word_spans(FILLER * 2))),)


def test_two_sources_each_with_their_passage(index: Index) -> None:
    a = SOURCE[: SOURCE.index("Pemerintah")].strip()
    b = OTHER[: OTHER.index("Para pemain")].strip()
    text = a + "\n\n" + FILLER + "\n\n" + b
    res = index.trace(text, top=5)
    by_id = {m.id: m for m in res.matches}
    assert set(by_id) == {"banjir", "voli"}
    assert by_id["banjir"].passages[0].query_end <= len(a) + 1
    assert by_id["voli"].passages[0].query_start >= len(a) + len(FILLER)


def test_one_shared_sentence_is_shared_text_not_a_source(index: Index) -> None:
    # a single real sentence (16 words) that two reports of one story both quote: too short
    # to call the indexed article a source, still reported, located, in ``shared``
    sent = SOURCE[SOURCE.index("Petugas"): SOURCE.index("Pemerintah")].strip()
    text = FILLER * 2 + sent + " " + FILLER * 2  # coverage under 0.2: no whole/half copy
    res = index.trace(text)
    assert res.matches == ()
    assert [x.id for x in res.shared] == ["banjir"]
    (p,) = res.shared[0].passages
    assert abs(p.query_start - 2 * len(FILLER)) <= 2 and p.query_words == len(sent.split())
    assert SOURCE[p.source_start: p.source_end] == text[p.query_start: p.query_end]
    # no source explains it, so it is still unmatched
    assert sum(u.words for u in res.unmatched) == len(word_spans(text))
    d = json.loads(json.dumps(res.to_dict()))
    assert d["shared"][0]["id"] == "banjir" and d["shared"][0]["passages"][0]["kind"]
    # two such sentences from different places of the source are not one passage either
    other = SOURCE[SOURCE.index("Kepala dinas"):].strip()
    assert index.trace(sent + " " + FILLER * 8 + " " + other).matches == ()
    # the same sentences in a row (a 40-word passage) are a source
    assert index.trace(FILLER * 3 + SOURCE[SOURCE.index("Petugas"):]).best.id == "banjir"


def test_whole_document_mode_is_todays_trace(index: Index) -> None:
    spun = spin(SOURCE, 0.3, seed=3).text
    res = index.trace(spun, passages=False)
    assert all(m.passages == () for m in res.matches) and res.unmatched == ()
    # (this name-free text has almost no immutables: today's trace may find nothing,
    # the sentence bags find it)
    assert index.trace(spun).best.id == "banjir"


def test_to_dict_shapes_are_json(index: Index) -> None:
    res = index.trace(FILLER + SOURCE)
    d = json.loads(json.dumps(res.to_dict()))
    assert set(d) == {"source", "matches", "unmatched", "shared"}
    p = d["matches"][0]["passages"][0]
    assert {"query_start", "query_end", "source_start", "source_end", "kind", "similarity",
            "swaps"} <= set(p)
    assert p["kind"] in ("verbatim", "spun", "reordered", "paraphrased")
    assert Passage(**{k: p[k] for k in p}).to_dict() == p


def test_bag_fingerprints_ignore_word_order_within_sentences() -> None:
    fp = Fingerprinter()
    index_side = fp.bag_fingerprints(SOURCE)
    assert len(index_side) == 4  # one per sentence
    query_side = fp.bag_fingerprints(_shuffle_words(SOURCE, 5), query=True)
    assert np.isin(index_side, query_side).all()
    # the shingle channel does not survive a shuffle
    named = ("Presiden Joko Widodo bertemu Perdana Menteri Lee Hsien Loong di Istana Bogor "
             "pada Senin 12 Maret 2018 bersama Menteri Luar Negeri Retno Marsudi.")
    sh = fp.fingerprints(named)
    assert len(sh) >= 3
    assert not np.isin(sh, fp.fingerprints(_shuffle_words(named, 5), query=True)).all()
    assert np.isin(fp.bag_fingerprints(named),
                   fp.bag_fingerprints(_shuffle_words(named, 5), query=True)).all()


def test_bags_off_keeps_shingles_and_is_part_of_the_signature(tmp_path: Path) -> None:
    on, off = Fingerprinter(), Fingerprinter(IndexConfig(bags=False))
    assert np.array_equal(on.channels(SOURCE)[0], off.channels(SOURCE)[0])
    assert len(off.channels(SOURCE)[1]) == 0
    assert on.signature() != off.signature()
    Index(tmp_path / "a.db").close()
    from urai.errors import ResourceError

    with pytest.raises(ResourceError):
        Index(tmp_path / "a.db", config=IndexConfig(bags=False))


def test_sentences_and_unmatched_helpers() -> None:
    text = "Satu dua tiga. Empat lima!\nEnam tujuh"
    words = word_spans(text)
    assert sentences(words, text) == [(0, 3), (3, 5), (5, 7)]
    covered = bytearray([1, 1, 1, 0, 0, 1, 0])
    assert unmatched_spans(words, covered, min_words=1) == (
        Span(words[3][0], words[4][1], 2), Span(words[6][0], words[6][1], 1))
    assert unmatched_spans(words, covered, min_words=3) == ()


def test_config_validates_passage_fields() -> None:
    from urai.errors import ConfigError

    for bad in ({"passage_words": 2}, {"passage_similarity": 0.0}, {"bags": 1}):
        with pytest.raises(ConfigError):
            IndexConfig(**bad)


# -- same-event reports (issue 12, third session) ----------------------------------------------
RULING = (
    "Komdis menjatuhkan sanksi larangan bermain tiga pertandingan kepada Sorbatua Lestusen "
    "serta denda sepuluh juta rupiah karena mencekik gelandang Marteen Klokwijk dalam laga "
    "pekan ketujuh kompetisi liga musim ini"
)
REPORT_A = (
    "Gelandang Sorbatua Lestusen akhirnya menerima hukuman setelah insiden di stadion "
    "Gelora Wakatobi. " + RULING + ". Manajer Pardomuan Sitohang menyatakan timnya menerima "
    "keputusan itu dengan lapang dada. Sementara itu kubu Marteen Klokwijk menilai hukuman "
    "tersebut terlalu ringan untuk pelanggaran seberat itu. Pertandingan di Gelora Wakatobi "
    "sempat terhenti beberapa menit ketika para pemain kedua tim saling dorong."
)
REPORT_B = (
    "Kabar kurang sedap datang dari kubu tamu menjelang laga tandang pekan depan. Pelatih "
    "mengaku kecewa karena Sorbatua Lestusen tidak bisa diturunkan dalam beberapa laga ke "
    "depan. " + RULING + ". Menurut Pardomuan Sitohang, tim harus mencari pengganti yang "
    "sepadan di lini tengah. Insiden antara Sorbatua Lestusen dan Marteen Klokwijk terjadi "
    "pada babak kedua di Gelora Wakatobi ketika skor masih imbang tanpa gol. Para pendukung "
    "berharap tim tetap tampil solid meski kehilangan salah satu pemain andalannya, dan "
    "manajemen berjanji akan mendampingi pemain yang bersangkutan selama masa hukuman. "
    "Latihan tertutup digelar dua kali sehari sepanjang pekan ini untuk mematangkan strategi "
    "baru. Beberapa pemain muda dari akademi klub dipanggil untuk menambah pilihan di lini "
    "tengah, sementara staf medis memantau kondisi dua pemain yang mengalami cedera ringan. "
    "Tiket pertandingan kandang berikutnya dilaporkan hampir habis terjual sejak dibuka "
    "secara daring pada awal pekan."
)


def test_same_event_report_sharing_a_ruling_is_shared_not_a_source(tmp_path: Path) -> None:
    from urai.trace.passages import context_names

    with Index(tmp_path / "e.db") as idx:
        idx.add([("report-a", REPORT_A), ("banjir", SOURCE)])
        # another outlet's report of the same event quotes the ruling word for word and
        # names the same people and place around it: shared text, not a copied source
        res = idx.trace(REPORT_B)
        assert [m.id for m in res.matches] == []
        assert [x.id for x in res.shared] == ["report-a"]
        (p,) = res.shared[0].passages
        assert p.query_words >= 25 and p.similarity >= 0.9
        n = context_names(REPORT_B, word_spans(REPORT_B), REPORT_A, word_spans(REPORT_A),
                          [p], lambda w: True)
        assert n >= 3  # lestusen, pardomuan, sitohang, klokwijk, gelora, wakatobi ...
        # the same ruling pasted into unrelated text (no names around it) is a source
        pasted = FILLER * 3 + RULING + ". " + FILLER * 3
        res = idx.trace(pasted)
        assert [m.id for m in res.matches] == ["report-a"]
        # and the whole-document trace never matched the same-event report
        assert idx.trace(REPORT_B, passages=False).matches == ()


GLOSSARY = (
    "meluhurkan: memberikan pujian terhadap melangit.\n"
    "laluan: kutipan dari sebuah karya.\n"
    "memberkati: menjadikan seseorang sebagai orang suci.\n"
    "memperingatkan: memberikan amaran lebih awal.\n"
    "bersiap: sedia memberi tahu bahaya.\n"
    "berkilah: membela diri atas tuduhan.\n"
    "mengucapkan: terima kasih kepada tamu.\n"
    "lemah semangat: orang yang lemah.\n"
)


def test_short_lines_shuffled_are_matched_as_pairs(tmp_path: Path) -> None:
    # glossary lines of three content words cannot be compared as bags one by one; two
    # adjacent lines taken as one bag find their source lines (a shuffled glossary excerpt)
    rng = random.Random(5)
    lines = []
    for line in GLOSSARY.strip().split("\n"):
        words = line.rstrip(".").split()
        rng.shuffle(words)
        lines.append(" ".join(words) + ".")
    query = " ".join(lines)
    with Index(tmp_path / "g.db") as idx:
        idx.add([("gloss", GLOSSARY), ("voli", OTHER), ("banjir", SOURCE)])
        res = idx.trace(query)
        assert res.best is not None and res.best.id == "gloss", res
        assert sum(p.query_words for p in res.best.passages) >= 0.8 * len(word_spans(query))
        assert {p.kind for p in res.best.passages} <= {"reordered", "spun"}
        # the same lines as clean text beside unrelated filler: the pairs do not take the
        # filler sentence in (a pair must keep its source window's words)
        res = idx.trace(FILLER + query)
        assert res.best is not None and res.best.id == "gloss"
        assert all(p.query_start >= len(FILLER) - 1 for p in res.best.passages)


def test_a_shuffled_full_stop_and_a_domain_dot_split_no_sentence(index: Index) -> None:
    text = "Kata CNNIndonesia.com hari ini. Harga naik 1.000 rupiah lagi."
    words = word_spans(text)
    assert len(sentences(words, text)) == 2
    # a shuffle that moved the full stop into the sentence leaves a piece too short to be
    # compared alone: it is matched together with its neighbour
    sent = SOURCE[: SOURCE.index("Petugas")].strip().rstrip(".").split()
    rng = random.Random(2)
    rng.shuffle(sent)
    sent.insert(4, ".")
    query = " ".join(sent) + " ."
    m = index.trace(query).best
    assert m is not None and m.id == "banjir"
    assert sum(p.query_words for p in m.passages) == len(word_spans(query))


def test_a_second_source_outvoted_by_copies_of_the_first_is_found(tmp_path: Path) -> None:
    # eight indexed copies of the first source (an agency story that several outlets ran)
    # share every fingerprint of its part of the query; the second source's short passage
    # shares a few. The first vote verifies the copies; the second vote, over the words no
    # verified source explains, finds the second source
    copies = [(f"copy{i}", SOURCE + f" Laporan koresponden nomor {i}.") for i in range(8)]
    passage = OTHER[: OTHER.index(" Para pemain")]
    query = SOURCE + " " + passage
    with Index(tmp_path / "r.db") as idx:
        idx.add([*copies, ("banjir", SOURCE), ("voli", OTHER)])
        res = idx.trace(query, top=10)
        ids = [m.id for m in res.matches]
        assert "voli" in ids, ids
        (p,) = next(m for m in res.matches if m.id == "voli").passages
        assert p.query_start >= len(SOURCE) and p.query_words >= 20


def test_second_vote_blocks_follow_the_query_sentences_and_skip_explained_words() -> None:
    from urai.trace.index import _second_round_blocks
    from urai.trace.passages import prepare

    text = ("Kantor berita CNNIndonesia.com melaporkan 1.000 warga mengungsi dari desa itu. "
            "Petugas membuka dapur umum di balai desa. Bantuan datang dari provinsi tetangga "
            "pada malam hari. Relawan mendata korban di posko.")
    qw = word_spans(text)
    prep = prepare(text, qw, None, frozenset())
    # the domain's and the number's dots end no sentence
    assert len(prep.sents) == 4
    rng = random.Random(3)
    for trial in range(300):
        explained = bytearray(rng.random() < (0.0 if trial == 0 else 0.4) for _ in qw)
        blocks = _second_round_blocks(prep.sents, explained)
        pieces = [p for blk in blocks for p in blk]
        words = [i for a, b in pieces for i in range(a, b)]
        # every unexplained word in exactly one piece, no explained word in any
        assert words == [i for i in range(len(qw)) if not explained[i]]
        runs = 0
        for blk in blocks:
            assert 1 <= len(blk) <= 2
            assert all(blk[0][1] < blk[1][0] for _ in blk[1:])  # apart: else one piece
            # a run never crosses a sentence end; a piece only where two runs touch
            for a, b in blk:
                ends = [e for _, e in prep.sents if a < e < b]
                assert len(ends) <= 1
                runs += 1 + len(ends)
        n_runs = sum(1 for s0, s1 in prep.sents for i in range(s0, s1)
                     if not explained[i] and (i == s0 or explained[i - 1]))
        assert runs == n_runs and len(blocks) == (n_runs + 1) // 2
    whole = _second_round_blocks(prep.sents, bytearray(len(qw)))
    assert whole == [[(0, prep.sents[1][1])], [(prep.sents[2][0], len(qw))]]


def test_pair_options_keep_every_pair_the_bag_step_can_form() -> None:
    """The early exit of the bag step: the pair options computed from the query alone are
    exactly the (short sentence, neighbour) pairs that pass the query-side conditions."""
    from urai.trace import passages as P

    rng = random.Random(5)
    vocab = ["padi", "sawah", "petani", "air", "hujan", "pupuk", "harga", "pasar", "desa",
             "panen", "benih", "musim", "kota", "jalan", "truk"]
    for _ in range(200):
        sents = []
        for _ in range(rng.randint(1, 6)):
            sents.append(" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 7))) + ".")
        text = " ".join(sents)
        qw = word_spans(text)
        prep = P.prepare(text, qw, None, frozenset())
        covered = bytearray(rng.random() < 0.3 for _ in qw)
        got = {(n, m) for n, opts in P._pair_options(prep, covered) for m, *_ in opts}
        want = set()
        for n, (a, b) in enumerate(prep.sents):
            if len(prep.bags[n][0]) >= P.BAG_MIN_MATCHED or sum(covered[a:b]) >= b - a:
                continue
            for m in (n + 1, n - 1):
                if 0 <= m < len(prep.sents):
                    lo, hi = min(n, m), max(n, m)
                    qa, qb = prep.sents[lo][0], prep.sents[hi][1]
                    bag = {**prep.bags[hi][0], **prep.bags[lo][0]}
                    if (qb - qa >= 6 and sum(covered[qa:qb]) < P.BAG_UNCOVERED * (qb - qa)
                            and len(bag) > P.BAG_MIN_MATCHED):
                        want.add((n, m))
        assert got == want
