import json
from pathlib import Path

import pytest

import urai
from urai.cli import main


def test_resources_api_reports_loaded_data() -> None:
    info = urai.resources()
    assert info.thesaurus.headwords > 30_000
    assert info.thesaurus.edges > 100_000
    assert {s["name"] for s in info.thesaurus.sources} >= {"mythes-id", "wordnet-bahasa"}
    assert info.lm.order >= 3
    assert info.lm.tokens > 1_000_000
    assert len(info.lm.ngrams) == info.lm.order
    assert info.frequency.words > 20_000
    assert info.cloze is not None and info.cloze.vocab_in == info.lm.vocab
    assert 10_000 < info.cloze.vocab_out < info.cloze.vocab_in


def test_resources_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resources", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["thesaurus"]["headwords"] > 0 and data["thesaurus"]["edges"] > 0
    assert data["lm"]["order"] == 3 and data["lm"]["tokens"] > 0
    assert any("IndoSum" in s for s in data["lm"]["sources"])
    assert data["cloze"]["hidden"] > 0 and "IndoSum" in data["cloze"]["data"]
    assert data["implementation"].startswith(("compiled", "Python"))


def test_resources_with_a_missing_lm_is_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["resources", "--lm", str(tmp_path / "none.npz")]) != 0
    err = capsys.readouterr().err
    assert err.startswith("urai: error:") and err.count("\n") == 1


def test_shipped_data_is_compact() -> None:
    from urai.lang.id import DATA_DIR

    total = sum(p.stat().st_size for p in DATA_DIR.iterdir() if p.is_file())
    assert total <= 25 * 1024 * 1024


def test_data_build_rebuilds_the_thesaurus_and_frequency(tmp_path: Path, shared_data: Path) -> None:
    assert main(["data", "build", "--shared", str(shared_data), "--out", str(tmp_path),
                 "--only", "thesaurus", "--only", "frequency"]) == 0
    from urai.lang.id import DATA_DIR

    for name in ("thesaurus.tsv.gz", "freq.tsv.gz", "stopwords.txt"):
        assert (tmp_path / name).stat().st_size > 1000
        assert (DATA_DIR / name).is_file()
    from urai.lang.thesaurus import load_thesaurus

    built = load_thesaurus(tmp_path / "thesaurus.tsv.gz")
    shipped = load_thesaurus()
    assert built.headwords == shipped.headwords and built.edges == shipped.edges
    # the candidate table rebuilt from them (and the shipped LM) is the shipped one
    import shutil

    import numpy as np

    from urai.lang.candidates import load_candidates

    shutil.copy(DATA_DIR / "lm.npz", tmp_path / "lm.npz")
    assert main(["data", "build", "--shared", str(shared_data), "--out", str(tmp_path),
                 "--only", "candidates"]) == 0
    new, old = load_candidates(tmp_path / "candidates.npz"), load_candidates(
        DATA_DIR / "candidates.npz")
    assert list(new._index) == list(old._index) and new.surfaces == old.surfaces
    for name in ("ptr", "cand", "weight_code", "weights", "fan", "rev"):
        assert np.array_equal(getattr(new, name), getattr(old, name)), name
    assert new.meta == old.meta


def test_data_build_rejects_a_wrong_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["data", "build", "--shared", str(tmp_path)]) == 2
    assert "SOURCES.md" in capsys.readouterr().err
