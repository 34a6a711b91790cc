"""Spinner profiles: the file format, learning from aligned pairs, restoring and attributing
with them, and the ``urai profile`` command (real files, the real CLI entry point)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import urai.cli as cli
from urai.corpus.profiling import learn, learn_profile, pair_swaps
from urai.detect.detector import Detector, default_detector
from urai.detect.profile import Profile, attribute, load_profiles
from urai.errors import ConfigError, InputError
from urai.simulate.spinner import Spinner

ARTICLES = [
    "Serangan udara koalisi pada hari Sabtu menewaskan sedikitnya dua belas warga sipil dan "
    "melukai puluhan lainnya. Serangan itu menghantam pasar dan permukiman di pinggiran kota. "
    "Pemerintah setempat mengatakan para korban akan dimakamkan hari ini dan bantuan akan "
    "dikirim ke daerah itu. Kelompok militan menyatakan akan membalas serangan tersebut dan "
    "meminta warga menjauhi pangkalan militer.",
    "Pemerintah daerah akan membangun jalan baru dan jembatan di kawasan timur tahun ini. "
    "Kepala dinas mengatakan proyek itu akan menghubungkan desa dan kota yang selama ini "
    "terpisah oleh sungai. Warga menyambut rencana tersebut dan berharap pembangunan akan "
    "selesai sebelum musim hujan. Anggaran proyek berasal dari pemerintah pusat dan daerah.",
    "Harga beras di pasar tradisional naik dan pedagang mengeluhkan pasokan yang berkurang. "
    "Menurut pedagang, harga akan terus naik jika panen tertunda dan distribusi terganggu. "
    "Pemerintah berjanji akan menggelar operasi pasar dan menambah stok di gudang. Warga "
    "berharap harga kembali normal dan kebutuhan pokok mudah didapat.",
]
FARM_A = {"dan": ["serta"], "akan": ["bakal"], "udara": ["hawa"], "kelompok": ["grup"],
          "warga": ["penduduk"], "harga": ["nilai"]}
FARM_B = {"dan": ["juga"], "akan": ["hendak"], "warga": ["rakyat"], "pasar": ["pekan"],
          "pemerintah": ["penguasa"], "harga": ["tarif"]}


def _pairs(table: dict[str, list[str]], q: float = 1.0) -> list[tuple[str, str]]:
    sp = Spinner(table)
    return [(sp.spin_consistent(a, q, seed=i).text, a) for i, a in enumerate(ARTICLES)]


def test_learned_profile_recovers_the_farm_dictionary() -> None:
    prof = learn_profile(_pairs(FARM_A), name="a")
    assert prof.best("serta") == ("dan", sum(a.count(" dan ") for a in ARTICLES))
    assert prof.best("bakal")[0] == "akan"
    assert prof.best("hawa") == ("udara", 1)
    # every learned pair is one of the farm's, no more
    assert {(o, r) for o, r in prof.pairs} <= {(v[0], k) for k, v in FARM_A.items()}
    assert prof.documents == 3
    assert prof.swap_probability("serta") > 0.9
    assert prof.swap_probability("pasar") == 0.0


def test_kept_counts_lower_the_swap_probability() -> None:
    # q = 0.5: the spinner leaves some `dan`; a source that already says `serta` keeps it
    src = ARTICLES[0] + " Warga serta relawan membantu."
    sw, kept = pair_swaps(Spinner(FARM_A).spin_consistent(src, 1.0, 1).text, src)
    assert ("serta", "dan") in sw and "serta" in kept
    prof = Profile.from_counts("x", sw, kept)
    assert 0.5 < prof.swap_probability("serta") < 1.0


def test_bad_pairs_are_counted_not_fatal() -> None:
    good = _pairs(FARM_A)[0]
    rep = learn([good, {"copy": "x"}, {"copy": "", "source": "y"}, ("Lain sekali.", ARTICLES[1]),
                 42], name="a")
    assert rep.used == 1 and len(rep.rejected) == 4 and rep.processed == 5
    reasons = " | ".join(r.reason for r in rep.rejected)
    assert "missing field 'source'" in reasons and "empty copy" in reasons
    assert "does not align" in reasons


def test_profile_file_round_trip_and_versions(tmp_path: Path) -> None:
    prof = learn_profile(_pairs(FARM_A), name="a")
    p = tmp_path / "a.json"
    prof.save(p)
    obj = json.loads(p.read_text(encoding="utf-8"))
    assert obj["format"] == "urai.profile" and obj["version"] == 3
    assert obj["pairs"][0]["count"] >= obj["pairs"][-1]["count"]
    back = Profile.load(p)
    assert back.pairs == prof.pairs and back.name == "a"
    # version 3 keeps every kept count (negative evidence) and the selection policy
    assert back.kept == prof.kept and prof.kept.get("pasar", 0) >= 2
    assert prof.policy is not None and back.policy is not None
    assert back.policy.coef == pytest.approx(prof.policy.coef, abs=1e-5)
    assert back.policy.seen_coef == pytest.approx(prof.policy.seen_coef, abs=1e-5)
    assert 0.0 < prof.policy.rate <= 1.0
    # version 2 (no policy; unchanged words from two occurrences) is still read
    v2 = dict(obj, version=2)
    v2.pop("policy")
    (tmp_path / "v2.json").write_text(json.dumps(v2), encoding="utf-8")
    old = Profile.load(tmp_path / "v2.json")
    assert old.policy is None and old.pairs == prof.pairs
    # version 1 (urai cluster's files): same triples, no kept counts
    v1 = {"format": "urai.profile", "version": 1, "kind": "family", "name": "f1",
          "documents": 2, "pairs": [{"observed": "serta", "original": "dan", "count": 3}]}
    (tmp_path / "f1.json").write_text(json.dumps(v1), encoding="utf-8")
    assert Profile.load(tmp_path / "f1.json").best("serta") == ("dan", 3)
    for bad in ('{"format": "urai.profile", "version": 9, "pairs": []}', "not json",
                '{"format": "urai.profile", "version": 2, "pairs": [{"observed": "x"}]}'):
        (tmp_path / "bad.json").write_text(bad, encoding="utf-8")
        with pytest.raises(InputError):
            Profile.load(tmp_path / "bad.json")
    with pytest.raises(ConfigError):
        Profile("x", {("a", "b"): 0})


def test_check_with_a_profile_restores_the_farms_swaps() -> None:
    prof = learn_profile(_pairs(FARM_A), name="a")
    text = Spinner(FARM_A).spin_consistent(ARTICLES[2] + " " + ARTICLES[1], 1.0, 9).text
    assert "serta" in text and " dan " not in text
    det = Detector(profile=prof)
    res = det.check(text)
    assert " dan " in res.restored_text and "serta" not in res.restored_text
    # the LM may overrule the profile where `bakal` reads much better than `akan`
    assert res.restored_text.count("bakal") <= text.count("bakal") // 4
    sub = next(s for s in res.substitutions if s.observed == "serta")
    assert sub.suggestion == "dan" and "profile 'a'" in sub.reason
    assert sub.evidence["profile_count"] >= 5
    # the same per call, and through a detector sharing the default one's engine
    assert Detector().check(text, profile=prof).restored_text == res.restored_text
    shared = default_detector().with_profile(prof)
    assert shared.engine is default_detector().engine and default_detector().profile is None
    assert shared.restore(text) == res.restored_text


def test_attribution_picks_the_farm_that_spun_the_copy(tmp_path: Path) -> None:
    pa, pb = learn_profile(_pairs(FARM_A), name="a"), learn_profile(_pairs(FARM_B), name="b")
    for name, table in (("a", FARM_A), ("b", FARM_B)):
        copy = Spinner(table).spin_consistent(ARTICLES[2], 0.8, 3).text
        words = [w.lower().strip(".,") for w in copy.split()]
        got = attribute(words, {"a": pa, "b": pb})
        assert got[0][0] == name and got[0][1] > 0.9
        assert abs(sum(s for _, s, _ in got) - 1.0) < 1e-9
    pa.save(tmp_path / "a.json")
    assert set(load_profiles(tmp_path)) == {"a"}
    with pytest.raises(InputError):
        load_profiles(tmp_path / "missing")


@pytest.fixture
def profile_cli(monkeypatch: pytest.MonkeyPatch):  # the command as it will be registered
    monkeypatch.setitem(cli._COMMANDS, "profile", ("urai.cli.profile", "profile", "Profiles."))
    return cli.main


def test_cli_learn_and_match(tmp_path: Path, profile_cli, capsys) -> None:
    pairs = tmp_path / "pairs.jsonl"
    lines = [json.dumps({"id": f"p{i}", "copy": c, "source": s})
             for i, (c, s) in enumerate(_pairs(FARM_A))]
    lines += ['{"copy": "tanpa sumber"}', "not json"]
    pairs.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pdir = tmp_path / "profiles"
    pdir.mkdir()
    assert profile_cli(["profile", "learn", "--out", str(pdir / "farm_a.json"),
                        str(pairs)]) == 0
    err = capsys.readouterr().err
    assert "3 pairs used, 2 rejected" in err and "missing field 'source'" in err
    pb = tmp_path / "pb.jsonl"
    pb.write_text("\n".join(json.dumps({"copy": c, "source": s}) for c, s in _pairs(FARM_B)),
                  encoding="utf-8")
    assert profile_cli(["profile", "learn", "--out", str(pdir / "farm_b.json"), str(pb)]) == 0
    assert "selection policy: rate q 1.00" in capsys.readouterr().err  # q = 1 farm
    assert profile_cli(["profile", "learn", "--no-policy", "--out", str(tmp_path / "np.json"),
                        str(pb)]) == 0
    assert "policy" not in json.loads((tmp_path / "np.json").read_text(encoding="utf-8"))
    assert json.loads((pdir / "farm_b.json").read_text(encoding="utf-8"))["version"] == 3
    copies = []
    for k, table in enumerate((FARM_B, FARM_A)):
        f = tmp_path / f"copy{k}.txt"
        f.write_text(Spinner(table).spin_consistent(ARTICLES[0], 1.0, 5).text, encoding="utf-8")
        copies.append(str(f))
    capsys.readouterr()
    assert profile_cli(["profile", "match", "--profiles", str(pdir), "--json", *copies]) == 0
    out = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [o["source"] for o in out] == copies
    assert [o["matches"][0]["profile"] for o in out] == ["farm_b", "farm_a"]
    # nothing usable: exit 2, no file written
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"copy": "a"}\n', encoding="utf-8")
    assert profile_cli(["profile", "learn", "--out", str(tmp_path / "x.json"), str(bad)]) == 2
    assert not (tmp_path / "x.json").exists()
    assert profile_cli(["profile", "match", "--profiles", str(tmp_path / "none"),
                        copies[0]]) != 0


def test_cli_learn_from_an_index(tmp_path: Path, profile_cli, capsys) -> None:
    from urai.records import Record
    from urai.trace.index import Index

    db = tmp_path / "archive.db"
    with Index(db) as idx:
        idx.add([Record(id=f"a{i}", text=a) for i, a in enumerate(ARTICLES)])
    copies = []
    for i, (c, _) in enumerate(_pairs(FARM_A, 0.8)):
        f = tmp_path / f"c{i}.txt"
        f.write_text(c, encoding="utf-8")
        copies.append(str(f))
    stray = tmp_path / "stray.txt"
    stray.write_text("Sebuah teks lain sama sekali tentang olahraga sepak bola dan pelatih "
                     "baru yang datang dari luar negeri untuk musim depan.", encoding="utf-8")
    out = tmp_path / "p.json"
    assert profile_cli(["profile", "learn", "--db", str(db), "--out", str(out), *copies,
                        str(stray)]) == 0
    err = capsys.readouterr().err
    assert "3 pairs used, 1 rejected" in err
    assert Profile.load(out).best("serta")[0] == "dan"


def test_a_detector_with_a_profile_pickles_for_worker_processes() -> None:
    import pickle

    prof = learn_profile(_pairs(FARM_A), name="a")
    back = pickle.loads(pickle.dumps(default_detector().with_profile(prof)))
    assert back.profile == prof and back.profile.best("serta") == prof.best("serta")
    assert back.profile.substitutes("dan") == frozenset({"serta"})


def test_selection_policy_is_fitted_by_cross_fitting_and_used_at_seen_words() -> None:
    from urai.corpus.profiling import fit_policy, pair_tokens  # noqa: F401
    from urai.detect.detector import CheckConfig

    # copies left unspun (a natural `serta` and `bakal` the spinner did not write), one for
    # each cross-fitting half, so the seen-word model has both outcomes to learn from
    natural = "Warga serta pedagang bakal datang ke pasar pagi ini untuk membeli beras."
    prof = learn_profile(_pairs(FARM_A) + [(natural, natural)] * 2, name="a")
    pol = prof.policy
    assert pol is not None and 0 < pol.positives < pol.samples and pol.seen_coef
    text = Spinner(FARM_A).spin_consistent(ARTICLES[2] + " " + ARTICLES[1], 1.0, 9).text
    det = Detector(profile=prof)
    new = det.check(text)
    old = det.with_config(CheckConfig(profile_policy_seen=False)).check(text)
    assert " dan " in new.restored_text and "serta" not in new.restored_text
    # both rules restore the seen pairs; the confidence of the calibrated one is its model's
    got = {s.start: s.confidence for s in new.substitutions if "profile_count" in s.evidence}
    was = {s.start: s.confidence for s in old.substitutions if "profile_count" in s.evidence}
    assert got and set(got) & set(was) and got != was
    # without a policy (a version-2 file) the previous rule decides
    bare = prof.with_policy(None)
    assert det.check(text, profile=bare).restored_text == old.restored_text
    # the unseen-word option runs and explains itself
    opt = det.with_config(CheckConfig(profile_policy=True)).check(text)
    assert all("selection policy" in s.reason for s in opt.substitutions
               if "profile_policy" in s.evidence)
